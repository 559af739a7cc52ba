"""Slow queries never starve the rest (issue 13, item 3): lanes, a short bounded queue, 503 with Retry-After.

The figures (p99 while 16 runaway queries run) come from bench/load.py; the live test
here checks a looser bound with fewer clients, for a few seconds, on loopback.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask

from server import create_app
from tests.server.conftest import serving

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }} # {n}"
CHEAP = "ASK {{ <urn:gaoxin-test:{n}> ?p ?o }}"


@pytest.fixture()
def narrow_app(built_store: Path) -> Iterator[Flask]:
    """One fast and one heavy process, half a second in the fast lane, one waiting request per lane for 0.3 s."""
    app = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 6.0, "QUERY_PROCESSES": 1, "HEAVY_QUERIES": 1,
                      "FAST_LANE_SECONDS": 0.5, "QUEUE_LENGTH": 1, "HEAVY_QUEUE_LENGTH": 1, "QUEUE_WAIT": 0.3})
    yield app
    app.extensions["gaoxin_executor"].close()


def test_a_runaway_leaves_the_fast_lane_and_cheap_queries_keep_answering(narrow_app: Flask) -> None:
    client = narrow_app.test_client()
    assert client.get("/sparql", query_string={"query": CHEAP.format(n=0)}).status_code == 200
    with ThreadPoolExecutor(1) as pool:
        runaway = pool.submit(client.get, "/sparql", query_string={"query": RUNAWAY.format(n=1)})
        time.sleep(1.0)  # past the fast lane's half second: now in the heavy lane
        for n in range(1, 6):
            started = time.monotonic()
            assert client.get("/sparql", query_string={"query": CHEAP.format(n=n)}).status_code == 200
            assert time.monotonic() - started < 1.0
        repeat = client.get("/sparql", query_string={"query": RUNAWAY.format(n=2)})  # a new comment: the same query, known heavy
        assert repeat.status_code == 503 and int(repeat.headers["Retry-After"]) >= 1
        assert "busy" in repeat.get_data(as_text=True)
        assert runaway.result().status_code == 503  # stopped at the time limit
    lanes = narrow_app.extensions["gaoxin_executor"].lanes()
    assert [task.sparql for task in lanes.known_heavy] == [" ".join(RUNAWAY.split("#")[0].split()).replace("{{", "{").replace("}}", "}")]


def test_a_full_queue_answers_503_at_once(narrow_app: Flask) -> None:
    client = narrow_app.test_client()
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(client.get, "/sparql", query_string={"query": RUNAWAY.format(n=n) + f" {n}"}) for n in range(4)]
        time.sleep(0.1)
        started = time.monotonic()
        busy = client.get("/sparql", query_string={"query": CHEAP.format(n=1)})
        assert busy.status_code == 503 and time.monotonic() - started < 1.0 and "Retry-After" in busy.headers
        statuses = sorted(f.result().status_code for f in futures)
    assert statuses.count(503) >= 2  # at most one ran and one waited in each lane


def test_over_http_static_cached_and_cheap_answer_while_runaways_run(built_store: Path) -> None:
    with serving(built_store, "--server", "granian", "--timeout", "8") as base:
        requests.get(base + "/", timeout=10)
        stop = threading.Event()

        def runaway(n: int) -> None:
            while not stop.is_set():
                try:
                    response = requests.get(base + "/sparql", params={"query": RUNAWAY.format(n=n)}, timeout=30)
                except requests.RequestException:
                    continue
                if response.status_code == 503:
                    stop.wait(0.5)

        def drip() -> None:
            with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=30) as sock:
                sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 1000\r\n\r\n")
                while not stop.wait(1.0):
                    sock.sendall(b" ")

        threads = [threading.Thread(target=runaway, args=(n,), daemon=True) for n in range(8)]
        threads += [threading.Thread(target=drip, daemon=True) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(2.5)
        times: dict[str, list[float]] = {"static": [], "cached": [], "cheap": []}
        try:
            for n in range(40):
                for kind, url in (("static", base + "/static/site.css"), ("cached", base + "/"),
                                  ("cheap", base + "/sparql?query=" + requests.utils.quote(CHEAP.format(n=n)))):
                    started = time.monotonic()
                    assert requests.get(url, timeout=10).status_code == 200, kind
                    times[kind].append(time.monotonic() - started)
        finally:
            stop.set()
        for kind, values in times.items():
            assert sorted(values)[-2] < 0.5, (kind, sorted(values)[-5:])  # all but the slowest under half a second


def test_under_gunicorn_a_dripping_body_is_cut_off_after_the_read_timeout(built_store: Path) -> None:
    with serving(built_store, "--server", "gunicorn", "--workers", "1", "--threads", "2") as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 1000\r\n\r\nASK")
            started, answer = time.monotonic(), None
            sock.settimeout(1.0)
            while time.monotonic() - started < 20 and answer is None:
                try:
                    sock.sendall(b" ")
                    answer = sock.recv(200) or b"closed"
                except TimeoutError:
                    continue
                except OSError:
                    answer = b"closed"
        assert answer is not None
        assert answer.startswith((b"HTTP/1.1 400", b"closed")), answer
        assert 8 <= time.monotonic() - started < 15  # BODY_READ_TIMEOUT, 10 s
        assert requests.get(base + "/static/site.css", timeout=10).status_code == 200


def cpu_seconds_and_nice(pid: int) -> tuple[float, int]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[16])


def test_under_gunicorn_a_client_that_disconnects_stops_its_query(built_store: Path) -> None:
    from tests.server.test_sparql_live import query_processes

    with serving(built_store, "--server", "gunicorn", "--workers", "1", "--threads", "4", "--timeout", "20") as base:
        deadline = time.monotonic() + 30
        while len(query_processes(base)) < 3 and time.monotonic() < deadline:  # 2 fast + 1 heavy
            time.sleep(0.3)
        before = query_processes(base)
        heavy = next(pid for pid in before if cpu_seconds_and_nice(pid)[1] == 10)
        path = "/sparql?query=" + requests.utils.quote(RUNAWAY.format(n=7))
        with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=10) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            time.sleep(0.7)  # running in the fast lane (2 s)
        time.sleep(3.0)  # past the fast lane's limit: had the query gone on, the heavy lane would be running it now
        after = query_processes(base)
        assert len(before - after) == 1 and len(after) == 3  # the fast-lane process that ran it was killed and replaced
        assert cpu_seconds_and_nice(heavy)[0] < 0.5  # the query never reached the heavy lane
