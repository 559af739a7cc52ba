"""The /sparql endpoint with Flask's test client: formats, dataset, refusals, limits, CORS and the service description."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import NamedNode, QueryResultsFormat, RdfFormat, parse, parse_query_results

from server import create_app

ELI = "PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"
NUMBERS = ELI + "SELECT ?document ?number WHERE { ?document eli:id_local ?number } ORDER BY ?number"
CONSTRUCT = ELI + "CONSTRUCT WHERE { ?document eli:id_local ?number }"
SD = "http://www.w3.org/ns/sparql-service-description#"
YUNNAN_GRAPH = "https://w3id.org/gaoxin-kg/id/doc/yunzhengfa-2020-36/graph"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RESULTS = {"json": QueryResultsFormat.JSON, "xml": QueryResultsFormat.XML, "tsv": QueryResultsFormat.TSV}


def make_client(built_store: Path, **config: object) -> Iterator[FlaskClient]:
    app = create_app({"STORE": built_store, "TESTING": True, **config})
    yield app.test_client()
    app.extensions["gaoxin_executor"].close()


@pytest.fixture(scope="module")
def capped(built_store: Path) -> Iterator[FlaskClient]:
    """A client of an app that cuts results at 3 rows and bodies at 1000 bytes."""
    yield from make_client(built_store, ROW_CAP=3, MAX_CONTENT_LENGTH=1000)


@pytest.fixture()
def listener() -> Iterator[tuple[str, list[int]]]:
    """A local socket that counts the connections made to it; yields its URL and the count."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    connections: list[int] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection = server.accept()[0]
                connections.append(1)  # before the close: the caller's query cannot end (and be checked) before it sees the close
                connection.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/sparql", connections
    stop.set()
    thread.join()
    server.close()


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


# Formats --------------------------------------------------------------------------------

# fmt: off
FORMAT_CASES = [
    (NUMBERS, "json", "application/sparql-results+json"),
    (NUMBERS, "xml", "application/sparql-results+xml"),
    (NUMBERS, "csv", "text/csv"),
    (NUMBERS, "tsv", "text/tab-separated-values"),
    (CONSTRUCT, "ttl", "text/turtle"),
    (CONSTRUCT, "nt", "application/n-triples"),
    (CONSTRUCT, "rdf", "application/rdf+xml"),
    (CONSTRUCT, "jsonld", "application/ld+json"),
]
# fmt: on


@pytest.mark.parametrize(("query", "name", "media_type"), FORMAT_CASES)
def test_format_parameter_chooses_the_format(client: FlaskClient, query: str, name: str, media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": query, "format": name})
    assert response.status_code == 200 and response.mimetype == media_type
    assert "云政发〔2020〕36号" in text(response)
    if query is CONSTRUCT:
        assert len(list(parse(response.data, format=RdfFormat.from_media_type(media_type)))) == 4
    elif name in ("json", "xml", "tsv"):
        assert len(list(parse_query_results(response.data, format=RESULTS[name]))) == 4


@pytest.mark.parametrize(
    ("query", "accept", "media_type"),
    [
        (NUMBERS, None, "application/sparql-results+json"),
        (NUMBERS, "*/*", "application/sparql-results+json"),
        (NUMBERS, "application/json", "application/sparql-results+json"),
        (NUMBERS, "text/csv", "text/csv"),
        (NUMBERS, " application/sparql-results+xml ", "application/sparql-results+xml"),
        (NUMBERS, "Text/CSV", "text/csv"),
        (NUMBERS, "text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        (NUMBERS, "text/tab-separated-values, */*;q=0.1", "text/tab-separated-values"),
        (NUMBERS, "text/*", "text/csv"),
        (CONSTRUCT, None, "text/turtle"),
        (CONSTRUCT, "*/*", "text/turtle"),
        (CONSTRUCT, "application/rdf+xml;q=0.8, application/n-triples", "application/n-triples"),
        (CONSTRUCT, "application/ld+json", "application/ld+json"),
        (CONSTRUCT, "text/plain", "application/n-triples"),
        ("ASK {}", "application/sparql-results+xml", "application/sparql-results+xml"),
    ],
)
def test_accept_header_negotiates_with_q_values(client: FlaskClient, query: str, accept: str | None, media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, text(response)
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("query", "params", "accept"),
    [
        (NUMBERS, {}, "text/html"),
        (NUMBERS, {"format": "ttl"}, None),
        (CONSTRUCT, {}, "application/sparql-results+json"),
        (CONSTRUCT, {"format": "csv"}, None),
    ],
)
def test_nothing_acceptable_is_406(client: FlaskClient, query: str, params: dict, accept: str | None) -> None:
    response = client.get("/sparql", query_string={"query": query, **params}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 406
    assert "offered" in text(response) or "use one of" in text(response)


@pytest.mark.parametrize(
    ("query", "name", "media_type"),
    [
        (CONSTRUCT, "xml", "application/rdf+xml"),
        (CONSTRUCT, "json", "application/ld+json"),
        (CONSTRUCT, "turtle", "text/turtle"),
        (NUMBERS, "text/csv", "text/csv"),
    ],
)
def test_format_also_takes_the_names_clients_send(client: FlaskClient, query: str, name: str, media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": query, "format": name})
    assert response.status_code == 200 and response.mimetype == media_type


def test_unknown_or_repeated_format(client: FlaskClient) -> None:
    unknown = client.get("/sparql", query_string={"query": NUMBERS, "format": "yaml"})
    assert unknown.status_code == 406 and "use one of json, srj, xml, srx, csv, tsv" in text(unknown)
    assert client.get("/sparql", query_string={"query": NUMBERS, "format": ["json", "xml"]}).status_code == 400


# Requests and the dataset ----------------------------------------------------------------


def test_post_form_and_direct_post_give_the_same_result(client: FlaskClient) -> None:
    by_get = client.get("/sparql", query_string={"query": NUMBERS})
    by_form = client.post("/sparql", data={"query": NUMBERS})
    by_body = client.post("/sparql", data=NUMBERS.encode(), content_type="application/sparql-query")
    assert by_get.data == by_form.data == by_body.data


def test_default_graph_is_the_union_of_all_named_graphs(client: FlaskClient) -> None:
    rows = json.loads(client.get("/sparql", query_string={"query": NUMBERS}).data)["results"]["bindings"]
    assert len(rows) == 4


def test_default_graph_uri_restricts_the_dataset(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": NUMBERS, "default-graph-uri": YUNNAN_GRAPH})
    rows = json.loads(response.data)["results"]["bindings"]
    assert [row["number"]["value"] for row in rows] == ["云政发〔2020〕36号"]


def test_named_graph_uri_lists_the_named_graphs(client: FlaskClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query, "named-graph-uri": [YUNNAN_GRAPH, "http://example.org/none"]})
    assert [row["g"]["value"] for row in json.loads(response.data)["results"]["bindings"]] == [YUNNAN_GRAPH]


def test_the_query_from_clause_is_honoured_without_protocol_graphs(client: FlaskClient) -> None:
    query = NUMBERS.replace("WHERE", f"FROM <{YUNNAN_GRAPH}> WHERE")
    rows = json.loads(client.get("/sparql", query_string={"query": query}).data)["results"]["bindings"]
    assert len(rows) == 1


def test_trailing_slash_is_the_same_endpoint(client: FlaskClient) -> None:
    assert client.get("/sparql/", query_string={"query": "ASK {}"}).status_code == 200


# Refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_kwargs", "fragment"),
    [
        ({"query_string": "query=ASK%7B%7D&query=ASK%7B%7D"}, "given 2 times"),
        ({"method": "POST", "query_string": {"query": "ASK {}"}, "data": b"ASK {}", "content_type": "application/sparql-query"}, "give the query once"),
        ({"method": "POST", "data": {"default-graph-uri": YUNNAN_GRAPH}}, "no query"),
        ({"method": "POST", "data": b"ASK {}"}, "a POST needs Content-Type"),
        ({"method": "POST", "data": b"ASK {}", "content_type": "application/json"}, "unsupported Content-Type application/json"),
        ({"method": "POST", "data": b"query=ASK%20%7B%7D%20%23%FF", "content_type": "application/x-www-form-urlencoded"}, "not UTF-8"),
        ({"method": "POST", "data": b"ASK {} # \xff", "content_type": "application/sparql-query"}, "not valid UTF-8"),
        ({"query_string": "query=ASK%7B%7D%23%FF"}, "not UTF-8"),
        ({"query_string": {"query": "  "}}, "the query is empty"),
        ({"query_string": {"query": "SELECT * WHERE { ?s ?p }"}}, "syntax error at line 1, column 25: expected"),
    ],
)
def test_bad_requests_are_400_with_a_reason(client: FlaskClient, request_kwargs: dict, fragment: str) -> None:
    response = client.open("/sparql", **request_kwargs)
    assert response.status_code == 400, text(response)
    assert fragment in text(response)
    assert response.mimetype == "text/plain"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "POST", "data": {"update": "DROP ALL"}},
        {"method": "POST", "data": b"DROP ALL", "content_type": "application/sparql-update"},
        {"query_string": {"update": "CLEAR ALL"}},
        {"query_string": {"query": "INSERT DATA { <http://a/s> <http://a/p> 1 }"}},
        {"method": "POST", "data": {"query": "PREFIX a: <http://a/>\nDELETE WHERE { ?s ?p ?o }"}},
        {"method": "POST", "data": b"ASK {} ;\nLOAD <http://127.0.0.1:9/x>", "content_type": "application/sparql-query"},
        {"method": "POST", "data": b"with <http://a/g> delete { ?s ?p ?o } where { ?s ?p ?o }", "content_type": "application/sparql-query"},
    ],
)
def test_updates_are_403_by_every_route(client: FlaskClient, request_kwargs: dict) -> None:
    response = client.open("/sparql", **request_kwargs)
    assert response.status_code == 403
    assert "read-only" in text(response)


# fmt: off
SERVICE_SPELLINGS = [
    "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "select * where { service silent <{url}> { ?s ?p ?o } }",
    "PREFIX ex: <{url}#>\nSELECT * WHERE { SERVICE ex:e { ?s ?p ?o } }",
    "PREFIX ex: <{url}#>\nSELECT * WHERE { SERVICEex:e { ?s ?p ?o } }",  # no space: the parser still reads SERVICE
    "PREFIX : <{url}#>\nSELECT * WHERE { service:e { ?s ?p ?o } }",  # "service" + the name ":e"
    "SELECT * WHERE { ?s ?p ?o .SERVICE <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p 1SERVICE <{url}> { ?x ?y ?z } }",
    "SELECT * WHERE { # a comment\n SERVICE#another\n<{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { OPTIONAL { SERVICE <{url}> {} } }",
]
# fmt: on


@pytest.mark.parametrize("spelling", SERVICE_SPELLINGS)
def test_service_is_refused_before_running_and_connects_nowhere(client: FlaskClient, listener: tuple[str, list[int]], spelling: str) -> None:
    url, connections = listener
    response = client.get("/sparql", query_string={"query": spelling.replace("{url}", url)})
    assert response.status_code == 400, text(response)
    assert "SERVICE clause at line" in text(response) and "refused" in text(response)
    assert connections == []


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
        "PREFIX ex: <http://example.org/>\nSELECT * WHERE { ?s ex:service ?o } LIMIT 1",
        'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/> {}" }',
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o } # SERVICE <http://127.0.0.1:9/>",
    ],
)
def test_the_word_service_elsewhere_is_not_a_clause(client: FlaskClient, query: str) -> None:
    assert client.get("/sparql", query_string={"query": query}).status_code == 200


def test_the_allow_list_lets_federation_reach_its_endpoints_only(built_store: Path, listener: tuple[str, list[int]]) -> None:
    url, connections = listener
    for client in make_client(built_store, SERVICE_ALLOW=(url.rsplit("/", 1)[0] + "/",)):
        refused = client.get("/sparql", query_string={"query": "SELECT * WHERE { SERVICE <http://127.0.0.2:9/> { ?s ?p ?o } }"})
        assert refused.status_code == 400 and "only endpoints under http://127.0.0.1:" in text(refused)
        assert client.get("/sparql", query_string={"query": "SELECT * WHERE { SERVICE ?e { ?s ?p ?o } }"}).status_code == 400
        allowed = client.get("/sparql", query_string={"query": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}"})
        assert allowed.status_code == 200, text(allowed)
    assert len(connections) >= 1  # the allowed endpoint was really called


# Limits -----------------------------------------------------------------------------------


def test_row_cap_flags_json_xml_csv_and_turtle(capped: FlaskClient) -> None:
    as_json = capped.get("/sparql", query_string={"query": NUMBERS})
    assert as_json.headers["X-Gaoxin-Truncated"] == "true"
    document = json.loads(as_json.data)
    assert document["truncated"] is True and len(document["results"]["bindings"]) == 3
    as_xml = capped.get("/sparql", query_string={"query": NUMBERS, "format": "xml"})
    assert "<!-- truncated: only the first 3 rows" in text(as_xml)
    assert len(list(parse_query_results(as_xml.data, format=RESULTS["xml"]))) == 3
    as_csv = capped.get("/sparql", query_string={"query": NUMBERS, "format": "csv"})
    assert as_csv.headers["X-Gaoxin-Truncated"] == "true" and len(text(as_csv).splitlines()) == 4
    as_turtle = capped.get("/sparql", query_string={"query": CONSTRUCT})
    assert as_turtle.headers["X-Gaoxin-Truncated"] == "true" and text(as_turtle).startswith("# truncated: only the first 3 triples")
    assert len(list(parse(as_turtle.data, format=RdfFormat.TURTLE))) == 3


def test_results_under_the_cap_are_not_flagged(capped: FlaskClient) -> None:
    response = capped.get("/sparql", query_string={"query": "SELECT * WHERE { VALUES ?x { 1 2 3 } }"})
    assert "X-Gaoxin-Truncated" not in response.headers and "truncated" not in json.loads(response.data)


def test_request_bodies_beyond_the_limit_are_413(capped: FlaskClient) -> None:
    query = "ASK {}" + " " * 2000
    response = capped.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert response.status_code == 413 and "larger than 1000 bytes" in text(response)
    assert capped.post("/sparql", data={"query": query}).status_code == 413


# CORS, service description, editor --------------------------------------------------------


def test_cors_headers_and_preflight(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/sparql", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"] and "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


def sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


@pytest.mark.parametrize(("accept", "media_type"), [(None, "text/turtle"), ("*/*", "text/turtle"), ("application/rdf+xml", "application/rdf+xml")])
def test_get_without_query_is_the_service_description(client: FlaskClient, store, accept: str | None, media_type: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.mimetype == media_type
    triples = list(parse(response.data, format=RdfFormat.from_media_type(media_type)))
    objects = {(t.predicate, t.object) for t in triples}
    assert (sd("endpoint"), NamedNode("http://localhost/sparql")) in objects
    assert (sd("supportedLanguage"), sd("SPARQL11Query")) in objects
    assert (sd("feature"), sd("UnionDefaultGraph")) in objects
    assert len([t for t in triples if t.predicate == sd("resultFormat")]) == 8
    assert {t.object for t in triples if t.predicate == sd("name")} == set(store.named_graphs())


def test_service_description_in_json_ld_by_format(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"format": "jsonld"})
    assert response.mimetype == "application/ld+json" and SD + "Service" in text(response)


def test_a_browser_gets_the_editor_page(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = text(response)
    config = json.loads(page.split('<script type="application/json" id="sparql-config">')[1].split("</script>")[0])
    assert config["endpoint"] == "/sparql" and config["prefixes"]["eli"] == "http://data.europa.eu/eli/ontology#"
    assert config["defaultQuery"].startswith("PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#>")
    assert {example["name"] for example in config["examples"]} >= {"政策文件一览"}
    assert 'rel="alternate"' in response.headers["Link"]


def test_the_editor_loads_nothing_from_elsewhere(client: FlaskClient) -> None:
    page = text(client.get("/sparql", headers={"Accept": BROWSER}))
    sources = [part.split('"')[1] for part in page.split("src=")[1:]] + [part.split('"')[1] for part in page.split("href=")[1:] if "stylesheet" in part]
    assert "<script>" not in page  # configuration is data, code is in static files (for a strict CSP)
    for path in ("/static/yasgui/yasgui.min.js", "/static/yasgui/yasgui.min.css", "/static/sparql.js", "/static/sparql.css"):
        assert path in page
        assert client.get(path).status_code == 200
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]


def test_the_vendored_editor_ships_its_license(app: Flask) -> None:
    folder = Path(app.static_folder or "") / "yasgui"
    assert "MIT License" in (folder / "LICENSE").read_text() and (folder / "THIRD_PARTY_LICENSES.txt").stat().st_size > 10_000
