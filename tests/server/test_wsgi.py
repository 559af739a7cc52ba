"""The production servers' worker start-up: what each worker holds is frozen out of the garbage collector, and it gets one query process per thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bench.endpoint import descendants
from tests.server.conftest import ROOT, free_port, wait_until_up

# A granian worker's start-up in a fresh interpreter (freezing in the test process itself would keep its garbage forever).
WORKER_START = """
import gc, json
from server.wsgi import app_from_environment
app = app_from_environment()
frozen = gc.get_freeze_count()
class Cycle:
    pass
cycle = Cycle(); cycle.me = cycle; del cycle
print(json.dumps({"frozen": frozen, "collected": gc.collect(), "blueprints": sorted(app.blueprints)}))
"""


def test_a_worker_freezes_what_it_holds_after_start_up_and_still_collects_new_garbage(built_store: Path) -> None:
    environment = {**os.environ, "GAOXIN_SERVER_CONFIG": json.dumps({"STORE": str(built_store), "TESTING": True})}
    done = subprocess.run([sys.executable, "-c", WORKER_START], capture_output=True, text=True, cwd=ROOT, env=environment, timeout=120, check=True)
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["frozen"] > 10_000  # the modules, the app and its configuration: never walked by a collection again
    assert report["collected"] >= 1  # a cycle made after start-up is still found and freed
    assert "sparql" in report["blueprints"]


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone meanwhile
        return b""


def query_processes(server: int) -> list[int]:
    """Count the query processes of each worker of a server: the processes forked by the worker's fork server."""
    family = descendants(server)
    fork_servers = {pid for pid, _ in family if b"multiprocessing.forkserver" in command_line(pid)}
    parents = {pid: int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) for pid in fork_servers}
    workers = {worker for pid, worker in family if pid in fork_servers and parents[pid] not in fork_servers}
    return sorted(sum(1 for pid, w in family if w == worker and parents.get(pid) in fork_servers) for worker in workers)


def test_serve_gives_each_worker_its_fast_and_heavy_query_processes(built_store: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "gaoxin_kg.cli", "serve", "--store", str(built_store), "--port", str(port), "--workers", "1", "--threads", "8",
               "--query-processes", "2", "--heavy-queries", "2"]
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/static/site.css", process, log)
            deadline = time.monotonic() + 60  # the processes start beside the worker's own start-up
            while query_processes(process.pid) != [4] and time.monotonic() < deadline:
                time.sleep(0.5)
            assert query_processes(process.pid) == [4]  # 2 fast + 2 heavy; no other query process (SERVICE calls are made by the server)
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_granian_runs_the_bridge_on_uvloops_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    import granian
    from granian._loops import loops

    from server import wsgi

    asked: dict[str, object] = {}

    class Recorder:
        def __init__(self, target: str, **settings: object) -> None:
            asked.update(settings, target=target)

        def serve(self) -> None:
            asked["served"] = True

    monkeypatch.setattr(granian, "Granian", Recorder)
    monkeypatch.setattr(os, "environ", dict(os.environ))  # run_granian puts the configuration in the environment
    wsgi.run_granian({"STORE": "var/store"}, "127.0.0.1", 8000, workers=1, threads=4)
    assert asked["loop"] == "uvloop" and asked["served"] is True
    assert "uvloop" in loops  # installed: granian builds it, where it would otherwise stop the worker with "not available"
