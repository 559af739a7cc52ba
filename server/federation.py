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
`explain` says so on the page. An allowed query runs in the federation pool, the only query
processes with network sockets, once its hosts are resolved and found to be public or named by an
entry (`server.admission`); every other query process cannot open a socket at all.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyoxigraph import NamedNode

from graph_build import canned
from graph_build.canned import CannedQuery

from . import sparql_text


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
