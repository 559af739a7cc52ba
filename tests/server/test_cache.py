"""Answers are cached per graph version: repeated GETs come from memory, ETags revalidate with 304, a rebuild changes both."""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from graph_build.build import driver
from server import cache, create_app
from server.cache import ByteLRU
from tests.server.conftest import ROOT, serving

JSON, CSV = "application/sparql-results+json", "text/csv"
LOOKUP = 'SELECT ?d WHERE { ?d <http://data.europa.eu/eli/ontology#id_local> "云政发〔2020〕36号" }'
COUNT = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d <http://data.europa.eu/eli/ontology#is_realized_by> ?e }"
RUNAWAY = 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i)), "^z{40}$")) }'


@pytest.fixture()
def cached_app(built_store: Path) -> Flask:
    """An app with its own, empty cache (the session app's cache is shared by other tests)."""
    return create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 1.0})


def stats(app: Flask) -> dict[str, int]:
    return app.extensions["gaoxin_cache"].stats()


def ask(client: FlaskClient, query: str, accept: str = JSON, **headers: str):  # type: ignore[no-untyped-def]
    return client.get("/sparql", query_string={"query": query}, headers={"Accept": accept, **headers})


def test_a_repeated_get_is_answered_from_memory_without_running_the_query(cached_app: Flask) -> None:
    client = cached_app.test_client()
    first = ask(client, COUNT)
    results_before = cached_app.extensions["gaoxin_cache"].stores
    second = ask(client, COUNT)
    assert first.headers["X-Gaoxin-Cache"] == "miss" and second.headers["X-Gaoxin-Cache"] == "hit"
    assert second.data == first.data and b'"n"' in second.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers["X-Gaoxin-Graph-Version"] == first.headers["X-Gaoxin-Graph-Version"]
    assert stats(cached_app)["hits"] >= 1 and cached_app.extensions["gaoxin_cache"].stores == results_before  # nothing ran, nothing new stored


def test_a_cached_answer_says_how_caches_may_keep_it(cached_app: Flask) -> None:
    response = ask(cached_app.test_client(), LOOKUP)
    assert response.headers["Cache-Control"] == "public, max-age=60, must-revalidate"
    assert "Accept" in response.headers["Vary"]
    assert response.headers["ETag"].startswith('"') and response.headers["ETag"].endswith('"')


def test_other_settings_give_other_tags_for_the_same_graph(cached_app: Flask, built_store: Path) -> None:
    capped = create_app({"STORE": built_store, "TESTING": True, "ROW_CAP": 1})
    assert ask(capped.test_client(), LOOKUP).headers["ETag"] != ask(cached_app.test_client(), LOOKUP).headers["ETag"]
    same = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 1.0})
    assert ask(same.test_client(), LOOKUP).headers["ETag"] == ask(cached_app.test_client(), LOOKUP).headers["ETag"]


def test_other_accept_headers_are_other_entries_with_vary_accept(cached_app: Flask) -> None:
    client = cached_app.test_client()
    as_json, as_csv = ask(client, LOOKUP, JSON), ask(client, LOOKUP, CSV)
    ask(client, LOOKUP, JSON), ask(client, LOOKUP, CSV)  # a small query's answer is kept when asked twice
    again_json, again_csv = ask(client, LOOKUP, JSON), ask(client, LOOKUP, CSV)
    assert as_json.headers["ETag"] != as_csv.headers["ETag"]
    assert again_json.headers["X-Gaoxin-Cache"] == again_csv.headers["X-Gaoxin-Cache"] == "hit"
    assert again_json.content_type == JSON and again_json.data == as_json.data
    assert again_csv.content_type.startswith(CSV) and again_csv.data == as_csv.data and again_csv.data.startswith(b"d\r\n")
    assert all("Accept" in r.headers["Vary"] for r in (as_json, as_csv, again_json, again_csv))


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("SELECT ?x WHERE { ?x ?y }", 400),  # syntax error
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", 400),  # refused
        (RUNAWAY, 503),  # stopped at the 1 s time limit
    ],
)
def test_errors_and_timeouts_are_never_cached(cached_app: Flask, query: str, status: int) -> None:
    client = cached_app.test_client()
    responses = [ask(client, query) for _ in range(2)]
    assert [r.status_code for r in responses] == [status, status]
    assert not any("ETag" in r.headers or "X-Gaoxin-Cache" in r.headers for r in responses)
    assert stats(cached_app)["entries"] == 0


def test_a_post_reuses_the_result_of_the_same_query(cached_app: Flask) -> None:
    client = cached_app.test_client()
    first = client.post("/sparql", data=COUNT, headers={"Content-Type": "application/sparql-query", "Accept": JSON})
    hits = stats(cached_app)["hits"]
    second = client.post("/sparql", data=COUNT, headers={"Content-Type": "application/sparql-query", "Accept": JSON})
    assert second.data == first.data and "ETag" not in second.headers  # POST answers are not HTTP-cacheable
    assert stats(cached_app)["hits"] == hits + 1  # the executor's result layer


def layers(app: Flask) -> list[str]:
    """Name the layer of each entry the cache holds: "result" (executor) or "response" (middleware)."""
    return sorted("result" if key[0] == "result" else "response" for key in app.extensions["gaoxin_cache"].held_keys())


def test_a_get_is_held_once_as_its_response(cached_app: Flask) -> None:
    client = cached_app.test_client()
    assert ask(client, COUNT).headers["X-Gaoxin-Cache"] == "miss"
    assert layers(cached_app) == ["response"]  # not also as a query result: the response cache answers a repeated GET
    assert ask(client, COUNT).headers["X-Gaoxin-Cache"] == "hit"


def test_a_small_query_s_answer_is_kept_from_its_second_request_on(cached_app: Flask) -> None:
    client = cached_app.test_client()
    first, second, third = (ask(client, f"{LOOKUP} LIMIT 7") for _ in range(3))
    assert [r.headers["X-Gaoxin-Cache"] for r in (first, second, third)] == ["miss", "miss", "hit"]
    assert first.data == second.data == third.data and b"yunzhengfa-2020-36" in third.data
    assert first.headers["ETag"] == third.headers["ETag"]  # asked once, it is still an answer a client may revalidate
    assert ask(client, f"{LOOKUP} LIMIT 7", **{"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_unique_small_queries_leave_the_cache_empty_and_others_are_kept_at_once(cached_app: Flask) -> None:
    client = cached_app.test_client()
    for limit in range(1, 21):  # twenty point lookups, each asked once
        assert ask(client, f"{LOOKUP} LIMIT {limit}").status_code == 200
    assert stats(cached_app)["entries"] == 0
    ask(client, COUNT)  # not a small query (an aggregate in a query process): kept at once
    assert layers(cached_app) == ["response"]


def test_only_the_endpoint_s_small_answers_wait_for_a_second_request(cached_app: Flask) -> None:
    middleware = cached_app.wsgi_app
    assert isinstance(middleware, cache.CachingMiddleware)

    def marked(path: str, small: bool) -> dict[str, object]:
        key = ("", path, "query=ASK%7B%7D", "127.0.0.1", "http", JSON)
        return {"PATH_INFO": path, cache.ENVIRON_KEY: ("v1", key, '"tag"'), **({cache.SMALL_ANSWER_KEY: True} if small else {})}

    assert middleware.admitted(marked("/sparql", small=False))  # a query process made it: kept at once
    assert middleware.admitted(marked("/page/doc/yunzhengfa-2020-36", small=True))  # a page is more than one small answer
    assert [middleware.admitted(marked("/sparql", small=True)) for _ in range(2)] == [False, True]


def test_a_post_keeps_its_result_even_after_a_get_of_the_same_query(cached_app: Flask) -> None:
    client = cached_app.test_client()
    get = ask(client, COUNT)
    post = client.post("/sparql", data=COUNT, headers={"Content-Type": "application/sparql-query", "Accept": JSON})
    assert post.data == get.data and layers(cached_app) == ["response", "result"]


def test_a_canned_page_keeps_its_query_results_beside_the_page(cached_app: Flask) -> None:
    cached_app.test_client().get("/queries/amounts-by-province", headers={"Accept": "text/html"})
    assert "response" in layers(cached_app) and "result" in layers(cached_app)  # the page, and its query for other pages to reuse


PAGES = ["/", "/queries/documents", "/queries/amounts-by-province", "/queries/amounts-by-province.csv", "/queries/amounts-by-province.json"]


@pytest.mark.parametrize("path", PAGES)
def test_a_cached_canned_page_equals_an_uncached_one(cached_app: Flask, built_store: Path, path: str) -> None:
    uncached = create_app({"STORE": built_store, "TESTING": True, "RESULT_CACHE_BYTES": 0}).test_client().get(path)
    client = cached_app.test_client()
    client.get(path)
    cached = client.get(path)
    assert cached.headers["X-Gaoxin-Cache"] == "hit"
    assert cached.status_code == uncached.status_code == 200
    assert cached.data == uncached.data and cached.content_type == uncached.content_type
    assert "ETag" not in uncached.headers and "X-Gaoxin-Cache" not in uncached.headers  # 0 bytes: caching off


def test_a_resource_page_is_cached_and_revalidated(cached_app: Flask) -> None:
    client = cached_app.test_client()
    first = client.get("/page/doc/yunzhengfa-2020-36.ttl")
    second = client.get("/page/doc/yunzhengfa-2020-36.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert first.status_code == 200 and "yunzhengfa-2020-36" in first.text
    assert second.status_code == 304 and second.data == b"" and second.headers["ETag"] == first.headers["ETag"]


def test_doctests() -> None:
    assert doctest.testmod(cache).failed == 0


def test_the_cache_is_bounded_in_bytes() -> None:
    cache = ByteLRU(1000)
    for n in range(5):
        cache.put(n, f"value {n}", 300)
    assert cache.stats()["bytes"] <= 1000 and len(cache) == 3 and cache.evictions == 2
    assert cache.get(0) is None and cache.get(1) is None and cache.get(4) == "value 4"
    cache.put("huge", "x", 1001)
    assert cache.get("huge") is None and len(cache) == 3


def test_a_small_cache_evicts_the_least_recently_used_answers(built_store: Path) -> None:
    app = create_app({"STORE": built_store, "TESTING": True, "RESULT_CACHE_BYTES": 6000})
    client = app.test_client()
    for limit in range(1, 9):
        ask(client, f"{LOOKUP} LIMIT {limit}")
        ask(client, f"{LOOKUP} LIMIT {limit}")  # kept when asked twice
    numbers = stats(app)
    assert numbers["evictions"] > 0 and numbers["bytes"] <= 6000
    assert ask(client, f"{LOOKUP} LIMIT 8").headers["X-Gaoxin-Cache"] == "hit"
    assert ask(client, f"{LOOKUP} LIMIT 1").headers["X-Gaoxin-Cache"] == "miss"


# -- over real HTTP ----------------------------------------------------------------------------


def test_if_none_match_gets_304_with_no_body_from_every_worker(live_server: str) -> None:
    url, headers = live_server + "/sparql", {"Accept": JSON}
    first = requests.get(url, params={"query": LOOKUP}, headers=headers, timeout=30)
    etag = first.headers["ETag"]
    answers = [requests.get(url, params={"query": LOOKUP}, headers={**headers, "If-None-Match": etag}, timeout=30) for _ in range(6)]
    assert {r.status_code for r in answers} == {304}  # both workers compute the same tag from version and request
    assert all(r.content == b"" and r.headers["ETag"] == etag and "Accept" in r.headers["Vary"] for r in answers)
    assert all(r.headers["Cache-Control"] == first.headers["Cache-Control"] for r in answers)
    stale = requests.get(url, params={"query": LOOKUP}, headers={**headers, "If-None-Match": '"not-the-tag"'}, timeout=30)
    assert stale.status_code == 200 and stale.content == first.content


def test_a_dump_download_carries_its_sha256_and_caching_rules(live_server: str) -> None:
    response = requests.get(live_server + "/dumps/gaoxin-kg.nq.gz", timeout=120)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "public, max-age=60, must-revalidate"
    again = requests.get(live_server + "/dumps/gaoxin-kg.nq.gz", headers={"If-None-Match": response.headers["ETag"]}, timeout=120)
    assert again.status_code == 304


def count(base: str, **headers: str) -> requests.Response:
    response = requests.get(base + "/sparql", params={"query": COUNT}, headers={"Accept": JSON, **headers}, timeout=30)
    assert response.status_code in (200, 304)
    return response


def test_a_rebuild_changes_the_etag_and_the_answer(tmp_path: Path) -> None:
    data, store = tmp_path / "data", tmp_path / "store"
    shutil.copytree(ROOT / "tests" / "data" / "seeds" / "raw", data / "raw", ignore=shutil.ignore_patterns("001_*"))
    driver.build(data, store)
    with serving(store, "--workers", "2") as base:
        before = count(base)
        assert any(count(base).headers["X-Gaoxin-Cache"] == "hit" for _ in range(10))  # either worker may answer
        shutil.copy(ROOT / "tests" / "data" / "seeds" / "raw" / "001_7d67dab41be7ced0.txt", data / "raw")
        driver.build(data, store)
        after = count(base, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert [r.json()["results"]["bindings"][0]["n"]["value"] for r in (before, after)] == ["3", "4"]
    assert after.headers["X-Gaoxin-Graph-Version"] != before.headers["X-Gaoxin-Graph-Version"]
