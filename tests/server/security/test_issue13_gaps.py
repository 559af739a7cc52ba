"""Issue 13's reproductions that no other test replayed: the audit in docs/operations.md maps the rest.

- item 1: error text revealed which ports are open; past every check, a query process now fails the same way for an
  open and a closed port (it cannot make a socket at all), and the listener hears nothing;
- item 2: with 10 slow queries, two clients waited twice the time limit; now every one is answered within the limit
  and a short wait, once the query processes have started (their start-up is not yet bounded by the queue wait or
  counted in the time limit: on a cold app under load one client waited 8.3 s against a 4 s limit; see the audit);
- item 3: COUNT(DISTINCT *) over a cross product (2.3 GB in 10 s) and string doubling to gigabytes answered by its
  length (no answer bytes to cap) end at the query processes' memory limit (RLIMIT_AS) with 413;
- "README Operations states the limits as they really are": the figures docs/operations.md gives are the defaults.

Loopback only, bounded in count and time; memory probes run in the server's query processes, under RLIMIT_AS.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask

from server import DEFAULTS, create_app
from server.query_process import Limits, QueryPool, Task

ROOT = Path(__file__).resolve().parents[3]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }} # {n}"
DISTINCT_CROSS_PRODUCT = "SELECT (COUNT(DISTINCT *) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y }"
TEN = ",".join(["?{0}"] * 10)
GIGABYTES_OF_TEXT = (  # "x" × 10^10 (10 GB), of which only the length is asked: no answer to cap, only memory
    'SELECT ?n WHERE { BIND("xxxxxxxxxx" AS ?a) '
    + " ".join(f"BIND(CONCAT({TEN.format(a)}) AS ?{b})" for a, b in zip("abcdefghi", "bcdefghij", strict=True))
    + " BIND(STRLEN(?j) AS ?n) }"
)


@pytest.fixture()
def limited_app(built_store: Path) -> Iterator[Flask]:
    """An app whose query processes may use 700 MB of address space."""
    app = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 20.0, "QUERY_MEMORY_MB": 700})
    yield app
    app.extensions["gaoxin_executor"].close()


@pytest.mark.parametrize("query", [DISTINCT_CROSS_PRODUCT, GIGABYTES_OF_TEXT], ids=["count-distinct-cross-product", "string-doubling"])
def test_memory_hungry_queries_end_at_the_memory_limit_with_413(limited_app: Flask, query: str) -> None:
    client = limited_app.test_client()
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 413, response.get_data(as_text=True)[:300]
    assert "700 MB memory limit of a query process" in response.get_data(as_text=True)
    assert time.monotonic() - started < 20.0  # stopped by memory, not by the time limit
    assert client.get("/sparql", query_string={"query": "ASK { }"}).status_code == 200  # a fresh process answers


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_past_every_check_an_open_and_a_closed_port_fail_alike(built_store: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.5)
    open_port, shut_port = listener.getsockname()[1], closed_port()
    pool = QueryPool(1, Limits())
    try:
        replies = {}
        for port in (open_port, shut_port):  # straight to the engine, as if the text check had been fooled
            query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
            reply = pool.run(Task(str(built_store.resolve()), query, "application/sparql-results+json", 10), 10.0)
            replies[port] = (reply.status, reply.message)
        assert replies[open_port] == replies[shut_port] == ("error", "PermissionError: Permission denied (os error 13)")
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody connected
    finally:
        pool.close()
        listener.close()


def test_ten_slow_queries_are_each_answered_within_the_time_limit_and_a_short_wait(built_store: Path) -> None:
    limit, wait = 4.0, 0.5
    app = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": limit, "QUERY_PROCESSES": 1, "HEAVY_QUERIES": 1,
                      "FAST_LANE_SECONDS": 0.5, "QUEUE_WAIT": wait, "CLIENT_QUERIES": 0})  # one test client: no per-client limit
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": "ASK { }"}).status_code == 200  # the query processes have started

    def timed(n: int) -> tuple[int, float, str | None]:
        started = time.monotonic()
        response = client.get("/sparql", query_string={"query": RUNAWAY.format(n=n)})
        return response.status_code, time.monotonic() - started, response.headers.get("Retry-After")

    try:
        with ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(timed, range(10)))
    finally:
        app.extensions["gaoxin_executor"].close()
    assert all(status == 503 and retry for status, _, retry in answers), answers  # busy, or stopped at the time limit
    slowest = max(seconds for _, seconds, _ in answers)
    assert slowest < limit + 2 * wait + 2.0, answers  # once the issue saw two clients wait twice the time limit


def test_on_a_cold_app_the_time_limit_counts_from_the_request_not_from_the_query_process(built_store: Path) -> None:
    limit = 3.0
    app = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": limit, "QUERY_PROCESSES": 1, "HEAVY_QUERIES": 1,
                      "FAST_LANE_SECONDS": 0.5, "QUEUE_WAIT": 2.0, "QUEUE_LENGTH": 10, "HEAVY_QUEUE_LENGTH": 10, "CLIENT_QUERIES": 0})
    client = app.test_client()  # no warm-up: the requests arrive while the query processes start

    def timed(n: int) -> tuple[int, float]:
        started = time.monotonic()
        response = client.get("/sparql", query_string={"query": RUNAWAY.format(n=n)})
        return response.status_code, time.monotonic() - started

    try:
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(timed, range(6)))
    finally:
        app.extensions["gaoxin_executor"].close()
    assert {status for status, _ in answers} == {503}, answers
    # Start-up, queue waits and both lanes all come out of the one limit (before: 8.3 s with a 4 s limit).
    assert max(seconds for _, seconds in answers) < limit + 1.0, answers


# ---- the limits docs/operations.md states are the defaults ----------------------------------------------------

# fmt: off
STATED = [  # setting, how docs/operations.md writes its default
    ("QUERY_TIMEOUT", "query time {:g} s"),
    ("ROW_CAP", "{:,} result rows"),
    ("MAX_CONTENT_LENGTH", "{mb:g} MB request bodies"),
    ("MAX_QUERY_LENGTH", "{:,}-character queries"),
    ("MAX_QUERY_DEPTH", "nested at most {} deep"),
    ("MAX_PARAMETER_LENGTH", "{:,}-character canned-query parameters"),
]
# fmt: on


def operations_text() -> str:
    return " ".join((ROOT / "docs" / "operations.md").read_text(encoding="utf-8").split())


@pytest.mark.parametrize(("setting", "phrase"), STATED)
def test_the_operations_page_states_each_limit_as_it_is(setting: str, phrase: str) -> None:
    value = DEFAULTS[setting]
    assert phrase.format(value, mb=value / 1_000_000) in operations_text()


def stated_value(number: str, unit: str, setting: str) -> float:
    """Turn a figure the page writes after a setting's name into the setting's own unit (MB → bytes unless the name says MB)."""
    value = float(number.replace(",", ""))
    return value * 1_000_000 if unit == "MB" and not setting.endswith("_MB") else value


def test_every_figure_given_beside_a_setting_name_is_its_default() -> None:
    # "`QUERY_MEMORY_MB` (1024 MB", "`QUEUE_WAIT` (2 s)", "`ANSWER_BYTES` (50 MB serialized)": each must be DEFAULTS.
    found = re.findall(r"`([A-Z_]+)`,? \(?(\d[\d,]*(?:\.\d+)?)\s?(MB|s\b)?", operations_text())
    checked = [(name, stated_value(number, unit, name), DEFAULTS[name]) for name, number, unit in found if name in DEFAULTS]
    assert len(checked) >= 6, found  # the page names the admission and memory settings with their defaults
    assert [c for c in checked if c[1] != c[2]] == []
