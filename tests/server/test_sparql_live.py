"""The endpoint over real HTTP (gunicorn, QUERY_TIMEOUT 5 s): the time limit really stops a query, SERVICE never connects, 413, CORS."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import requests

from bench.endpoint import process_ticks
from tests.server.test_sparql import listener  # noqa: F401  # the fixture, shared

ELI = "PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"
LOOKUP = ELI + 'SELECT ?document WHERE { ?document eli:id_local "云政发〔2020〕36号" }'
RUNAWAY = 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i)), "^z{40}$")) }'


def processes() -> dict[int, tuple[int, str]]:
    """Map every process id to its parent id and command line, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            found[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), command)
    return found


def query_processes(base_url: str) -> set[int]:
    """Return the query processes of the server listening on base_url's port (children of its workers' fork servers)."""
    table = processes()
    port = base_url.rsplit(":", 1)[1]
    roots = {pid for pid, (_, command) in table.items() if "gaoxin_kg.cli serve" in command and f"--port {port} " in command + " "}
    tree, added = set(roots), True
    while added:
        children = {pid for pid, (parent, _) in table.items() if parent in tree} - tree
        tree |= children
        added = bool(children)
    return {pid for pid in tree if "multiprocessing.forkserver" in table[table[pid][0]][1]}  # forked by the fork server


def test_a_runaway_query_gets_503_at_the_limit_its_process_dies_and_others_are_served(live_server: str) -> None:
    requests.get(live_server + "/sparql", params={"query": LOOKUP}, timeout=30)
    deadline = time.monotonic() + 30  # a point lookup is answered in the worker: the query processes start in the background
    while len(before := query_processes(live_server)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(before) >= 2
    ticks = {pid: process_ticks(pid) for pid in before}
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        response = requests.post(live_server + "/sparql", data={"query": RUNAWAY}, timeout=60)
        outcome.update(status=response.status_code, text=response.text, seconds=time.monotonic() - started)

    thread = threading.Thread(target=runaway)
    thread.start()
    latencies, busy, since = [], None, time.monotonic()
    while thread.is_alive():
        started = time.monotonic()
        response = requests.get(live_server + "/sparql", params={"query": LOOKUP}, timeout=30)
        latencies.append(time.monotonic() - started)
        assert response.status_code == 200 and "yunzhengfa-2020-36" in response.text
        if busy is None and time.monotonic() - since > 2.5:  # the runaway's process has burnt CPU by now
            busy = max(before, key=lambda pid: process_ticks(pid) - ticks[pid])
        time.sleep(0.05)
    thread.join()
    assert outcome["status"] == 503 and "exceeded the 5 s time limit" in str(outcome["text"])
    assert 5.0 <= float(outcome["seconds"]) < 9.0  # type: ignore[arg-type]
    assert len(latencies) >= 10 and max(latencies) < 2.0
    assert busy is not None and not Path(f"/proc/{busy}").exists()  # killed and reaped: its CPU is free
    assert len(query_processes(live_server)) >= len(before)  # and replaced (the other worker may have started its own meanwhile)


def test_service_over_http_is_400_and_connects_nowhere(live_server: str, listener: tuple[str, list[int]]) -> None:  # noqa: F811
    url, connections = listener
    for query in (f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", f"PREFIX e: <{url}#>\nASK {{ SERVICEe:x {{}} }}"):
        response = requests.post(live_server + "/sparql", data={"query": query}, timeout=30)
        assert response.status_code == 400 and "SERVICE clause" in response.text
    time.sleep(0.3)
    assert connections == []


def test_bodies_beyond_the_limit_are_413_over_http(live_server: str) -> None:
    body = b"ASK {}" + b" " * 1_100_000
    response = requests.post(live_server + "/sparql", data=body, headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 413


def test_cors_preflight_over_http(live_server: str) -> None:
    headers = {"Origin": "https://example.org", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type"}
    response = requests.options(live_server + "/sparql", headers=headers, timeout=30)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*" and "POST" in response.headers["Access-Control-Allow-Methods"]
