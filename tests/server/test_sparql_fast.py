"""The /sparql fast path: every answer equals the Flask view's, byte for byte and header by header, under the same limits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from flask import Flask, Response

from server import create_app, executor, sparql_fast

ELI = "PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"
POINT = ELI + 'SELECT ?document WHERE { ?document eli:id_local "云政发〔2020〕36号" }'
NUMBERS = ELI + "SELECT ?document ?number ?title WHERE { ?document eli:id_local ?number OPTIONAL { ?document eli:title ?title } } ORDER BY ?number"
ASK = ELI + "ASK { ?document eli:id_local ?number }"
CONSTRUCT = ELI + "CONSTRUCT { ?document eli:id_local ?number } WHERE { ?document eli:id_local ?number }"
DESCRIBE = "DESCRIBE <https://w3id.org/gaoxin-kg/id/doc/yunzhengfa-2020-36>"
RUNAWAY = 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i)), "^z{40}$")) }'
SOLUTION_FORMATS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values",
                    "application/json", "*/*", ""]
GRAPH_FORMATS = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json", "text/plain", "*/*", ""]
# fmt: off
CASES = (
    [(query, accept, {}) for query in (POINT, NUMBERS, ASK) for accept in SOLUTION_FORMATS]
    + [(query, accept, {}) for query in (CONSTRUCT, DESCRIBE) for accept in GRAPH_FORMATS]
    + [(NUMBERS, "", {"format": name}) for name in ("json", "xml", "csv", "tsv", "srj")]
    + [(CONSTRUCT, "text/html", {"format": name}) for name in ("ttl", "nt", "rdf", "jsonld", "turtle")]
    + [(NUMBERS, "", {"_format": "csv"}), (NUMBERS, "", {"default-graph-uri": "https://w3id.org/gaoxin-kg/id/doc/yunzhengfa-2020-36"})]
)
# fmt: on
ERRORS = [  # each answered by the view: a refusal, a syntax error, a bad parameter, a malformed or unmatched Accept header
    ("SELEC ?x", "", {}),
    ("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "", {}),
    ("INSERT DATA { <x:a> <x:b> <x:c> }", "", {}),
    (NUMBERS, "", {"format": "ttl"}),
    (NUMBERS, "text/html;q=abc", {}),
    (NUMBERS, "text/turtle", {}),
    (NUMBERS, "", {"default-graph-uri": "not an IRI"}),
]


def flask_only(app: Flask) -> Flask:
    """Take the fast path out from under the response cache, so every request goes to the Flask view."""
    fast = app.wsgi_app.app  # type: ignore[attr-defined]
    assert isinstance(fast, sparql_fast.FastQueries)
    app.wsgi_app.app = fast.app  # type: ignore[attr-defined]
    return app


@pytest.fixture(scope="module")
def apps(built_store: Path) -> Iterator[tuple[Flask, Flask]]:
    """Two apps on the seed graph with a row cap of 3: one with the fast path, one without."""
    config = {"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 5.0, "ROW_CAP": 3}
    fast, slow = create_app(config), flask_only(create_app(config))
    yield fast, slow
    for app in (fast, slow):
        executor.executor_of(app).close()


def get(app: Flask, query: str, accept: str, parameters: dict[str, str]) -> Response:
    headers = {"Accept": accept} if accept else {}
    return app.test_client().get("/sparql?" + urlencode({"query": query, **parameters}), headers=headers)


def same(a: Response, b: Response) -> None:
    assert (a.status, a.data) == (b.status, b.data)
    assert list(a.headers) == list(b.headers)


def fast_path(app: Flask) -> sparql_fast.FastQueries:
    return app.wsgi_app.app  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize(("query", "accept", "parameters"), CASES)
def test_each_format_equals_the_views_answer(apps: tuple[Flask, Flask], query: str, accept: str, parameters: dict[str, str]) -> None:
    fast, slow = apps
    answered = fast_path(fast).answered
    ours, theirs = get(fast, query, accept, parameters), get(slow, query, accept, parameters)
    assert ours.status_code == 200 and ours.data
    assert fast_path(fast).answered == answered + 1  # the fast path wrote it, not the view
    same(ours, theirs)
    assert ours.headers["X-Gaoxin-Cache"] == "miss"


def test_a_result_cut_at_the_row_cap_is_flagged_alike(apps: tuple[Flask, Flask]) -> None:
    fast, slow = apps
    for accept in ("application/sparql-results+json", "text/csv", "application/sparql-results+xml"):
        ours, theirs = get(fast, NUMBERS + "\n# cut", accept, {}), get(slow, NUMBERS + "\n# cut", accept, {})
        assert ours.headers["X-Gaoxin-Truncated"] == "true"
        same(ours, theirs)


@pytest.mark.parametrize(("query", "accept", "parameters"), ERRORS)
def test_errors_are_answered_by_the_view(apps: tuple[Flask, Flask], query: str, accept: str, parameters: dict[str, str]) -> None:
    fast, slow = apps
    answered = fast_path(fast).answered
    ours, theirs = get(fast, query, accept, parameters), get(slow, query, accept, parameters)
    assert ours.status_code in (400, 403, 406)
    assert fast_path(fast).answered == answered
    same(ours, theirs)


def test_a_repeated_query_is_a_response_cache_hit(apps: tuple[Flask, Flask]) -> None:
    fast, _ = apps
    first, second, third = (get(fast, POINT + "\n# again", "text/csv", {}) for _ in range(3))
    assert [r.headers["X-Gaoxin-Cache"] for r in (first, second, third)] == ["miss", "miss", "hit"]  # small: kept when asked twice
    assert first.data == third.data and first.headers["ETag"] == third.headers["ETag"]


def test_the_time_limit_kills_a_query_on_the_fast_path(built_store: Path) -> None:
    app = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 1.0, "FAST_LANE_SECONDS": 0.5})
    try:
        get(app, "ASK {}", "", {})
        before = set(executor.executor_of(app).lanes().pids())
        started = time.monotonic()
        response = get(app, RUNAWAY, "", {})
        assert 1.0 <= time.monotonic() - started < 3.0
        assert response.status_code == 503 and b"1 s time limit" in response.data
        assert response.headers["Retry-After"] and response.headers["X-Gaoxin-Graph-Version"]
        killed = before - set(executor.executor_of(app).lanes().pids())
        assert killed and not any(Path(f"/proc/{pid}").exists() for pid in killed)
        assert fast_path(app).answered == 1 and fast_path(app).passed_on == 1
    finally:
        executor.executor_of(app).close()


def test_an_unknown_hook_turns_the_fast_path_off(built_store: Path) -> None:
    app = create_app({"STORE": built_store, "TESTING": True})
    app.after_request(lambda response: (response.headers.add("X-Extra", "1"), response)[1])
    try:
        response = get(app, POINT, "", {})
        assert response.headers["X-Extra"] == "1"
        assert fast_path(app).enabled is False and fast_path(app).answered == 0
    finally:
        executor.executor_of(app).close()


def test_without_the_cache_the_fast_path_still_answers(built_store: Path) -> None:
    config = {"STORE": built_store, "TESTING": True, "RESULT_CACHE_BYTES": 0}
    fast, slow = create_app(config), create_app(config)
    slow.wsgi_app = slow.wsgi_app.app  # type: ignore[method-assign]  # no response cache: the fast path is outermost
    try:
        ours, theirs = get(fast, POINT, "text/csv", {}), get(slow, POINT, "text/csv", {})
        assert fast.wsgi_app.answered == 1 and "ETag" not in ours.headers  # type: ignore[attr-defined]
        same(ours, theirs)
    finally:
        for app in (fast, slow):
            executor.executor_of(app).close()


def test_over_http_the_answer_is_the_test_clients(live_server: str, client) -> None:  # type: ignore[no-untyped-def]
    for accept in ("application/sparql-results+json", "text/csv"):
        over_http = requests.get(live_server + "/sparql", params={"query": POINT + "\n# http"}, headers={"Accept": accept}, timeout=30)
        in_process = client.get("/sparql?" + urlencode({"query": POINT + "\n# http"}), headers={"Accept": accept})
        assert over_http.status_code == 200 and over_http.content == in_process.data
        assert over_http.headers["Content-Type"] == in_process.headers["Content-Type"]
