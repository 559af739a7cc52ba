"""Federated canned queries: the SERVICE endpoint a query declares by name, replaced by the configured one.

A canned query that calls another endpoint declares it in its header, so the file
stays plain SPARQL 1.1 that runs as written anywhere::

    #+ service: {wikidata: "https://query.wikidata.org/sparql"}
    ... SERVICE <https://query.wikidata.org/sparql> { ... }

``SERVICE_ENDPOINTS`` (``gaoxin-kg serve --service-endpoint wikidata=URL``) maps such a
name to the endpoint this server should call instead (a mirror, or a test server);
`prepare` swaps the IRI token, found exactly as the SERVICE check reads it
(`server.sparql_text.blank`), never a string or comment that looks like it. The query
then goes through the same SERVICE allow-list check as every other query
(``SERVICE_ALLOW``, ``--service-allow PREFIX``): with no allow-list, federation is off and
`explain` says so, and the HTML page (`offline_page`) shows the query with a button that
runs its Wikidata part on the Wikidata Query Service instead: the provinces' items, read
from this graph, written into a VALUES block (`wikidata_query`), so the query needs
nothing but Wikidata. For an allowed query the server calls the endpoint itself, on an
address resolved and checked once, and inlines the answer as VALUES (`server.service_calls`);
no query process can open a socket.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, g, render_template
from pyoxigraph import NamedNode

from graph_build import canned
from graph_build.canned import CannedQuery

from . import errors, executor, sparql_text
from .display import local_href
from .errors import Problem

WIKIDATA_QUERY_SERVICE = "https://query.wikidata.org/"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
# The local half of provinces-wikidata-population: our provinces with documents and the Wikidata items they match.
PROVINCE_ITEMS = """PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?province ?province_name ?item (COUNT(DISTINCT ?document) AS ?documents) WHERE {
  ?document eli:is_realized_by ?expression ; eli:jurisdiction ?province .
  ?province skos:exactMatch ?item ; skos:prefLabel ?province_name FILTER(langMatches(lang(?province_name), "zh-Hans"))
  FILTER(STRSTARTS(STR(?item), "http://www.wikidata.org/entity/"))
} GROUP BY ?province ?province_name ?item ORDER BY ?province_name
"""
WIKIDATA_QUERY = """# 图谱中有政策文件的省份及其维基数据人口 · Provinces with documents in gaoxin-kg, and what Wikidata states about them
# (the items come from gaoxin-kg's skos:exactMatch links; the rest runs on Wikidata alone)
PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?item ?province_name ?documents ?wikidata_label ?division_code ?population WHERE {
  VALUES (?item ?province_name ?documents) {
%s
  }
  ?item wdt:P442 ?division_code ;
        wdt:P1082 ?population .
  OPTIONAL { ?item rdfs:label ?wikidata_label FILTER(langMatches(lang(?wikidata_label), "zh")) }
}
ORDER BY DESC(?population) ?province_name
"""


class NotFederated(Problem):
    """A federated canned query this server may not run: 400 for data formats, a page with a way to run it elsewhere for people."""

    def __init__(self, query: CannedQuery, configured: Mapping[str, str], reason: str) -> None:
        super().__init__(400, explain(query, configured, reason))
        self.query = query


def services(query: CannedQuery) -> dict[str, str]:
    """Return the SERVICE endpoints a canned query declares in its header, by name."""
    declared = canned.header(query).get("service") or {}
    if not isinstance(declared, dict):
        raise ValueError(f"{query.path}: header 'service' must map names to endpoint IRIs")
    return {str(name): str(iri) for name, iri in declared.items()}


def prepare(query: CannedQuery, configured: Mapping[str, str]) -> str:
    """Return the query's text with each declared SERVICE endpoint replaced by the one configured under its name."""
    replacements = {iri: configured[name] for name, iri in services(query).items() if configured.get(name)}
    return rewrite(query.sparql, replacements) if replacements else query.sparql


def rewrite(sparql: str, replacements: Mapping[str, str]) -> str:
    """Replace IRI tokens (not strings or comments) equal to a key by the value, written as an IRI by pyoxigraph.

    >>> rewrite('SELECT * { SERVICE <http://a/> { ?s ?p "<http://a/>" } } # <http://a/>', {"http://a/": "http://b/q"})
    'SELECT * { SERVICE <http://b/q> { ?s ?p "<http://a/>" } } # <http://a/>'
    """
    blanked = sparql_text.blank(sparql)
    pieces, position = [], 0
    for offset, iri in sorted(blanked.iris.items()):
        if iri in replacements:
            end = sparql.index(">", offset) + 1
            pieces += [sparql[position:offset], str(NamedNode(replacements[iri]))]
            position = end
    return "".join(pieces) + sparql[position:]


def explain(query: CannedQuery, configured: Mapping[str, str], reason: str) -> str:
    """Say, in both languages, that a federated canned query was not run because federation to its endpoint is off."""
    called = ", ".join(f"{name} <{configured.get(name) or iri}>" for name, iri in services(query).items()) or "an external endpoint"
    return (
        f"联邦查询未开启：此查询通过 SERVICE 调用外部 SPARQL 端点（{called}），本服务器未允许，因此没有执行。"
        f" Federation is not enabled: this query calls an external SPARQL endpoint through SERVICE ({called}), "
        f"which this server does not allow, so it was not run. To enable it, start the server with --service-allow "
        f"and that endpoint's IRI prefix. ({reason})"
    )


def wikidata_query(items: list[dict[str, Any]]) -> str:
    """Write the Wikidata half of the query, with the provinces' items and names as a VALUES block.

    >>> from pyoxigraph import Literal
    >>> print(wikidata_query([{"item": NamedNode("http://www.wikidata.org/entity/Q43194"),
    ...                        "province_name": Literal("云南省", language="zh-hans"), "documents": Literal(2)}]).splitlines()[7])
        (<http://www.wikidata.org/entity/Q43194> "云南省"@zh-hans 2)
    """
    rows = [f"    ({row['item']} {row['province_name']} {row['documents'].value})" for row in items]
    return WIKIDATA_QUERY % "\n".join(rows)


def service_link(sparql: str) -> str:
    """Link a query into the Wikidata Query Service, which reads it from the URL's fragment."""
    return WIKIDATA_QUERY_SERVICE + "#" + quote(sparql, safe="")


def offline_page(error: NotFederated) -> Response:
    """Answer a federated query that was not run: for a person, its SPARQL with a button to run it on Wikidata; else 400."""
    if g.get("answer_format", "html") != "html":
        return errors.respond(error.status, error.message)
    try:
        items = [row for row in executor.select(PROVINCE_ITEMS) if row["item"].value.startswith(WIKIDATA_ENTITY)]
    except executor.QueryError as failed:  # a handler's own error would reach no handler: answer the refusal with the reason
        return errors.respond(error.status, f"{error.message} ({failed.message})")
    standalone = wikidata_query(items)
    html = render_template("federation_off.html", query=error.query, message=error.message, sparql=canned.body(error.query),
                           standalone=standalone, link=service_link(standalone), items=items,
                           href=lambda iri: local_href(iri, current_app.config["BASE_IRI"]))
    return Response(html, 200, mimetype="text/html")
