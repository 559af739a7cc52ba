"""Load the project's server, `oxigraph serve-read-only` and a bare Flask endpoint side by side with the same SPARQL over HTTP.

    .venv/bin/python bench/endpoint.py [STORE] [--scale N] [--duration 10] [--connections 4] [--workers 2] [--threads 4]
                                       [--server granian|gunicorn] [--queries point,aggregate,regex,page] [--variants repeated,unique]
                                       [--servers product,oxigraph,bare] [--rounds 1] [--warmup 0] [--pin]

On one store, in one run: (a) `gaoxin-kg serve` (the product: checks, time limit, access log, caches),
(b) `oxigraph serve-read-only --union-default-graph` on the store's version directory (read-only
opens share it safely), (c) bench/bare_endpoint.py under the same HTTP server (granian, or gunicorn with --server gunicorn)
with the same workers and threads, so product/bare is the cost of the product's checks alone.
wrk sends each query for a fixed time on loopback: "repeated" sends the same request every time (the
product answers from its cache), "unique" makes every request different (wrk Lua appends a distinct
LIMIT that does not change the answer; the canned page varies an ignored `_n=` parameter, so only its
response cache misses). Each run is loaded (N connections) and unloaded (1 connection). Prints req/s,
p50, p99, the ratios product/oxigraph and product/bare against the targets of issue 5, the product's
per-worker RSS under load, the machine and the command line. `--scale N` first builds a corpus of N
documents with bench/corpus.py (skipped with a note when that script is absent). `--rounds N` starts and
loads every server N times in turn (product, oxigraph, bare, product, ...) and reports, for each figure,
the round with the median req/s, with the load average at the start of each round and the product/bare
ratio of each round: on a machine shared with others, contention shifts between two runs, and
alternating the servers spreads it over both sides of the ratio. Every run of a unique variant sends numbers
of its own, so the 1-connection run never repeats the loaded run's requests (the product's response cache would
answer them). `--warmup S` loads each server for S seconds with unique requests of their own before the
measured run: a server that has just started runs slower for its first seconds (the product filling its caches).

Every loaded figure comes with the server's CPU per request: the CPU time of the server process and
everything below it (workers, query processes) over the run, from /proc, divided by the requests
wrk counted. On two cores the req/s of one run also depends on how granian hands wrk's connections
to its workers (one worker was seen with all four connections and the other idle: the bare endpoint
then gave 3,038 req/s instead of ~7,000). `--pin` takes that out: every server runs on CPU 1 and wrk
on CPU 0 with one thread, so with `--workers 1` the ratio compares the servers' cost per request on
one core (docs/performance.md, "One core, pinned").
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, urlencode

import requests
from pyoxigraph import Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_mix import wait_until_up  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")  # clock ticks per second in /proc/PID/stat
JSON = "application/sparql-results+json"
FIND_NUMBER = "PREFIX eli: <http://data.europa.eu/eli/ontology#> SELECT ?n WHERE { ?d eli:id_local ?n } ORDER BY ?n LIMIT 1"
LOOKUP = 'PREFIX eli: <http://data.europa.eu/eli/ontology#>\nSELECT ?document WHERE {{ ?document eli:id_local "{number}" }}'
REGEX = 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(isLiteral(?o) && REGEX(STR(?o), "重点实验室.*万元")) }'
AGGREGATE, PAGE = "amounts-by-province", "national-key-lab-funding"  # incentive totals by province; a canned page
UNIQUE_STARTS = (100_000_000, 1_000_000_000)  # the first number of the loaded run and of the 1-connection run (unique_script)
WARMUP_START = 1_900_000_000  # ... and of the warm-up (--warmup)
PINNED_SERVER, PINNED_WRK = "1", "0"  # --pin: the CPUs of the servers and of wrk
TARGETS = {"repeated": ("oxigraph", 2.0), "unique": ("bare", 0.8), "unique heavy": ("oxigraph", 0.9)}  # issue 5


@dataclass(frozen=True)
class Server:
    """A running server under test."""

    name: str
    base: str
    sparql_path: str
    process: subprocess.Popen


@dataclass(frozen=True)
class Figures:
    """What one wrk run measured."""

    requests: int
    errors: int
    per_second: float
    p50_ms: float
    p99_ms: float
    cpu_us: float = float("nan")  # the server's CPU (all its processes) per request, loaded runs only


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", nargs="?", type=Path, default=None, help="a built store link (default var/store, built from data/ if missing)")
    parser.add_argument("--scale", type=int, default=None, help="build a bench corpus of N documents first (bench/corpus.py)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of loaded wrk per run (unloaded: half; default 10)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections under load (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of the product and the bare endpoint (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian", help="HTTP server of the product and the bare endpoint")
    parser.add_argument("--queries", default="point,aggregate,regex,page", help="which queries, comma-separated")
    parser.add_argument("--variants", default="repeated,unique", help="repeated, unique or both")
    parser.add_argument("--servers", default="product,oxigraph,bare", help="which servers, comma-separated")
    parser.add_argument("--rounds", type=int, default=1, help="load every server this many times in turn; report the median (default 1)")
    parser.add_argument("--warmup", type=float, default=0.0,
                        help="seconds of load (unique requests of their own) each server gets before a unique run is measured (default 0)")
    parser.add_argument("--pin", action="store_true", help="servers on CPU 1, wrk on CPU 0 with one thread (use with --workers 1)")
    return parser.parse_args(argv)


def machine() -> str:
    """Describe the machine: cores, CPU model, load, Python."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    system = f"{platform.system()} {platform.release()}"
    return f"machine: nproc={os.cpu_count()}, cpu={model}, load average {load} at start, python={platform.python_version()}, {system}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the store ------------------------------------------------------------------------------


def prepare_store(options: argparse.Namespace) -> Path:
    """Return the store link to bench: given, built at --scale, or the seed build in var/store."""
    if options.scale is not None:
        return scale_store(options.scale)
    store = options.store or ROOT / "var" / "store"
    if not store.exists():
        build(ROOT / "data", store)
    return store


def scale_store(documents: int) -> Path:
    """Build (once) a store of a bench corpus of N documents, or fall back to the seed store."""
    corpus = ROOT / "bench" / "corpus.py"
    if not corpus.exists():
        print(f"note: {corpus.relative_to(ROOT)} is absent, so --scale {documents} is skipped; using the seed store", flush=True)
        return prepare_store(argparse.Namespace(scale=None, store=None))
    folder = ROOT / "var" / "bench" / f"scale-{documents}"
    if not (folder / "store").exists():
        subprocess.run([sys.executable, str(corpus), str(documents), str(folder)], check=True)
        build(folder, folder / "store")
    return folder / "store"


def build(data: Path, store: Path) -> None:
    print(f"building {store} from {data} ...", flush=True)
    command = [sys.executable, "-m", "gaoxin_kg.cli", "build", "--data", str(data), "--store", str(store)]
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def queries(version: Path) -> dict[str, tuple[str, str]]:
    """Name each query: (SPARQL for every server, the product's own path for it or "")."""
    sys.path.insert(0, str(ROOT))
    from graph_build import canned

    found = list(Store.read_only(str(version)).query(FIND_NUMBER, use_default_graph_as_union=True))  # type: ignore[arg-type]
    number = found[0]["n"].value if found else "云政发〔2020〕36号"
    catalogue = canned.load_all()
    return {
        "point": (LOOKUP.format(number=number), ""),
        "aggregate": (canned.body(catalogue[AGGREGATE]), ""),
        "regex": (REGEX, ""),
        "page": (canned.body(catalogue[PAGE]), f"/queries/{PAGE}"),
    }


# -- the servers ----------------------------------------------------------------------------


@contextmanager
def started(name: str, command: list[str], base: str, sparql_path: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Start a server with its output in a file, wait until it answers a query, and stop it afterwards."""
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        try:
            wait_until_up(base + sparql_path, process, log)
            yield Server(name, base, sparql_path, process)
        finally:
            process.terminate()
            process.wait(timeout=30)


def servers(store: Path, options: argparse.Namespace) -> dict[str, tuple[list[str], str, dict[str, str]]]:
    """Say how to start each server: command line, SPARQL path, environment."""
    version = store.resolve()
    shape = ["--workers", str(options.workers), "--threads", str(options.threads)]
    product = [sys.executable, "-m", "gaoxin_kg.cli", "serve", "--store", str(store), "--host", "127.0.0.1", "--port", "{port}", *shape]
    oxigraph = [str(VENV_BIN / "oxigraph"), "serve-read-only", "-l", str(version), "-b", "127.0.0.1:{port}", "--union-default-graph"]
    product += ["--server", options.server, "--client-queries", "0"]  # wrk's connections share one address
    bare = [str(VENV_BIN / "gunicorn"), "--no-control-socket", "--chdir", str(ROOT / "bench"), "-k", "gthread", "-b", "127.0.0.1:{port}",
            "-w", str(options.workers), "--threads", str(options.threads), "bare_endpoint:app"]
    if options.server == "granian":
        bare = [str(VENV_BIN / "granian"), "--interface", "wsgi", "--working-dir", str(ROOT / "bench"), "--host", "127.0.0.1", "--port", "{port}",
                "--workers", str(options.workers), "--blocking-threads", str(options.threads), "--no-ws", "bare_endpoint:app"]
    pin = ["taskset", "-c", PINNED_SERVER] if options.pin else []
    return {"product": ([*pin, *product], "/sparql", {}), "oxigraph": ([*pin, *oxigraph], "/query", {}),
            "bare": ([*pin, *bare], "/sparql", {"STORE": str(version)})}


# -- the load -------------------------------------------------------------------------------


def target_path(server: Server, sparql: str, own_path: str) -> str:
    """Return the request path of a query on a server: the product's own page when it has one, else its SPARQL."""
    if own_path and server.name == "product":
        return own_path
    return server.sparql_path + "?" + urlencode({"query": sparql}, quote_via=quote)


def unique_script(path: str, folder: Path, start: int) -> Path:
    """Write a wrk Lua script that makes every request differ: a distinct LIMIT (or ignored _n=) per request and thread.

    Numbers start at `start`: each wrk run of a server gets its own, so no run sends a request an earlier one sent
    (the product's response cache would answer it).
    """
    suffix = "%0ALIMIT%20" if "?query=" in path else "?_n="
    script = folder / f"unique-{abs(hash(path))}-{start}.lua"
    script.write_text(f"""local threads = 0
function setup(thread) thread:set("id", threads); threads = threads + 1 end
function init(args) counter = 0 end
function request()
  counter = counter + 1
  return wrk.format(nil, [[{path}{suffix}]] .. ({start} + counter * 64 + id))
end
""")
    return script


def run_wrk(url: str, accept: str, connections: int, seconds: float, script: Path | None, pin: bool = False) -> Figures:
    """Load a URL with wrk and read its summary and latency distribution."""
    threads = 1 if pin else min(connections, os.cpu_count() or 1)
    command = ["taskset", "-c", PINNED_WRK] if pin else []
    command += ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "120s", "-H", f"Accept: {accept}"]
    command += ["-s", str(script)] if script else []
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|Socket errors: .*timeout): (\d+)", output))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    return Figures(int(done.group(1)), errors, float(rate.group(1)), wrk_ms(output, "50%"), wrk_ms(output, "99%"))  # type: ignore[union-attr]


def wrk_ms(output: str, percentile: str) -> float:
    """Read one latency percentile of wrk's --latency output, in milliseconds (nan when no request finished)."""
    match = re.search(rf"^\s*{percentile}\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if match is None:
        return float("nan")
    return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[match.group(2)]


class RssWatch:
    """Sample the resident memory of a server's workers and their query processes under load; keep each one's peak."""

    def __init__(self, root: int) -> None:
        self.root, self.stop = root, threading.Event()
        self.peak: dict[int, tuple[int, float]] = {}  # pid → (its worker's pid, peak MB)
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def __enter__(self) -> RssWatch:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()

    def sample(self) -> None:
        while not self.stop.wait(0.25):
            for pid, worker in descendants(self.root):
                self.peak[pid] = (worker, max(rss_mb(pid), self.peak.get(pid, (worker, 0.0))[1]))

    def lines(self) -> list[str]:
        """Describe each worker's peak RSS, alone and with the query processes (and fork server) below it."""
        workers = sorted(pid for pid, (worker, _) in self.peak.items() if pid == worker)
        lines = []
        for worker in workers:
            below = [mb for pid, (owner, mb) in self.peak.items() if owner == worker and pid != worker]
            lines.append(f"product RSS under load: worker {worker} peak {self.peak[worker][1]:.0f} MB; "
                         f"its {len(below)} helpers (query processes, fork server, resource tracker) {' + '.join(f'{mb:.0f}' for mb in below) or '0'} MB")
        return lines


def descendants(root: int) -> list[tuple[int, int]]:
    """List the processes below `root` as (pid, pid of the worker it belongs to); a worker belongs to itself."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found: list[tuple[int, int]] = []
    frontier = [child for child, parent in parents.items() if parent == root]
    for worker in frontier:
        family = [worker]
        while family:
            pid = family.pop()
            found.append((pid, worker))
            family += [child for child, parent in parents.items() if parent == pid]
    return found


def process_ticks(pid: int) -> int:
    """Return the CPU time (user and system, in clock ticks) a process has used; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0  # gone since it was listed (a query process that was replaced)
    return int(fields[11]) + int(fields[12])


def cpu_ticks(root: int) -> int:
    """Add up the CPU time (in clock ticks) of `root` and every process below it."""
    return sum(process_ticks(pid) for pid in [root, *(pid for pid, _ in descendants(root))])


def rss_mb(pid: int) -> float:
    try:
        line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0.0
    return int(line.split()[1]) / 1024


# -- the report -----------------------------------------------------------------------------


def measure(server: Server, jobs: list[tuple[str, str, str, str]], options: argparse.Namespace, folder: Path) -> dict[tuple[str, str, str], Figures]:
    """Run every (query, variant) on one server, loaded and unloaded."""
    results = {}
    for query, variant, sparql, own in jobs:
        url = server.base + target_path(server, sparql, own)
        accept = "text/html" if own and server.name == "product" else JSON
        for _ in range(3 * options.workers):
            requests.get(url, headers={"Accept": accept}, timeout=300)  # warm workers and caches
        path = url.removeprefix(server.base)
        scripts = [unique_script(path, folder, start) if variant == "unique" else None for start in UNIQUE_STARTS]
        if options.warmup and variant == "unique":  # requests no measured run sends again
            run_wrk(url, accept, options.connections, options.warmup, unique_script(path, folder, WARMUP_START), options.pin)
        before = cpu_ticks(server.process.pid)
        loaded = run_wrk(url, accept, options.connections, options.duration, scripts[0], options.pin)
        used = cpu_ticks(server.process.pid) - before
        results[(query, variant, "loaded")] = replace(loaded, cpu_us=used / TICKS * 1e6 / max(loaded.requests, 1))
        results[(query, variant, "1 conn")] = run_wrk(url, accept, 1, options.duration / 2, scripts[1], options.pin)
        print(f"  {server.name:8} {query:9} {variant:8} {results[(query, variant, 'loaded')].per_second:10.0f} req/s", flush=True)
    return results


def target_of(query: str, variant: str) -> tuple[str, float]:
    if variant == "unique" and query in ("aggregate", "regex"):
        return TARGETS["unique heavy"]
    return TARGETS[variant]


def report(results: dict[str, dict[tuple[str, str, str], Figures]], keys: list[tuple[str, str, str]]) -> list[str]:
    """Lay the figures out as a table, one row per query, variant and load, with the ratios against the targets."""
    names = list(results)
    head = "| query | variant | load | " + " | ".join(f"{n} req/s | {n} p50 ms | {n} p99 ms | {n} CPU µs/req" for n in names)
    head += " | product/oxigraph | product/bare | target |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for query, variant, load in keys:
        figures = [results[name][(query, variant, load)] for name in names]
        cells = [f"{f.per_second:.0f} | {f.p50_ms:.2f} | {f.p99_ms:.2f}" + (f" ({f.errors} errors)" if f.errors else "")
                 + (" | –" if math.isnan(f.cpu_us) else f" | {f.cpu_us:.0f}") for f in figures]  # 1 conn: not measured
        ratios = [ratio(results, "product", other, (query, variant, load)) for other in ("oxigraph", "bare")]
        against, wanted = target_of(query, variant)
        got = ratio(results, "product", against, (query, variant, load))
        verdict = f"≥ {wanted:g}× {against}: " + ("n/a" if got == "n/a" else "met" if float(got[:-1]) >= wanted else "not met") if load != "1 conn" else ""
        lines.append(f"| {query} | {variant} | {load} | " + " | ".join(cells) + f" | {ratios[0]} | {ratios[1]} | {verdict} |")
    return lines


def ratio(results: dict[str, dict[tuple[str, str, str], Figures]], a: str, b: str, key: tuple[str, str, str]) -> str:
    if a not in results or b not in results or not results[b][key].per_second:
        return "n/a"
    return f"{results[a][key].per_second / results[b][key].per_second:.2f}×"


def main(argv: list[str] | None = None) -> int:
    """Start each server in turn, load it with every query, and print the table."""
    options = arguments(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian), or run `make bench`")
    missing = [name for name in ("oxigraph", options.server) if not (VENV_BIN / name).exists()]
    if missing:
        raise SystemExit(f"{', '.join(missing)} not found beside {sys.executable}: install the test extra (`pip install -e '.[test]'`, or `make install`)")
    if options.pin and (shutil.which("taskset") is None or not {0, 1} <= os.sched_getaffinity(0)):
        raise SystemExit("--pin needs taskset (util-linux) and CPUs 0 and 1: the servers run on CPU 1, wrk on CPU 0")
    store = prepare_store(options)
    chosen = queries(store.resolve())
    jobs = [(q, v, *chosen[q]) for q in options.queries.split(",") for v in options.variants.split(",")]
    rounds: list[dict[str, dict[tuple[str, str, str], Figures]]] = []
    loads: list[str] = []
    memory: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(max(1, options.rounds)):
            loads.append(" ".join(Path("/proc/loadavg").read_text().split()[:3]))
            rounds.append({})
            memory = run_round(store, jobs, options, Path(folder), rounds[-1]) or memory
    keys = [(q, v, load) for q, v, _, _ in jobs for load in ("loaded", "1 conn")]
    print(f"\ncommand: {shlex.join([sys.executable, *sys.argv])}")
    print(machine())
    print(f"store: {store.resolve()} ({len(Store.read_only(str(store.resolve())))} quads)")
    print(f"load: wrk, {options.connections} connections for {options.duration:g} s ('loaded'), 1 connection for {options.duration / 2:g} s ('1 conn')")
    if options.pin:
        print(f"pinned: servers on CPU {PINNED_SERVER}, wrk on CPU {PINNED_WRK} with one thread")
    shape = f"--workers {options.workers} --threads {options.threads}"
    print(f"servers: product = gaoxin-kg serve --server {options.server} {shape}; oxigraph = oxigraph serve-read-only; "
          f"bare = bench/bare_endpoint.py under {options.server}, same workers and threads")
    if len(rounds) > 1:
        print(f"rounds: {len(rounds)}, load average at the start of each: {'; '.join(loads)}; each figure is the round with the median req/s")
        print("\n".join(round_ratios(rounds, keys)))
    print("\n".join(report(medians(rounds), keys)))
    print("\n".join(memory))
    return 0


def run_round(store: Path, jobs: list[tuple[str, str, str, str]], options: argparse.Namespace, folder: Path,
              results: dict[str, dict[tuple[str, str, str], Figures]]) -> list[str]:
    """Start each chosen server in turn and load it with every job; return the product's memory lines."""
    memory: list[str] = []
    for name, (command, path, env) in servers(store, options).items():
        if name not in options.servers.split(","):
            continue
        port = free_port()
        with ExitStack() as stack:
            server = stack.enter_context(started(name, [part.format(port=port) for part in command], f"http://127.0.0.1:{port}", path, env))
            watch = stack.enter_context(RssWatch(server.process.pid)) if name == "product" else None
            results[name] = measure(server, jobs, options, folder)
        memory = watch.lines() if watch else memory
    return memory


def medians(rounds: list[dict[str, dict[tuple[str, str, str], Figures]]]) -> dict[str, dict[tuple[str, str, str], Figures]]:
    """Keep, for each server and figure, the round whose req/s is the median (the lower middle one of an even count)."""
    return {name: {key: sorted((r[name][key] for r in rounds), key=lambda f: f.per_second)[(len(rounds) - 1) // 2] for key in figures}
            for name, figures in rounds[0].items()}


def round_ratios(rounds: list[dict[str, dict[tuple[str, str, str], Figures]]], keys: list[tuple[str, str, str]]) -> list[str]:
    """Give product/bare of every round for each loaded figure, so the spread is seen beside the median."""
    return [f"  product/bare, {query} {variant} {load}, by round: " + ", ".join(ratio(r, "product", "bare", (query, variant, load)) for r in rounds)
            for query, variant, load in keys if load == "loaded"]


if __name__ == "__main__":
    sys.exit(main())
