"""Other engines: the export loaded into `oxigraph serve`, the app served from it (--endpoint), the same answers as the embedded store.

Also the proof that the canned queries are portable SPARQL 1.1: each runs as written on the
other engine through SPARQLWrapper with the same rows, parses with rdflib's SPARQL 1.1
parser, and calls no function outside the SPARQL 1.1 built-ins.
"""

from __future__ import annotations

import doctest
import http.server
import re
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from rdflib.plugins.sparql import prepareQuery
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from graph_build import canned
from graph_build.store.access import open_read_only, run_query
from server import create_app, executor, federation, graph, remote, remote_folds, remote_pages, sparql_text, summary
from tests.server.conftest import federation_options, serving
from tests.server.engines import export_nquads, load, oxigraph_serving

QUERIES = canned.load_all()
ID = "https://w3id.org/gaoxin-kg/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
# SPARQL 1.1 §18.2 / §17.4 built-ins and aggregates, and the keywords that may stand before "(" (§19.8 grammar).
BUILT_INS = {
    "STR", "LANG", "LANGMATCHES", "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "RAND", "ABS", "CEIL", "FLOOR", "ROUND", "CONCAT",
    "STRLEN", "UCASE", "LCASE", "ENCODE_FOR_URI", "CONTAINS", "STRSTARTS", "STRENDS", "STRBEFORE", "STRAFTER", "YEAR", "MONTH",
    "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ", "NOW", "UUID", "STRUUID", "MD5", "SHA1", "SHA256", "SHA384", "SHA512",
    "COALESCE", "IF", "STRLANG", "STRDT", "SAMETERM", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "REGEX", "SUBSTR",
    "REPLACE", "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT",
}
KEYWORDS = {"FILTER", "BIND", "VALUES", "IN", "ASC", "DESC", "HAVING", "BY", "SELECT", "DISTINCT", "WHERE", "AS", "EXISTS"}
CALL = re.compile(r"(?<![\w?$:])(?P<name>[A-Za-z_][\w\-.]*(?::[\w\-.]*)?|:[\w\-.]*|<\s*>)\s*\(")
ORDER_KEY = re.compile(r"(?:ASC|DESC)\s*\(\s*\?(\w+)\s*\)|\?(\w+)", re.IGNORECASE)


# -- fixtures: the export, the other engine, and the app in front of each ----------------------------------------------------


@pytest.fixture(scope="module")
def export_file(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Export the seed graph as gzip N-Quads with the real command line, as a bulk loader would be given it."""
    return export_nquads(built_store, tmp_path_factory.mktemp("export") / "gaoxin-kg.nq.gz")


@pytest.fixture(scope="module")
def engine(export_file: Path) -> Iterator[str]:
    """The export loaded with `oxigraph load` and served by `oxigraph serve-read-only --union-default-graph`; yields its URL."""
    location = export_file.parent / "oxigraph-db"
    load([export_file], location)
    with oxigraph_serving(location, union_default_graph=True) as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def remote_backed(engine: str, wikidata: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Our server on the other engine: its --store names nothing, so every answer must come from the endpoint."""
    nowhere = tmp_path_factory.mktemp("no-store") / "store"
    with serving(nowhere, "--endpoint", engine, *federation_options(wikidata)) as base:
        yield base


# -- helpers ---------------------------------------------------------------------------------------------------------------


def get(base: str, route: str, **params: str) -> requests.Response:
    response = requests.get(base + route, params=params, timeout=60)
    assert response.status_code == 200, f"{base}{route}: {response.status_code} {response.text[:500]}"
    return response


def canned_rows(base: str, name: str, params: dict[str, str]) -> tuple[list[str], list[tuple[str, ...]]]:
    """Return the columns and rows of a canned query's JSON twin."""
    data = get(base, f"/queries/{name}.json", **params).json()
    return data["columns"], [tuple(row[c] or "" for c in data["columns"]) for row in data["rows"]]


def example_parameters(base: str, name: str) -> dict[str, str]:
    """Pick each parameter's value from the query's own unbound result (parameters are projected columns)."""
    columns, rows = canned_rows(base, name, {})
    picked = {}
    for parameter in QUERIES[name].parameters:
        values = [row[columns.index(parameter.name)] for row in rows if row[columns.index(parameter.name)]]
        assert values, f"{name}: no example value for parameter {parameter.name}"
        picked[parameter.name] = values[0]
    return picked


def order_keys(name: str) -> list[str]:
    """Return the variables of the query's outermost ORDER BY, in order."""
    code = sparql_text.blank(QUERIES[name].sparql).code
    clauses = list(re.finditer(r"ORDER\s+BY\s+(.*?)(?:LIMIT|OFFSET|$)", code, re.IGNORECASE | re.DOTALL))
    return [m.group(1) or m.group(2) for m in ORDER_KEY.finditer(clauses[-1].group(1))] if clauses else []


# Queries about documents the seeds lack (header seeds: false) have no rows to compare here; tests/test_project_data.py runs them.
ON_SEEDS = sorted(name for name in QUERIES if canned.header(QUERIES[name]).get("seeds", True))


def cases() -> list[tuple[str, bool]]:
    """Every canned query unbound, and with example parameters where it has any."""
    return [(name, False) for name in ON_SEEDS] + [(name, True) for name in ON_SEEDS if QUERIES[name].parameters]


def without_inbound(html: str) -> str:
    """Drop the inbound links: a page shows the first RESOURCE_INBOUND_CAP of them, in index order here, IRI order remotely (server/remote_pages.py)."""
    return re.sub(r'<section class="inbound">.*?</section>', "", html, flags=re.S)


def inbound_heading(html: str) -> list[str]:
    """Return the inbound section's heading (it gives the total), whitespace-normalised."""
    return [" ".join(h.split()) for h in re.findall(r'<section class="inbound">\s*(<h2\b.*?</h2>)', html, flags=re.S)]


def table_rows(html: str) -> Counter[str]:
    """Return the table rows and list items of a page, whitespace-normalised, as a multiset."""
    return Counter(" ".join(chunk.split()) for chunk in re.findall(r"<(?:tr|li)\b.*?</(?:tr|li)>", html, flags=re.S))


# -- the same answers from both backends -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "with_parameters"), cases())
def test_every_canned_query_gives_the_same_rows_on_the_other_engine(embedded: str, remote_backed: str, name: str, with_parameters: bool) -> None:
    params = example_parameters(embedded, name) if with_parameters else {}
    columns, here = canned_rows(embedded, name, params)
    other_columns, there = canned_rows(remote_backed, name, params)
    assert here, f"{name} {params}: no rows to compare"
    assert other_columns == columns
    assert Counter(there) == Counter(here)
    keys = [columns.index(k) for k in order_keys(name) if k in columns]
    assert [tuple(row[i] for i in keys) for row in there] == [tuple(row[i] for i in keys) for row in here], "ORDER BY order differs"


def test_home_page_shows_the_same_counts(embedded: str, remote_backed: str) -> None:
    pattern = r'<span class="count-value">(\d+)</span> <span class="count-label">([^<]+)<'
    counts = [re.findall(pattern, get(base, "/").text) for base in (embedded, remote_backed)]
    assert len(counts[0]) == 4 and counts[0] == counts[1]
    assert dict((label, int(n)) for n, label in counts[1])["政策文件 documents"] == 4


RESOURCE_PAGES = [
    "/page/province/yunnan", "/page/doc/yunzhengfa-2020-36", "/page/doc/yunzhengfa-2020-36/part/2-1", "/page/doc/yunzhengfa-2020-36/graph",
    "/page/doc/yunzhengfa-2020-36/zh-hant/span/145-178", "/page/doc/yunzhengfa-2020-36/zh-hant/file", "/page/graph/similarity",
    "/page/doc/yunzhengfa-2020-36/zh-hant/span/145-178.nt", "/page/doc/yunzhengfa-2020-36/zh-hans", "/page/doc/yunzhengfa-2020-36/part/3-2",
    "/page/similarity/jizhengzi-2020-52/2-1-5/yunzhengfa-2020-36/2-2",
]


SAME_FACT_PAGES = [*RESOURCE_PAGES, "/page/province/yunnan?_page=1", "/queries/incentives"]


@pytest.mark.parametrize("path", SAME_FACT_PAGES)
def test_pages_show_the_same_facts(embedded: str, remote_backed: str, path: str) -> None:
    """The same HTML from both backends, inbound links included: one rule (RESOURCE_INBOUND_CAP links per property and page)."""
    here, there = (get(base, path).text for base in (embedded, remote_backed))
    if path.endswith(".nt"):
        assert len(here.splitlines()) > 3 and set(there.splitlines()) == set(here.splitlines())
        return
    assert "<h1" in here and inbound_heading(there) == inbound_heading(here)
    assert table_rows(there) == table_rows(here) and " ".join(there.split()) == " ".join(here.split())


@pytest.mark.parametrize("page", ["0", "1", "2", "9"])
def test_inbound_links_are_paged_alike(built_store: Path, engine: str, page: str) -> None:
    """Past the cap (10 here) both backends show the same page of each property's links, with the same previous/next links."""
    limits = {"RESOURCE_INBOUND_CAP": 10, "TESTING": True, "QUERY_TIMEOUT": 30.0}
    apps = [create_app({"STORE": built_store, **limits}), create_app({"STORE": built_store.parent / "nowhere", "ENDPOINT": engine, **limits})]
    here, there = (app.test_client().get("/page/province/yunnan", query_string={"_page": page}).get_data(as_text=True) for app in apps)
    assert " ".join(there.split()) == " ".join(here.split())
    if page == "0":
        assert re.search(r"Showing 1–10 of (\d\d)", here) and 'rel="next" href="?_page=1' in here
    if page == "1":
        assert "Showing 11–20 of" in here and 'rel="prev" href="?_page=0' in here


class CountingProxy(http.server.ThreadingHTTPServer):
    """A loopback HTTP proxy in front of the engine that counts the requests it passes on."""

    def __init__(self, target: str) -> None:
        super().__init__(("127.0.0.1", 0), CountingHandler)
        self.target, self.count, self.queries = target, 0, []


class CountingHandler(http.server.BaseHTTPRequestHandler):
    server: CountingProxy

    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        self.server.count += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.queries.append(body)
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
        answer = requests.post(self.server.target, data=body, headers=headers, timeout=60)
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("Content-Type", "text/plain"))
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def counted(engine: str, tmp_path: Path) -> Iterator[tuple[CountingProxy, Flask]]:
    """The app on the other engine through a counting proxy (the build's version looked up once, on the first page)."""
    proxy = CountingProxy(engine)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        config = {"ENDPOINT": f"http://127.0.0.1:{proxy.server_address[1]}/query", "STORE": tmp_path / "nowhere", "TESTING": True}
        yield proxy, create_app({**config, "ENDPOINT_VERSION_TTL": 3600.0, "QUERY_TIMEOUT": 30.0})
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_each_resource_page_costs_at_most_two_requests(counted: tuple[CountingProxy, Flask]) -> None:
    proxy, app = counted
    client = app.test_client()
    assert client.get("/page/province/gansu").status_code == 200  # also reads the build's version, once
    for path in RESOURCE_PAGES:
        before = proxy.count
        response = client.get(path)
        assert response.status_code == 200, path
        assert 1 <= proxy.count - before <= 2, f"{path}: {proxy.count - before} requests to the engine: {[q[:200] for q in proxy.queries[before:]]}"


@pytest.mark.parametrize(("procedure", "arguments"), [
    ("read", (ID + "doc/yunzhengfa-2020-36", None)), ("read", (ID + "doc/yunzhengfa-2020-36", ID + "doc/yunzhengfa-2020-36/zh-hant")),
    ("summarise", (ID + "province/yunnan",)), ("summarise", (ID + "doc/yunzhengfa-2020-36/part/3-2",)),
])
def test_a_reader_or_summary_on_its_own_costs_one_request(counted: tuple[CountingProxy, Flask], built_store: Path, procedure: str,
                                                            arguments: tuple[str | None, ...]) -> None:
    """Called without its page's describe just before (its cached answer outlived the page's), a procedure fetches what it reads in one request."""
    proxy, app = counted
    embedded = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 30.0})
    with app.test_request_context():
        executor.snapshot()  # the build's version, read once
        before = proxy.count
        there = executor.call(procedure, *arguments, "https://w3id.org/gaoxin-kg/")
        assert proxy.count - before == 1
    with embedded.test_request_context():
        here = executor.call(procedure, *arguments, "https://w3id.org/gaoxin-kg/")
    assert here is not None and there == here


def test_resource_rdf_is_the_same_graph(embedded: str, remote_backed: str) -> None:
    here, there = (set(get(base, "/page/province/gansu.nt").text.splitlines()) for base in (embedded, remote_backed))
    assert len(here) > 5 and there == here


def test_answers_name_the_remote_build(remote_backed: str, built_store: Path) -> None:
    digest = next(iter(run_query(open_read_only(built_store), "SELECT ?d WHERE { ?run <https://w3id.org/gaoxin-kg/ontology#inputDigest> ?d }")))[0].value
    assert get(remote_backed, "/queries/documents.json").headers["X-Gaoxin-Graph-Version"] == digest


def test_sparql_endpoint_formats_and_limits_on_the_other_engine(remote_backed: str) -> None:
    rows = requests.get(remote_backed + "/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"}, timeout=60)
    assert rows.status_code == 200 and rows.headers["Content-Type"].startswith("text/csv") and len(rows.text.splitlines()) > 1000
    turtle = requests.get(remote_backed + "/sparql", params={"query": "DESCRIBE <https://w3id.org/gaoxin-kg/id/province/gansu>", "format": "ttl"}, timeout=60)
    assert turtle.status_code == 200 and "甘肃省" in turtle.text
    bad = requests.get(remote_backed + "/sparql", params={"query": "SELECT * { ?s ?p }"}, timeout=60)
    assert bad.status_code == 400 and "line 1" in bad.text
    update = requests.post(remote_backed + "/sparql", data={"update": "DROP ALL"}, timeout=60)
    assert update.status_code in (400, 403)


def test_ontology_void_and_dumps_with_a_remote_endpoint(embedded: str, remote_backed: str) -> None:
    assert "gx:Incentive" in get(remote_backed, "/ontology").text or "Incentive" in get(remote_backed, "/ontology").text
    triples = [re.search(r"void:triples (\d+)", get(base, "/.well-known/void").text) for base in (embedded, remote_backed)]
    assert triples[0] and triples[1] and triples[0].group(1) == triples[1].group(1)
    dumps = requests.get(remote_backed + "/dumps/", timeout=60)
    assert dumps.status_code == 501 and "gaoxin-kg export" in dumps.text


# -- portability: the canned queries as written, on the other engine ---------------------------------------------------------


def values(binding: dict[str, dict[str, str]], names: list[str]) -> tuple[str | None, ...]:
    return tuple(binding[n]["value"] if n in binding else None for n in names)


@pytest.mark.parametrize("name", ON_SEEDS)
def test_each_canned_query_runs_as_written_on_the_other_engine(engine: str, wikidata: str, built_store: Path, name: str) -> None:
    sparql = federation.prepare(QUERIES[name], {"wikidata": wikidata})
    wrapper = SPARQLWrapper(engine)
    wrapper.setMethod(POST)
    wrapper.setReturnFormat(JSON)
    wrapper.setQuery(sparql)
    answer = wrapper.queryAndConvert()
    names = answer["head"]["vars"]  # type: ignore[index]
    there = Counter(values(b, names) for b in answer["results"]["bindings"])  # type: ignore[index]
    solutions = run_query(open_read_only(built_store), sparql)
    here = Counter(tuple(None if s[n] is None else s[n].value for n in names) for s in solutions)  # type: ignore[union-attr]
    assert here and there == here


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_each_canned_query_is_standard_sparql_1_1(name: str) -> None:
    prepareQuery(canned.body(QUERIES[name]))  # rdflib's SPARQL 1.1 parser: raises on anything else
    assert nonstandard_calls(QUERIES[name].sparql) == []


def nonstandard_calls(sparql: str) -> list[str]:
    """List the function calls of a query that are not SPARQL 1.1 built-ins or XSD casts (§17.5)."""
    blanked = sparql_text.blank(sparql)
    prefixes, _ = sparql_text.prefixes_and_base(blanked)
    found = []
    for match in CALL.finditer(blanked.code):
        name = match.group("name")
        if name.startswith("<"):
            iri = blanked.iris.get(match.start("name"), "")
        elif ":" in name:
            prefix, _, local = name.partition(":")
            iri = prefixes.get(prefix, prefix + ":") + local
        elif name.upper() in BUILT_INS | KEYWORDS:
            continue
        else:
            iri = name
        if not iri.startswith(XSD):
            found.append(iri)
    return found


@pytest.mark.parametrize(("sparql", "flagged"), [
    ('PREFIX ofn: <http://www.ontotext.com/sparql/functions/> SELECT * { BIND(ofn:weeksBetween(?a, ?b) AS ?w) }',
     ["http://www.ontotext.com/sparql/functions/weeksBetween"]),
    ("SELECT * { FILTER(<http://www.openlinksw.com/schemas/bif#contains>(?o, 'x')) }", ["http://www.openlinksw.com/schemas/bif#contains"]),
    ("SELECT * { FILTER(bif:contains(?o, 'x')) }", ["bif:contains"]),
    ("SELECT * { FILTER(ql:contains-word(?text, 'x')) }", ["ql:contains-word"]),
    ('PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT (xsd:integer(?x) AS ?n) (COUNT(DISTINCT ?y) AS ?c) { FILTER(langMatches(lang(?l), "zh")) }', []),
    ('SELECT ?filter { ?s ex:count ?filter FILTER(?x IN (1, 2)) } ORDER BY DESC(?filter) # custom:fn()', []),
])
def test_the_portability_check_flags_engine_functions(sparql: str, flagged: list[str]) -> None:
    assert nonstandard_calls(sparql) == flagged


@pytest.mark.parametrize("module", [remote, remote_folds, remote_pages, summary])
def test_remote_module_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]


def test_oxigraph_gets_standard_requests(counted: tuple[CountingProxy, Flask]) -> None:
    """oxigraph serve is not Virtuoso: its requests are sent as written (server.remote.portable is for Virtuoso's bugs)."""
    proxy, app = counted
    assert app.test_client().get("/queries/zones-and-industries").status_code == 200
    assert graph.reader_of(app).endpoint.dialect == "sparql11"
    assert any(b"separator%3D%22%E3%80%81%22" in query for query in proxy.queries), [q[:200] for q in proxy.queries]


def test_folded_rows_come_back_in_the_query_s_order() -> None:
    """A folded query's rows are put in its ORDER BY order (ties in the engine's order), filtered by its substitutions."""
    fold = remote_folds.Fold("SELECT ?o ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?o ?p ORDER BY DESC(?n) ?p", "")
    a, b, x, y = (remote.NamedNode(f"http://x/{name}") for name in "abxy")
    count = lambda n: remote.Literal(str(n), datatype=remote.NamedNode(XSD + "integer"))  # noqa: E731
    rows = [remote_folds.Row(o=x, p=b, n=count(2)), remote_folds.Row(o=y, p=a, n=count(9)), remote_folds.Row(o=x, p=a, n=count(2)),
            remote_folds.Row(o=x, p=y, n=count(10))]
    assert [(r["p"], r["n"].value) for r in remote_folds.answer(fold, rows, {"o": x})] == [(y, "10"), (a, "2"), (b, "2")]


def test_parameters_are_sent_as_rdf_terms() -> None:
    hostile = remote.with_values("SELECT ?x WHERE { ?s ?p ?x }", {"x": remote.Literal('"} } DROP ALL #')})
    assert sparql_text.operation(hostile) == "select"
    assert 'VALUES (?x) { ("\\"} } DROP ALL #") }' in hostile
    with pytest.raises(ValueError, match="blank"):
        remote.with_values("SELECT ?x WHERE { ?s ?p ?x }", {"x": remote.BlankNode()})
