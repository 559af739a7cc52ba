"""Load-test /sparql with a point lookup: start `gaoxin-kg serve` on a free loopback port, hammer it for a fixed time, print req/s and p50/p99.

    .venv/bin/python bench/endpoint_load.py [STORE] [--duration 10] [--connections 4] [--client auto|wrk|python]

Bounded on purpose: loopback only, a fixed duration and a fixed number of
connections. Uses wrk (Debian package `wrk`) when it is installed, else a Python
thread-pool client (which measures less: the client shares the CPU and the GIL).
The output states the machine and the command line, so figures can be compared.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parent.parent
FIND_NUMBER = 'PREFIX eli: <http://data.europa.eu/eli/ontology#> SELECT ?n WHERE { ?d eli:id_local ?n } LIMIT 1'
LOOKUP = 'PREFIX eli: <http://data.europa.eu/eli/ontology#> SELECT ?document WHERE {{ ?document eli:id_local "{number}" }}'


@dataclass(frozen=True)
class Figures:
    """What one load run measured."""

    client: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", nargs="?", type=Path, default=ROOT / "var" / "store", help="a built store (default var/store)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load (default 10)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    return parser.parse_args(argv)


def machine() -> str:
    """Describe the machine: cores, CPU model, Python."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    return f"machine: nproc={os.cpu_count()}, cpu={model}, python={platform.python_version()}, {platform.system()} {platform.release()}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(options: argparse.Namespace, port: int) -> subprocess.Popen:
    """Start `gaoxin-kg serve` on 127.0.0.1:port and wait until it answers queries."""
    command = [sys.executable, "-m", "graph_build.cli", "serve", "--store", str(options.store), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(options.workers), "--threads", str(options.threads)]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited: {server.stderr.read() if server.stderr else ''}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=5).ok:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("the server did not come up in 60 s")


def lookup_url(base: str) -> str:
    """Build the point-lookup URL: the document with one 文号 taken from the graph."""
    rows = requests.get(base + "/sparql", params={"query": FIND_NUMBER}, timeout=30).json()["results"]["bindings"]
    number = rows[0]["n"]["value"] if rows else "云政发〔2020〕36号"
    return base + "/sparql?" + urlencode({"query": LOOKUP.format(number=number)})


def run_wrk(url: str, options: argparse.Namespace) -> Figures:
    """Load with wrk and read its summary and latency distribution."""
    threads = min(options.connections, os.cpu_count() or 1)
    command = ["wrk", "--latency", f"-t{threads}", f"-c{options.connections}", f"-d{options.duration:g}s", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    seconds = float(done.group(2)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[done.group(3)]  # type: ignore[union-attr]
    return Figures("wrk", int(done.group(1)), int(errors.group(1)) if errors else 0, seconds, wrk_ms(output, "50%"), wrk_ms(output, "99%"))  # type: ignore[union-attr]


def wrk_ms(output: str, percentile: str) -> float:
    """Read one latency percentile of wrk's --latency output, in milliseconds."""
    value, unit = re.search(rf"^\s*{percentile}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_python(url: str, options: argparse.Namespace) -> Figures:
    """Load with one thread and one kept-alive connection per connection asked for."""
    deadline = time.monotonic() + options.duration
    started = time.monotonic()
    with ThreadPoolExecutor(options.connections) as pool:
        results = list(pool.map(lambda _: hammer(url, deadline), range(options.connections)))
    seconds = time.monotonic() - started
    latencies = sorted(ms for times, _ in results for ms in times)
    cuts = statistics.quantiles(latencies, n=100)
    return Figures("python thread pool", len(latencies), sum(errors for _, errors in results), seconds, cuts[49], cuts[98])


def hammer(url: str, deadline: float) -> tuple[list[float], int]:
    """Send requests one after another until the deadline; return latencies (ms) and the error count."""
    session, times, errors = requests.Session(), [], 0
    while time.monotonic() < deadline:
        started = time.perf_counter()
        response = session.get(url, timeout=30)
        times.append((time.perf_counter() - started) * 1000)
        errors += response.status_code != 200
    return times, errors


def targets(base: str) -> list[tuple[str, str]]:
    """Name the URLs under load: a SPARQL point lookup and one canned-query page."""
    return [("GET /sparql point lookup", lookup_url(base)), ("GET /queries/national-key-lab-funding (canned page)", base + "/queries/national-key-lab-funding")]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark on each target and print its figures."""
    options = arguments(argv)
    use_wrk = options.client == "wrk" or (options.client == "auto" and shutil.which("wrk") is not None)
    port = free_port()
    server = start_server(options, port)
    results = []
    try:
        for label, url in targets(f"http://127.0.0.1:{port}"):
            for _ in range(20):
                requests.get(url, timeout=30)  # warm every worker and query process
            results.append((label, run_wrk(url, options) if use_wrk else run_python(url, options)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(machine())
    print(f"server: gaoxin-kg serve --workers {options.workers} --threads {options.threads} (store {options.store.resolve()})")
    for label, figures in results:
        print(f"load: {figures.client}, {options.connections} connections, {options.duration:g} s, {label}")
        print(f"  result: {figures.per_second:.0f} req/s, p50 {figures.p50_ms:.2f} ms, p99 {figures.p99_ms:.2f} ms", end="")
        print(f" ({figures.requests} requests, {figures.errors} errors)")
    return 1 if any(figures.errors for _, figures in results) else 0


if __name__ == "__main__":
    sys.exit(main())
