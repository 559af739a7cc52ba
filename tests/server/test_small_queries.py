"""Small queries answered in the web worker: only plain basic graph patterns the store bounds, with the query processes' answers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask
from pyoxigraph import Literal, NamedNode, Quad

from server import create_app, executor, small_queries
from server.query_process import Task, answer

from .conftest import serving, store_link_of

ELI = "PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"
POINT = ELI + 'SELECT ?document WHERE { ?document eli:id_local "云政发〔2020〕36号" }'
SMALL = [
    POINT,
    POINT + " LIMIT 3 OFFSET 0",
    ELI + 'select distinct * where { ?d eli:id_local "云政发〔2020〕36号" ; eli:title ?t . } # a comment',
    ELI + 'ASK { ?d eli:id_local "云政发〔2020〕36号" }',
    'SELECT ?p ?o { <https://w3id.org/gaoxin-kg/id/doc/yunzhengfa-2020-36> ?p ?o }',
    'PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?c { ?c skos:prefLabel "云南省"@zh-Hans }',
    "SELECT ?s { ?s ?p '''three\\nlines''' }",
]
NOT_SMALL = [
    ELI + 'SELECT ?d { ?d eli:id_local ?n FILTER(?n = "云政发〔2020〕36号") }',
    ELI + 'SELECT ?d { ?d eli:id_local "x" OPTIONAL { ?d eli:title ?t } }',
    ELI + 'SELECT ?d { { ?d eli:id_local "x" } UNION { ?d eli:title "x" } }',
    ELI + 'SELECT ?d { GRAPH ?g { ?d eli:id_local "x" } }',
    ELI + 'SELECT ?d { SERVICE <http://127.0.0.1:9/sparql> { ?d eli:id_local "x" } }',
    ELI + 'SELECT ?d { ?d eli:id_local "x" . SERVICEeli:e { ?d ?p ?o } }',
    ELI + 'SELECT ?d { ?d eli:is_part_of/eli:id_local "x" }',
    ELI + 'SELECT ?d { ?d eli:is_part_of* <x:y> }',
    ELI + 'SELECT ?d { ?d ^eli:id_local "x" }',
    ELI + 'SELECT ?d { ?d eli:id_local "x"^^<http://www.w3.org/2001/XMLSchema#string> }',
    ELI + "SELECT ?d { ?d eli:number 36 }",
    ELI + 'SELECT ?d { _:b eli:id_local "x" }',
    ELI + 'SELECT ?d { [] eli:id_local "x" }',
    'BASE <http://example.org/> SELECT ?d { ?d <id> "x" }',
    ELI + 'SELECT ?d FROM <http://example.org/g> { ?d eli:id_local "x" }',
    ELI + 'SELECT ?d { ?d eli:id_local "x" } ORDER BY ?d',
    ELI + 'SELECT (COUNT(*) AS ?n) { ?d eli:id_local "x" }',
    ELI + 'SELECT ?d { ?d eli:id_local "x" VALUES ?d { <x:a> } }',
    ELI + 'SELECT ?d { ?d eli:id_local "x" BIND(1 AS ?one) }',
    ELI + 'SELECT ?d { { SELECT ?d { ?d eli:id_local "x" } } }',
    ELI + 'SELECT ?d { ?d eli:id_local "x" . \\u0053ERVICE <http://127.0.0.1:9/> { ?d ?p ?o } }',
    'SELECT ?d { ?d <relative> "x" }',
    'SELECT ?d { ?d undeclared:p "x" }',
    ELI + 'CONSTRUCT { ?d eli:id_local "x" } WHERE { ?d eli:id_local "x" }',
    "DESCRIBE <https://w3id.org/gaoxin-kg/id/doc/yunzhengfa-2020-36>",
    ELI + 'INSERT DATA { <x:a> eli:id_local "x" }',
    ELI + "SELECT ?d { }",
    ELI + 'SELECT ?d { ?d eli:id_local "x" } LIMIT ?x',
]


@pytest.mark.parametrize("query", SMALL)
def test_plain_basic_graph_patterns_are_read(query: str) -> None:
    assert small_queries.patterns_of(query)


@pytest.mark.parametrize("query", NOT_SMALL)
def test_anything_else_goes_to_a_query_process(query: str) -> None:
    assert small_queries.patterns_of(query) is None


def test_the_patterns_are_the_query_s_terms() -> None:
    read = small_queries.patterns_of(SMALL[2])
    title, number = NamedNode("http://data.europa.eu/eli/ontology#title"), NamedNode("http://data.europa.eu/eli/ontology#id_local")
    assert read == ((None, number, Literal("云政发〔2020〕36号")), (None, title, None))
    labelled = small_queries.patterns_of(SMALL[5])
    assert labelled == ((None, NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), Literal("云南省", language="zh-Hans")),)
    assert small_queries.patterns_of(SMALL[6]) == ((None, None, Literal("three\nlines")),)


# -- bounded by the store --------------------------------------------------------------------------------------------------

EX = "http://example.org/"


@pytest.fixture(scope="module")
def wide_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store where ex:tag has 300 subjects (too many), ex:colour 20 (each fine, two of them joined too many), ex:name 1 each."""
    quads = [Quad(NamedNode(f"{EX}s{n}"), NamedNode(f"{EX}tag"), Literal("common")) for n in range(300)]
    quads += [Quad(NamedNode(f"{EX}s{n}"), NamedNode(f"{EX}colour"), Literal("red")) for n in range(20)]
    quads += [Quad(NamedNode(f"{EX}s{n}"), NamedNode(f"{EX}name"), Literal(f"name {n}")) for n in range(300)]
    link = store_link_of(tmp_path_factory.mktemp("wide"), quads)
    return link.resolve()


def task(sparql: str, version: Path, row_cap: int = 100) -> Task:
    return Task(version=str(version), sparql=sparql, media_type="application/sparql-results+json", row_cap=row_cap)


@pytest.mark.parametrize(("query", "small"), [
    (f'SELECT ?s {{ ?s <{EX}name> "name 7" }}', True),
    (f'SELECT ?s ?c {{ ?s <{EX}name> "name 7" ; <{EX}colour> ?c }}', True),  # 1 × 20
    (f'SELECT ?s {{ ?s <{EX}tag> "common" }} LIMIT 1', False),  # 300 matches, whatever the LIMIT
    (f'SELECT ?a ?b {{ ?a <{EX}colour> "red" . ?b <{EX}colour> "red" }}', False),  # 20 × 20 combinations
    (f'SELECT ?s {{ ?s <{EX}colour> "blue" . ?t <{EX}tag> ?x }}', False),  # nothing matches the first, but the second alone is too many
    (f'SELECT ?s {{ ?s <{EX}name> "nobody" }}', True),
])
def test_the_store_bounds_a_small_query(wide_store: Path, query: str, small: bool) -> None:
    here = small_queries.SmallQueries(cap=256, answer_bytes=1_000_000)
    reply = here.answer(task(query, wide_store))
    assert (reply is not None) is small
    if reply is not None:  # the very bytes a query process writes, counted row by row (row cap 100) or not (10,000 > 256)
        assert reply == answer(task(query, wide_store), {})
        assert here.answer(task(query, wide_store, row_cap=10_000)) == answer(task(query, wide_store, row_cap=10_000), {})


def test_the_answer_keeps_the_row_cap_and_the_byte_cap(wide_store: Path) -> None:
    query = f'SELECT ?s ?c {{ ?s <{EX}name> "name 3" ; <{EX}colour> ?c . ?t <{EX}colour> ?c }}'  # 1 × 20 × 20 > 256: not small
    assert small_queries.SmallQueries(256, 1_000_000).answer(task(query, wide_store)) is None
    rows = f'SELECT ?s ?c {{ <{EX}s3> ?p ?c . ?s <{EX}colour> ?c }}'  # 3 × 20 = 60 combinations, 20 rows
    capped = small_queries.SmallQueries(256, 1_000_000).answer(task(rows, wide_store, row_cap=5))
    assert capped is not None and capped.truncated and capped.body.count(b'"s":') == 5
    too_large = small_queries.SmallQueries(256, 100).answer(task(rows, wide_store))
    assert too_large is not None and too_large.status == "too_large"


def test_zero_turns_it_off(wide_store: Path) -> None:
    assert small_queries.SmallQueries(0, 1_000_000).answer(task(f'SELECT ?s {{ ?s <{EX}name> "name 7" }}', wide_store)) is None


def test_a_new_version_is_opened_and_the_old_handle_dropped(tmp_path: Path, wide_store: Path) -> None:
    other = store_link_of(tmp_path, [Quad(NamedNode(f"{EX}s1"), NamedNode(f"{EX}name"), Literal("renamed"))]).resolve()
    here = small_queries.SmallQueries(256, 1_000_000)
    first = here.answer(task(f'SELECT ?s {{ ?s <{EX}name> "renamed" }}', wide_store))
    second = here.answer(task(f'SELECT ?s {{ ?s <{EX}name> "renamed" }}', other))
    assert first is not None and b"s1" not in first.body
    assert second is not None and f"{EX}s1".encode() in second.body
    assert list(here.stores) == [str(other)]


def test_a_version_that_cannot_be_opened_goes_to_a_query_process(tmp_path: Path) -> None:
    assert small_queries.SmallQueries(256, 1_000).answer(task(POINT, tmp_path / "gone")) is None


# -- in the server ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def apps(built_store: Path) -> Iterator[tuple[Flask, Flask]]:
    """Two apps on the seed graph: small queries answered in the worker, and every query in a query process."""
    config = {"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 5.0, "RESULT_CACHE_BYTES": 0}
    here, there = create_app(config), create_app({**config, "SMALL_QUERY_MATCHES": 0})
    yield here, there
    for app in (here, there):
        executor.executor_of(app).close()


@pytest.mark.parametrize("query", SMALL[:6])
@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"])
def test_the_server_answers_small_queries_itself_with_the_same_bytes(apps: tuple[Flask, Flask], query: str, accept: str) -> None:
    here, there = apps
    answers = [app.test_client().get("/sparql", query_string={"query": query}, headers={"Accept": accept}) for app in (here, there)]
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].data == answers[1].data and answers[0].content_type == answers[1].content_type
    assert executor.executor_of(here)._lanes is None  # no query process was started for them
    assert executor.executor_of(there)._lanes is not None


def test_a_query_that_is_not_small_still_runs_in_a_query_process(built_store: Path) -> None:
    app = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 5.0})
    try:
        answered = app.test_client().get("/sparql", query_string={"query": ELI + "SELECT ?d { ?d eli:id_local ?n } ORDER BY ?n"})
        assert answered.status_code == 200 and b"yunzhengfa-2020-36" in answered.data
        assert executor.executor_of(app)._lanes is not None
    finally:
        executor.executor_of(app).close()


def test_a_syntax_error_the_reader_let_through_is_the_engine_s_to_report(apps: tuple[Flask, Flask]) -> None:
    query = 'SELECT ?d { ?d <http://example.org/p> "x" } LIMIT 5 LIMIT 2'  # the reader takes any run of LIMITs, the grammar one
    assert small_queries.patterns_of(query) is not None
    answers = [app.test_client().get("/sparql", query_string={"query": query}) for app in apps]
    assert answers[0].status_code == answers[1].status_code == 400
    assert answers[0].data == answers[1].data


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }"


def test_over_http_a_small_query_and_a_cached_page_are_answered_while_the_only_request_thread_waits(built_store: Path) -> None:
    with serving(built_store, "--workers", "1", "--threads", "1", "--client-queries", "0", "--timeout", "6") as base:
        requests.get(base + "/queries/zone-approvals", timeout=30)  # now in the response cache
        with ThreadPoolExecutor(1) as pool:
            runaway = pool.submit(requests.get, base + "/sparql", params={"query": RUNAWAY}, timeout=60)
            time.sleep(0.5)  # the runaway holds the one request thread until its time limit
            small = requests.get(base + "/sparql", params={"query": POINT}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
            page = requests.get(base + "/queries/zone-approvals", timeout=30)
            assert not runaway.done()  # both were answered on the event loop, not by the busy thread
            assert small.status_code == 200 and "yunzhengfa-2020-36" in small.text
            assert page.status_code == 200 and page.headers["X-Gaoxin-Cache"] == "hit"
            cheap = requests.get(base + "/sparql", params={"query": POINT + " ORDER BY ?document"}, timeout=30)  # not small: the thread, once free
            assert runaway.result().status_code == 503  # stopped at its time limit
            assert cheap.status_code == 200 and "yunzhengfa-2020-36" in cheap.text


def test_a_small_query_still_meets_the_length_and_depth_limits(built_store: Path) -> None:
    for limits, status in (({"MAX_QUERY_LENGTH": 60}, 413), ({"MAX_QUERY_DEPTH": 0}, 400)):
        app = create_app({"STORE": built_store, "TESTING": True, **limits})
        try:
            assert app.test_client().get("/sparql", query_string={"query": POINT}).status_code == status
        finally:
            executor.executor_of(app).close()
