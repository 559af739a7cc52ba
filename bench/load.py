"""Measure whether slow queries starve the server: p99 of cheap requests while runaway queries run.

    .venv/bin/python bench/load.py [--store var/store] [--runaways 16] [--addresses 16] [--duration 20] [--drips 8] [--server granian]

Serves the store (default: the seed graph built into a temporary folder) with
`gaoxin-kg serve` on a free loopback port, starts `--runaways` clients that each send a
runaway query again and again (a three-way cross product; a new comment each time,
so that only the server's normalisation recognises the repeat; after a 503 or 429 a client
waits half a second) and `--drips` clients that send a POST body one byte a second,
waits `--warmup` seconds, then for `--duration` seconds measures, one request after
another, a static file, a cached page (the home page, warmed first) and a new cheap
query (an ASK never sent before). The runaway clients come from `--addresses` loopback
addresses (127.0.0.2, 127.0.0.3, ...; default one each, so the per-client limit does not
spare the server), the dripping ones from 127.0.0.250, the measuring one from 127.0.0.1.
Prints p50/p99/max of each kind, the answers the runaway and dripping clients got, and the
peak RSS of the query processes (per process and summed, sampled every 0.2 s), with the
load average before and after. Loopback only, bounded in clients and time.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import itertools
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }} # {n}"
CHEAP = "ASK {{ <urn:gaoxin-bench:{n}> ?p ?o }}"


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a built store link (default: build the seed graph into a temporary folder)")
    parser.add_argument("--runaways", type=int, default=16, help="clients sending runaway queries (default 16)")
    parser.add_argument("--addresses", type=int, default=None, help="loopback addresses the runaway clients come from (default: one each)")
    parser.add_argument("--drips", type=int, default=8, help="clients dripping a POST body one byte a second (default 8)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of measurement (default 20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds between starting the runaways and measuring (default 3)")
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument("--timeout", type=float, default=30.0, help="the server's query time limit (default 30)")
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 60.0,
            source: str = "127.0.0.1") -> tuple[int, bytes, dict]:
    """Send one request on a new connection from a loopback source address and return status, body and headers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


def sparql_path(query: str) -> str:
    from urllib.parse import quote

    return "/sparql?query=" + quote(query)


class Load:
    """The runaway and dripping clients, stopped together."""

    def __init__(self, port: int) -> None:
        self.port, self.stop, self.outcomes = port, threading.Event(), collections.Counter()
        self.counter = itertools.count()
        self.threads: list[threading.Thread] = []

    def start(self, runaways: int, drips: int, addresses: int) -> None:
        for n in range(runaways):
            self.threads.append(threading.Thread(target=self.runaway, args=(f"127.0.0.{2 + n % addresses}",), daemon=True))
        for _ in range(drips):
            self.threads.append(threading.Thread(target=self.drip, daemon=True))
        for thread in self.threads:
            thread.start()

    def runaway(self, source: str) -> None:
        while not self.stop.is_set():
            try:
                status, _, _ = request(self.port, "GET", sparql_path(RUNAWAY.format(n=next(self.counter))), timeout=120, source=source)
            except OSError as error:
                status = type(error).__name__
            self.outcomes[status] += 1
            if status in (429, 503):
                self.stop.wait(0.5)

    def drip(self) -> None:
        while not self.stop.is_set():
            with socket.create_connection(("127.0.0.1", self.port), timeout=120, source_address=("127.0.0.250", 0)) as sock:
                sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 100000\r\n\r\n")
                try:
                    while not self.stop.wait(1.0):
                        sock.sendall(b" ")
                except OSError:
                    self.outcomes["drip closed by server"] += 1

    def end(self) -> None:
        self.stop.set()


def query_process_rss(server: subprocess.Popen) -> dict[int, int]:
    """Return the RSS in kB of every query process (a process named like the fork server's children) under the server."""
    family, frontier = set(), {server.pid}
    while frontier:
        family |= frontier
        frontier = {int(p) for pid in frontier for p in children(pid)} - family
    sizes = {}
    for pid in family:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            parent = int(status.split("PPid:")[1].split()[0])
            if b"forkserver" in Path(f"/proc/{parent}/cmdline").read_bytes() and "VmRSS:" in status:
                sizes[pid] = int(status.split("VmRSS:")[1].split()[0])
        except (OSError, IndexError, ValueError):
            continue
    return sizes


def children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def measure(port: int, seconds: float) -> dict[str, list[float]]:
    """Send a static, a cached and a new cheap request in turn for `seconds`; return the latencies by kind."""
    times: dict[str, list[float]] = collections.defaultdict(list)
    failures: collections.Counter = collections.Counter()
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        n += 1
        for kind, path in (("static", "/static/site.css"), ("cached page", "/"), ("new cheap query", sparql_path(CHEAP.format(n=n)))):
            start = time.perf_counter()
            status, _, _ = request(port, "GET", path, headers={"Accept": "application/sparql-results+json"} if "sparql" in path else {})
            times[kind].append(time.perf_counter() - start)
            if status != 200:
                failures[(kind, status)] += 1
    times["failures"] = [float(sum(failures.values()))]
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with tempfile.TemporaryDirectory() as folder:
        store = args.store or build(Path(folder))
        port = free_port()
        command = [sys.executable, "-m", "gaoxin_kg.cli", "serve", "--store", str(store), "--port", str(port),
                   "--server", args.server, "--timeout", str(args.timeout)]
        print("machine:", os.cpu_count(), "cores;", "command:", shlex.join(["bench/load.py", *(argv or sys.argv[1:])]))
        print("load average at start:", " ".join(Path("/proc/loadavg").read_text().split()[:3]))
        with open(Path(folder) / "server.log", "w") as log:
            server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
            try:
                return run(args, port, server)
            finally:
                server.terminate()
                server.wait(30)


def build(folder: Path) -> Path:
    store = folder / "store"
    subprocess.run([sys.executable, "-m", "gaoxin_kg.cli", "build", "--store", str(store)], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    return store


def run(args: argparse.Namespace, port: int, server: subprocess.Popen) -> int:
    wait_up(port)
    for _ in range(3):
        request(port, "GET", "/")  # warm the response cache
    peak_each, peak_total, sampling = [0], [0], threading.Event()

    def sample() -> None:
        while not sampling.wait(0.2):
            sizes = query_process_rss(server)
            peak_each[0] = max([peak_each[0], *sizes.values()])
            peak_total[0] = max(peak_total[0], sum(sizes.values()))

    threading.Thread(target=sample, daemon=True).start()
    load = Load(port)
    load.start(args.runaways, args.drips, min(248, args.addresses or args.runaways))
    time.sleep(args.warmup)
    times = measure(port, args.duration)
    load.end()
    sampling.set()
    for kind in ("static", "cached page", "new cheap query"):
        values = times[kind]
        print(f"  {kind:<16} {len(values):>5} requests  p50 {percentile(values, .5) * 1000:7.1f} ms  p99 {percentile(values, .99) * 1000:7.1f} ms"
              f"  max {max(values) * 1000:7.1f} ms")
    print(f"  measured requests that failed: {times['failures'][0]:.0f}")
    print(f"  runaway and drip outcomes: {dict(load.outcomes)}")
    print("  load average at the end:", " ".join(Path("/proc/loadavg").read_text().split()[:3]))
    print(f"  query processes: peak RSS {peak_each[0] / 1024:.0f} MB per process, {peak_total[0] / 1024:.0f} MB summed")
    return 0


def wait_up(port: int, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/static/site.css", timeout=5)[0] == 200:
                time.sleep(2.0)  # let the query processes start
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("the server did not come up")


if __name__ == "__main__":
    sys.exit(main())
