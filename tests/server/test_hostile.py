"""Hostile input against the server (issue 6): what each item of the issue is tested by, and the tests that were missing.

Each item of the issue, then the tests that cover it (test_every_test_the_table_names_exists keeps the names true):

updates by every method get 403
    test_sparql::test_updates_are_403_by_every_route
    test_sparql_protocol::test_update_post_direct
    test_sparql_clients::test_sparqlwrapper_update_is_403
    test_hostile::test_load_is_403_by_every_method_and_connects_nowhere
SERVICE refused, no outbound connection
    test_sparql::test_service_is_refused_before_running_and_connects_nowhere
    test_sparql_live::test_service_over_http_is_400_and_connects_nowhere
    test_hostile::test_service_to_this_machine_is_refused_in_every_spelling
    test_hostile::test_internal_endpoints_are_refused_unless_named
SERVICE allow-list compares parsed URLs
    test_hostile::test_allow_list_entries_match_scheme_host_port_and_path
    test_sparql::test_the_allow_list_lets_federation_reach_its_endpoints_only
a query that runs forever
    test_sparql_live::test_a_runaway_query_gets_503_at_the_limit_its_process_dies_and_others_are_served
    test_executor::test_a_runaway_query_is_killed_at_the_limit_while_others_are_answered
enormous queries and bodies (413)
    test_sparql::test_request_bodies_beyond_the_limit_are_413
    test_sparql_live::test_bodies_beyond_the_limit_are_413_over_http
    test_hostile::test_queries_beyond_the_length_limit_are_413
deeply nested queries (400, no crash)
    test_hostile::test_deep_nesting_is_400_before_the_parser
    test_hostile::test_deep_nesting_over_http_leaves_the_server_answering
huge parameters and URLs
    test_hostile::test_huge_canned_parameters_are_400_naming_them
    test_hostile::test_very_long_urls_are_refused_without_a_server_error
huge results: row cap, truncated flag
    test_sparql::test_row_cap_flags_json_xml_csv_and_turtle
    test_queries::test_truncated_results_show_a_visible_notice
path traversal on /id/, /page/, /dumps/, /static/
    test_resources::test_path_traversal_never_reaches_a_file
    test_resources_http::test_path_traversal_over_http_never_reaches_a_file
    test_hostile::test_traversal_never_serves_a_file_outside_static
    test_hostile::test_traversal_over_http_never_serves_a_file_outside_static
markup in literals is escaped
    test_resources::test_markup_in_data_is_escaped
    test_queries::test_html_escapes_data_and_headers
    test_hostile::test_markup_in_the_graph_is_escaped_on_every_page
    test_hostile::test_markup_in_the_graph_runs_nothing_in_chromium
malformed Accept, unknown formats (406)
    test_sparql::test_nothing_acceptable_is_406
    test_sparql::test_unknown_or_repeated_format
    test_hostile::test_malformed_accept_is_406_everywhere
    test_hostile::test_unknown_formats_are_406_naming_the_parameter
canned parameters of the wrong type (400 naming it)
    test_queries::test_bad_parameter_is_400_naming_it
    test_hostile::test_canned_parameters_of_the_wrong_type_are_400_naming_them
security headers, CSP that lets the editor work
    test_security_headers (all)
    test_sparql_editor::test_the_editor_runs_a_query_and_shows_the_results_table
fuzzing from the OpenAPI description finds no 5xx
    test_fuzz::test_fuzzing_from_the_description_finds_no_server_error

Addresses outside loopback (10.0.0.0/8, 169.254.0.0/16, ...) are only checked by the SERVICE
filter itself, never sent through the endpoint: a failing filter must not make this test
suite try to reach another machine. Loopback endpoints point at a listener of the test, which
counts every connection it gets.
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import Literal, NamedNode, Quad
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import server
from server import create_app, sparql_text
from tests.server.conftest import serving, store_link_of
from tests.server.test_sparql import listener  # noqa: F401  # the fixture, shared

HERE = Path(__file__).parent
ID = "https://w3id.org/gaoxin-kg/id/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_every_test_the_table_names_exists() -> None:
    named = set(re.findall(r"(test_\w+)::(test_\w+)", __doc__ or ""))
    assert len(named) >= 30
    missing = [f"{module}::{name}" for module, name in sorted(named) if not hasattr(importlib.import_module(f"tests.server.{module}"), name)]
    assert missing == []


# SERVICE and LOAD -------------------------------------------------------------------------------


@pytest.fixture()
def clients(built_store: Path) -> Iterator:  # type: ignore[type-arg]
    """Make test clients of apps on the seed graph with extra configuration; close their query processes afterwards."""
    made: list[Flask] = []

    def make(**config: object) -> FlaskClient:
        made.append(create_app({"STORE": built_store, "TESTING": True, **config}))
        return made[-1].test_client()

    yield make
    for app in made:
        app.extensions["gaoxin_executor"].close()


# fmt: off
LOOPBACK_SPELLINGS = [  # every one of them reaches the listener on 127.0.0.1 if it is ever called
    "http://127.0.0.1:{port}/sparql",
    "http://127.1:{port}/sparql",
    "http://2130706433:{port}/sparql",
    "http://0x7f.1:{port}/sparql",
    "http://0x7f000001:{port}/sparql",
    "http://0177.0.0.1:{port}/sparql",
    "http://localhost:{port}/sparql",
    "http://LocalHost.:{port}/sparql",
    "http://[::ffff:127.0.0.1]:{port}/sparql",
    "http://allowed.example@127.0.0.1:{port}/sparql",
    "http://allowed.example:80@127.0.0.1:{port}/sparql",
    "http://%31%32%37.0.0.1:{port}/sparql",
    "http://１２７.０.０.１:{port}/sparql",
]
HIDDEN_SERVICE = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <{url}> {{ }} }}",
    "PREFIX l: <{url}#>\nSELECT * WHERE {{ SERVICE l:x {{ }} }}",
    "BASE <{url}>\nSELECT * WHERE {{ SERVICE <x> {{ }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ }} }}",
    "SELECT * WHERE {{ SERVICE <{escaped}> {{ }} }}",
]
ALLOW_LISTS = [(), ("*",), ("http://allowed.example/",)]
# fmt: on


@pytest.mark.parametrize("allow", ALLOW_LISTS, ids=["empty", "star", "one-public-host"])
def test_service_to_this_machine_is_refused_in_every_spelling(clients, listener: tuple[str, list[int]], allow: tuple[str, ...]) -> None:  # noqa: F811
    url, connections = listener
    port = urlsplit(url).port
    client = clients(SERVICE_ALLOW=allow)
    for spelling in LOOPBACK_SPELLINGS:
        target = spelling.format(port=port)
        escaped = "".join(f"\\u{ord(c):04X}" if c in "ht" else c for c in target)
        for form in HIDDEN_SERVICE:
            response = client.post("/sparql", data={"query": form.format(url=target, escaped=escaped)})
            assert response.status_code == 400 and "SERVICE clause" in text(response), (target, form, text(response))
    assert connections == []


def test_an_explicit_loopback_entry_allows_that_port_only(clients, listener: tuple[str, list[int]]) -> None:  # noqa: F811
    url, connections = listener
    port = urlsplit(url).port
    client = clients(SERVICE_ALLOW=(f"http://127.0.0.1:{port}/",))
    for other in (f"http://127.0.0.1:{port + 1}/sparql", f"http://localhost:{port}/sparql", f"https://127.0.0.1:{port}/sparql"):
        assert client.post("/sparql", data={"query": f"ASK {{ SERVICE <{other}> {{ }} }}"}).status_code == 400
    assert connections == []
    allowed = client.post("/sparql", data={"query": f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql/x> {{ ?s ?p ?o }} }}"})
    assert allowed.status_code == 200 and len(connections) >= 1  # the listed endpoint is really called


# fmt: off
INTERNAL_ENDPOINTS = [
    "http://10.0.0.1/", "http://10.255.255.255:8890/sparql", "http://172.16.0.1/", "http://172.31.255.255/", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0:8000/", "http://0/", "http://[::]/", "http://[::1]:8000/",
    "http://[fe80::1]/", "http://[fc00::1]/", "http://[::ffff:10.0.0.1]/", "http://100.64.0.1/", "http://012.0.0.1/",
    "http://0xa000001/", "http://167772161/", "http://intranet/sparql", "http://printer.local/", "http://metadata.google.internal/",
    "http://a.localhost/", "http://[fe80::1%25eth0]/",
]
# fmt: on


@pytest.mark.parametrize("endpoint", INTERNAL_ENDPOINTS)
def test_internal_endpoints_are_refused_unless_named(endpoint: str) -> None:
    query = f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ }} }}"
    assert sparql_text.refused_service(query, ("*",)) is not None
    assert sparql_text.refused_service(query, ("*", "http://allowed.example/")) is not None
    if "%25" not in endpoint:  # a zone index is no address any entry can name
        assert sparql_text.refused_service(query, (endpoint,)) is None


@pytest.mark.parametrize("endpoint", ["https://query.wikidata.org/sparql", "http://8.8.8.8/sparql", "http://[2001:4860:4860::8888]/"])
def test_star_allows_public_endpoints(endpoint: str) -> None:
    assert sparql_text.refused_service(f"ASK {{ SERVICE <{endpoint}> {{ }} }}", ("*",)) is None


# fmt: off
@pytest.mark.parametrize(("endpoint", "allowed"), [
    ("http://allowed.example/sparql", True),
    ("HTTP://ALLOWED.EXAMPLE/sparql", True),
    ("http://allowed.example:80/sparql", True),
    ("http://allowed.example./sparql/x", True),
    ("http://allowed.example/SPARQL", False),
    ("http://allowed.example/sparqlx", False),
    ("http://allowed.example/sparql/../admin", False),
    ("http://allowed.example/sparql/%2e%2e/admin", False),
    ("http://allowed.example.evil/sparql", False),
    ("http://evil.allowed.example/sparql", False),
    ("http://allowed.example@127.0.0.1/sparql", False),
    ("http://allowed.example%40127.0.0.1/sparql", False),
    ("http://allowed%2eexample/sparql", False),
    ("http://allowed.example:8080/sparql", False),
    ("https://allowed.example/sparql", False),
    ("ftp://allowed.example/sparql", False),
    ("//allowed.example/sparql", False),
])
# fmt: on
def test_allow_list_entries_match_scheme_host_port_and_path(endpoint: str, allowed: bool) -> None:
    refused = sparql_text.refused_service(f"ASK {{ SERVICE <{endpoint}> {{ }} }}", ("http://allowed.example/sparql",))
    assert (refused is None) == allowed


def test_a_malformed_allow_entry_stops_the_app_at_start(built_store: Path) -> None:
    with pytest.raises(ValueError, match="SERVICE_ALLOW entry 'allowed.example'"):
        create_app({"STORE": built_store, "TESTING": True, "SERVICE_ALLOW": ("allowed.example",)})


# fmt: off
LOAD_REQUESTS = [
    {"query_string": {"query": "LOAD <{url}>"}},
    {"query_string": {"update": "LOAD <{url}>"}},
    {"query_string": {"query": "load<{url}>"}},
    {"method": "POST", "data": {"update": "LOAD <{url}>"}},
    {"method": "POST", "data": {"query": "PREFIX a: <http://a.example/>\nLOAD SILENT <{url}> INTO GRAPH a:g"}},
    {"method": "POST", "data": "LOAD <{url}>", "content_type": "application/sparql-update"},
    {"method": "POST", "data": "LOAD <{url}>", "content_type": "application/sparql-query"},
    {"method": "POST", "data": "ASK {{}} ;\nLOAD <{url}>", "content_type": "application/sparql-query"},
    {"method": "POST", "data": "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "content_type": "application/sparql-query"},
]
# fmt: on


def filled(request_kwargs: dict, url: str) -> dict:
    """Put the listener's URL into a request's query string, form or body."""
    def fill(value):  # type: ignore[no-untyped-def]
        return {k: v.format(url=url) for k, v in value.items()} if isinstance(value, dict) else value.format(url=url)

    return {key: fill(value) if key in ("query_string", "data") else value for key, value in request_kwargs.items()}


@pytest.mark.parametrize("request_kwargs", LOAD_REQUESTS)
def test_load_is_403_by_every_method_and_connects_nowhere(client: FlaskClient, listener: tuple[str, list[int]], request_kwargs: dict) -> None:  # noqa: F811
    url, connections = listener
    response = client.open("/sparql", **filled(request_kwargs, url))
    assert response.status_code == 403 and "read-only" in text(response)
    assert connections == []


def test_load_over_http_is_403_and_connects_nowhere(live_server: str, listener: tuple[str, list[int]]) -> None:  # noqa: F811
    url, connections = listener
    answers = [
        requests.get(live_server + "/sparql", params={"query": f"LOAD <{url}>"}, timeout=30),
        requests.post(live_server + "/sparql", data={"update": f"LOAD <{url}>"}, timeout=30),
        requests.post(live_server + "/sparql", data=f"LOAD <{url}>", headers={"Content-Type": "application/sparql-update"}, timeout=30),
    ]
    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert connections == []


# Enormous and nested input ------------------------------------------------------------------------

DEPTH = 10_000
# fmt: off
NESTED = [
    "SELECT * WHERE " + "{" * DEPTH + "}" * DEPTH,
    "SELECT * WHERE { FILTER(" + "(" * DEPTH + "1" + ")" * DEPTH + ") }",
    "SELECT * WHERE { ?s ?p " + "[ ?p " * DEPTH + "1" + " ]" * DEPTH + " }",
    "ASK {" + " OPTIONAL {" * (DEPTH // 2) + "}" * (DEPTH // 2 + 1),  # 55,000 characters: under the length limit
    "SELECT * WHERE { FILTER(" + "(" * DEPTH,  # never closed
]
# fmt: on


@pytest.mark.parametrize("query", NESTED, ids=["groups", "parentheses", "blank-nodes", "optionals", "unclosed"])
def test_deep_nesting_is_400_before_the_parser(client: FlaskClient, query: str) -> None:
    response = client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert response.status_code == 400 and "deeper than 100 levels" in text(response)


def test_nesting_up_to_the_limit_runs(client: FlaskClient) -> None:
    for query in ("SELECT * WHERE " + "{" * 100 + "}" * 100, "ASK { FILTER(" + "(" * 98 + "true" + ")" * 98 + ") }"):
        assert client.post("/sparql", data={"query": query}).status_code == 200


def test_deep_nesting_over_http_leaves_the_server_answering(live_server: str) -> None:
    from tests.server.test_sparql_live import LOOKUP, query_processes

    requests.get(live_server + "/sparql", params={"query": LOOKUP}, timeout=30)
    before = query_processes(live_server)
    for query in NESTED:
        response = requests.post(live_server + "/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"}, timeout=30)
        assert response.status_code == 400
    assert requests.get(live_server + "/sparql", params={"query": LOOKUP}, timeout=30).status_code == 200
    assert query_processes(live_server) == before  # no query process crashed and was replaced


def test_queries_beyond_the_length_limit_are_413(client: FlaskClient) -> None:
    long_get = client.get("/sparql", query_string={"query": "ASK {}" + " " * 1_100_000})
    assert long_get.status_code == 413 and "at most 100000" in text(long_get)
    long_post = client.post("/sparql", data=("ASK {}" + "#" * 200_000).encode(), content_type="application/sparql-query")
    assert long_post.status_code == 413
    assert client.post("/sparql", data={"query": "ASK {}" + " " * 1_100_000}).status_code == 413  # the body limit
    never_ends = client.post("/sparql", data={"query": 'ASK { FILTER("""' + '""a' * 33_000 + ") }"})
    assert never_ends.status_code == 400 and "syntax error" in text(never_ends)


def test_huge_canned_parameters_are_400_naming_them(client: FlaskClient, live_server: str) -> None:
    value = "https://w3id.org/gaoxin-kg/id/industry/" + "a" * 5000
    for url in ("/queries/provinces-for-industry", "/queries/provinces-for-industry.json"):
        response = client.get(url, query_string={"industry": value})
        message = text(response).replace("&#39;", "'")
        assert response.status_code == 400 and "'industry'" in message and "at most 2000" in message
    over_http = requests.get(live_server + "/queries/provinces-for-industry", params={"industry": value[:3000]}, timeout=30)
    assert over_http.status_code == 400 and "industry" in over_http.text


def test_very_long_urls_are_refused_without_a_server_error(live_server: str) -> None:
    from tests.server.test_sparql_live import LOOKUP

    answers = [
        requests.get(live_server + "/sparql", params={"query": "ASK {}" + " " * 100_000}, timeout=30),
        requests.get(live_server + "/id/" + "a" * 20_000, timeout=30),
    ]
    assert all(400 <= answer.status_code < 500 for answer in answers), [answer.status_code for answer in answers]
    # A 30 KB header: gunicorn refuses it (400); granian reads it, and the well-formed, repetitive Accept gets the page.
    huge_header = requests.get(live_server + "/queries/documents", headers={"Accept": "text/html," * 3000}, timeout=30)
    assert huge_header.status_code in (200, 400, 431), huge_header.status_code
    assert requests.get(live_server + "/sparql", params={"query": LOOKUP}, timeout=30).status_code == 200


# Path traversal ------------------------------------------------------------------------------------


@pytest.fixture()
def sentinel() -> Iterator[tuple[str, str]]:
    """A file beside server/static/ (one ../ away from it) with unique content; yields its name and content."""
    name, content = f"sentinel-{uuid.uuid4().hex}.txt", f"secret-{uuid.uuid4().hex}"
    path = Path(server.__file__).parent / name
    path.write_text(content, encoding="utf-8")
    yield name, content
    path.unlink()


# fmt: off
TRAVERSALS = [
    "/static/../{name}", "/static/..%2f{name}", "/static/%2e%2e/{name}", "/static/%2e%2e%2f{name}", "/static/.%2e/{name}",
    "/static/..%5c{name}", "/static/..\\{name}", "/static/%252e%252e%252f{name}", "/static/yasgui/../../{name}",
    "/static/yasgui/..%2f..%2f{name}", "/static//{absolute}", "/static/%2f{absolute}", "/static/....//{name}",
    "/id/..%5c..%5c{name}", "/page/%252e%252e/%252e%252e/{name}", "/dumps/%252e%252e%252f{name}", "/queries/..%2f..%2f{name}",
    "/ontology/..%2f..%2f{name}",
]
# fmt: on


def traversal_paths(name: str) -> list[str]:
    absolute = quote(str(Path(server.__file__).parent / name).lstrip("/"))
    return [path.format(name=name, absolute=absolute) for path in TRAVERSALS]


def test_traversal_never_serves_a_file_outside_static(client: FlaskClient, sentinel: tuple[str, str]) -> None:
    name, content = sentinel
    assert client.get("/static/site.css").status_code == 200
    for path in traversal_paths(name):
        response = client.get(path, follow_redirects=True)
        assert response.status_code in (400, 404), (path, response.status_code)
        assert content not in text(response), path


def test_traversal_over_http_never_serves_a_file_outside_static(live_server: str, sentinel: tuple[str, str]) -> None:
    from tests.server.test_resources_http import raw_get

    name, content = sentinel
    for path in traversal_paths(name):
        status, body = raw_get(live_server, path)
        assert status in (308, 400, 404), (path, status)  # 308: "//" merged into "/", a path under static/
        assert content.encode() not in body, path


# Markup in the graph -------------------------------------------------------------------------------

# fmt: off
PAYLOADS = ["<script>alert(1)</script>", '"]]>', '"""', "<img src=x onerror=alert(2)>", "</textarea><svg onload=alert(3)>", "';alert(4)//"]
# fmt: on
TITLE = "恶意标题 " + " ".join(PAYLOADS)
EDITOR_QUERY = """PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#>
SELECT ?title ?text WHERE { ?d eli:title ?title . ?f gx:sourceText ?text }"""
INJECTED = "img[src='x'], svg[onload], script:not([src]):not([type='application/json'])"


def evil_quads() -> list[Quad]:
    """A document whose title, number, label and source text carry markup, as a scraped page may."""
    gx, eli = "https://w3id.org/gaoxin-kg/ontology#", "http://data.europa.eu/eli/ontology#"
    rdf_type, label = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    doc, expression, file = (NamedNode(ID + p) for p in ("doc/evil", "doc/evil/zh-hans", "doc/evil/zh-hans/file"))
    triples = [
        (doc, rdf_type, NamedNode(eli + "LegalResource")),
        (doc, NamedNode(eli + "is_realized_by"), expression),
        (doc, NamedNode(gx + "status"), NamedNode(gx + "Final")),
        (doc, NamedNode(eli + "title"), Literal(TITLE, language="zh-Hans")),
        (doc, NamedNode(eli + "id_local"), Literal(PAYLOADS[3])),
        (doc, label, Literal(TITLE, language="zh-Hans")),
        (expression, NamedNode(eli + "is_embodied_by"), file),
        (file, NamedNode(gx + "sourceText"), Literal("正文" + "".join(PAYLOADS))),
    ]
    return [Quad(s, p, o, NamedNode(ID + "doc/evil/graph")) for s, p, o in triples]


@pytest.fixture(scope="module")
def evil_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store link to a tiny graph holding one document full of markup."""
    return store_link_of(tmp_path_factory.mktemp("evil"), evil_quads())


EVIL_PAGES = ["/page/doc/evil", "/queries/documents", "/", "/queries/directive-answers?directive=" + quote(PAYLOADS[0] + PAYLOADS[4])]


def test_markup_in_the_graph_is_escaped_on_every_page(evil_store: Path) -> None:
    client = create_app({"STORE": evil_store, "TESTING": True}).test_client()
    for path in EVIL_PAGES:
        page = text(client.get(path, headers={"Accept": BROWSER}))
        for raw in ("<script>alert", "<img src=x", "<svg onload"):
            assert raw not in page, (path, raw)
    for path in EVIL_PAGES[:2]:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(client.get(path))


def test_markup_in_the_graph_runs_nothing_in_chromium(browser, evil_store: Path) -> None:  # type: ignore[no-untyped-def]
    trap = "window.__alerts = []; window.alert = window.confirm = window.prompt = function (m) { window.__alerts.push(String(m)); };"
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": trap})
    try:
        with serving(evil_store, "--workers", "1", "--threads", "4", "--timeout", "5") as base:
            for path in EVIL_PAGES:
                browser.get(base + path)
                assert browser.execute_script("return window.__alerts") == [], path
                assert browser.execute_script(f"return document.querySelectorAll({INJECTED!r}).length") == 0, path
            browser.get(base + "/page/doc/evil")
            assert PAYLOADS[0] in browser.find_element(By.TAG_NAME, "main").text  # shown as text, not run
            browser.get(base + "/sparql")
            WebDriverWait(browser, 30).until(lambda d: d.execute_script("return !!(window.gaoxinYasgui && window.gaoxinYasgui.getTab())"))
            browser.execute_script("window.gaoxinYasgui.getTab().setQuery(arguments[0])", EDITOR_QUERY)
            browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
            WebDriverWait(browser, 30).until(lambda d: "恶意标题" in d.find_element(By.CSS_SELECTOR, ".yasr").text)
            assert browser.execute_script("return window.__alerts") == []
            assert browser.execute_script(f"return document.querySelectorAll({INJECTED!r}).length") == 0
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


# Accept, formats and parameter types ----------------------------------------------------------------

NEGOTIATING = ["/sparql?query=ASK%7B%7D", "/sparql", "/queries/documents", "/queries", "/id/doc/yunzhengfa-2020-36", "/ontology", "/.well-known/void"]
SINGLE_FORMAT = ["/", "/dumps/", "/page/doc/yunzhengfa-2020-36"]


@pytest.mark.parametrize("accept", [";;;", "text/html;q=abc", "text/html;q=2", "a/b/c", "text", "text/html;;q=0.5,", "*/*;q=0.5x"])
def test_malformed_accept_is_406_everywhere(client: FlaskClient, accept: str) -> None:
    for path in NEGOTIATING + SINGLE_FORMAT:
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 406 and "Accept header is malformed" in text(response), path


def test_a_well_formed_accept_naming_nothing_offered_is_406_where_there_is_a_choice(client: FlaskClient) -> None:
    for path in NEGOTIATING:
        assert client.get(path, headers={"Accept": "application/x-unknown"}).status_code == 406, path
    for path in SINGLE_FORMAT:
        assert client.get(path, headers={"Accept": "application/x-unknown"}).status_code == 200, path


# fmt: off
@pytest.mark.parametrize(("path", "parameter"), [
    ("/sparql?query=ASK%7B%7D&format=docx", "format"), ("/sparql?format=docx", "format"),
    ("/page/doc/yunzhengfa-2020-36?format=docx", "format"), ("/id/doc/yunzhengfa-2020-36?format=docx", "format"),
    ("/ontology?format=docx", "format"), ("/.well-known/void?format=docx", "format"),
    ("/queries/documents?_format=docx", "_format"), ("/queries?_format=docx", "_format"),
])
# fmt: on
def test_unknown_formats_are_406_naming_the_parameter(client: FlaskClient, path: str, parameter: str) -> None:
    response = client.get(path)
    assert response.status_code == 406 and f"{parameter}=" in text(response).replace("&#39;", "'").replace(f"'{parameter}': ", f"{parameter}=")
    assert "docx" in text(response)


TYPED = """#+ title: {zh: 参数类型, en: Typed parameters}
#+ description: One parameter of each type.
#+ theme: documents
#+ parameters:
#+   year: {type: integer, label: 年份 Year}
#+   amount: {type: decimal, label: 金额 Amount}
#+   place: {type: iri, label: 地点 Place}
SELECT ?year ?amount ?place WHERE { }
"""


# fmt: off
@pytest.mark.parametrize(("params", "named"), [
    ({"year": "abc"}, "year"), ({"year": "1.5"}, "year"), ({"year": "二〇二〇"}, "year"),
    ({"amount": "abc"}, "amount"), ({"amount": "NaN"}, "amount"), ({"amount": "Infinity"}, "amount"), ({"amount": "1,000"}, "amount"),
    ({"place": "not an iri"}, "place"), ({"place": "javascript:alert(1)"}, "place"), ({"place": "http://a.example/<x>"}, "place"),
    ({"place": "relative/path"}, "place"),
])
# fmt: on
def test_canned_parameters_of_the_wrong_type_are_400_naming_them(built_store: Path, tmp_path: Path, params: dict, named: str) -> None:
    (tmp_path / "typed.rq").write_text(TYPED, encoding="utf-8")
    client = create_app({"STORE": built_store, "QUERY_DIR": tmp_path, "TESTING": True}).test_client()
    for suffix in ("", ".json", ".csv"):
        response = client.get("/queries/typed" + suffix, query_string=params)
        assert response.status_code == 400 and f"{named!r}" in text(response).replace("&#39;", "'"), (suffix, text(response))
    good = client.get("/queries/typed.json", query_string={"year": "2020", "amount": "1.5", "place": "https://w3id.org/gaoxin-kg/id/province/yunnan"})
    assert good.status_code == 200 and good.get_json()["rows"][0]["year"] == 2020  # JSON numbers are typed
