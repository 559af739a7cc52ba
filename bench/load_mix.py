"""A bounded mixed load on `gaoxin-kg serve` while the graph is rebuilt and switched twice; every answer is checked.

Used by bench/load_test.py (prints the figures) and tests/server/test_load.py (asserts them).

    versions   V1 = every seed; V2 = without one single-file document; V3 = without another,
               so the documents, their counts and their pages differ per version
    clients    N threads (default 64), each with its own kept-alive session, for a fixed duration,
               loopback only; requests are drawn by kind, then by target within the kind
    rebuilds   `gaoxin-kg build` in a subprocess into the served store link at 1/3 and 2/3 of the duration
    checks     every response: status 200, an X-Gaoxin-Graph-Version naming a version built here, and a
               body equal (sha256) to what the app renders for that version in-process, plus facts read
               from that version's store directly with pyoxigraph (document count, documents found)
    memory     RSS of the gunicorn master, its workers and their query processes (/proc, no psutil),
               after a warm-up (baseline), during the load (peak) and after a quiet pause (after)
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

import requests
from pyoxigraph import Store

from bench.server_memory import Memory, sample

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "raw"
ID = "https://w3id.org/gaoxin-kg/id/"
PREFIXES = "PREFIX eli: <http://data.europa.eu/eli/ontology#> PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#> "
DOCUMENTS = PREFIXES + "SELECT DISTINCT ?d WHERE { ?d eli:is_realized_by ?e }"
COUNT = PREFIXES + "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d eli:is_realized_by ?e }"
LOOKUP = PREFIXES + 'SELECT ?document WHERE {{ ?document eli:id_local "{number}" }}'
NUMBERS = PREFIXES + "SELECT ?d ?n WHERE { ?d eli:is_realized_by ?e ; eli:id_local ?n }"
FILES = PREFIXES + "SELECT ?d ?name WHERE { ?d eli:is_realized_by/eli:is_embodied_by/gx:fileName ?name }"
PROVINCES = PREFIXES + "SELECT DISTINCT ?p WHERE { ?d eli:is_realized_by ?e ; eli:jurisdiction ?p } ORDER BY ?p"
MEASURES = PREFIXES + "SELECT ?m WHERE { ?m a gx:Measure FILTER(STRSTARTS(STR(?m), STR(?d))) VALUES ?d { <DOCUMENT> } } ORDER BY ?m LIMIT 2"
CONSTRUCT = PREFIXES + (
    "CONSTRUCT { ?d eli:title ?t ; eli:jurisdiction ?p } WHERE { ?d eli:is_realized_by ?e ; eli:jurisdiction ?p OPTIONAL { ?d eli:title ?t } }"
)
JSON = {"Accept": "application/sparql-results+json"}
NTRIPLES = {"Accept": "application/n-triples"}
VERSION_HEADER = "X-Gaoxin-Graph-Version"


# -- records -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One request of the mix: its kind, path (with query string) and request headers."""

    kind: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    fact: str = ""  # which independent fact the body states: "count", "lookup:<number>", "documents" or none


@dataclass(frozen=True)
class Expected:
    """What one version must answer to every target: status and body digest, and its facts from pyoxigraph."""

    version: str
    answers: dict[Target, tuple[int, str]]
    documents: frozenset[str]
    numbers: dict[str, frozenset[str]]


@dataclass(frozen=True)
class Outcome:
    """One response as a client saw it (status 0 and an error when no response came)."""

    target: Target
    seconds: float
    status: int = 0
    version: str = ""
    digest: str = ""
    fact: Any = None
    error: str = ""


@dataclass(frozen=True)
class Switch:
    """A rebuild: when it started and ended (seconds from the load's start) and the version it switched to."""

    started: float
    ended: float
    version: str
    documents: int


@dataclass(frozen=True)
class Report:
    """What one load run did and saw."""

    clients: int
    seconds: float
    outcomes: list[Outcome]
    failures: list[str]
    wrong: list[str]
    switches: list[Switch]
    versions_seen: Counter
    memory: Memory
    expected: dict[str, Expected]

    def latencies(self, kind: str) -> list[float]:
        return sorted(o.seconds for o in self.outcomes if o.target.kind == kind)


# -- graph versions --------------------------------------------------------------------------------------


def rows(store: Store, sparql: str) -> list[list[str]]:
    """Run a SELECT on a store read directly (union default graph) and return lexical values."""
    return [[term.value if term is not None else "" for term in solution] for solution in store.query(sparql, use_default_graph_as_union=True)]


def document_files(store: Store) -> dict[str, set[str]]:
    """Map each document to its raw file names."""
    files: dict[str, set[str]] = {}
    for document, name in rows(store, FILES):
        files.setdefault(document, set()).add(name)
    return files


def variants(store: Store) -> list[tuple[str, ...]]:
    """Choose the raw files left out of V2 and V3: one single-file document each (V1 leaves out none)."""
    singles = sorted(sorted(names)[0] for names in document_files(store).values() if len(names) == 1)
    if len(singles) < 2:
        raise RuntimeError(f"the seeds need two single-file documents to make three different versions; found {singles}")
    return [(), (singles[0],), (singles[-1],)]


def data_dir(root: Path, left_out: tuple[str, ...]) -> Path:
    """Copy the raw seeds, leaving out some files, into a fresh data directory under root."""
    directory = Path(tempfile.mkdtemp(prefix="data-", dir=root))
    shutil.copytree(SEEDS, directory / "raw", ignore=lambda _, names: [n for n in names if n in left_out])
    return directory


def build(data: Path, store: Path) -> None:
    """Rebuild the graph into the store link the way an operator does: `gaoxin-kg build` in its own process."""
    command = [sys.executable, "-m", "gaoxin_kg.cli", "build", "--data", str(data), "--store", str(store)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"gaoxin-kg build failed: {done.stderr[-2000:]}")


def facts(version: Path) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """Read one version's documents and its documents by 文号 directly from the store."""
    store = Store.read_only(str(version))
    documents = frozenset(d for (d,) in rows(store, DOCUMENTS))
    numbers: dict[str, set[str]] = {}
    for document, number in rows(store, NUMBERS):
        numbers.setdefault(number, set()).add(document)
    del store
    return documents, {n: frozenset(d) for n, d in numbers.items()}


# -- the mix ---------------------------------------------------------------------------------------------


def targets(store: Store, left_out: set[str]) -> list[Target]:
    """Choose the requests from V1: canned pages and CSV, ad-hoc SPARQL, CONSTRUCT and resource pages of real IRIs."""
    files = document_files(store)
    documents = sorted(files)
    stable = [d for d in documents if not files[d] & left_out]  # pages of these exist in every version: always 200
    numbers = sorted({n for _, n in rows(store, NUMBERS)})
    provinces = [p for (p,) in rows(store, PROVINCES)]
    return [*canned(documents, provinces), *sparql(numbers), *pages(store, stable, provinces)]


def canned(documents: list[str], provinces: list[str]) -> list[Target]:
    """Canned pages as HTML (the home page, a list, an outline with its document dropdown) and as CSV with parameters."""
    html = [Target("canned page", "/"), Target("canned page", "/queries/documents", fact="documents")]
    html += [Target("canned page", "/queries/document-outline?" + urlencode({"document": d})) for d in documents]
    data = [Target("canned csv", "/queries/documents.csv", fact="documents"), Target("canned csv", "/queries/incentives.csv")]
    data += [Target("canned csv", "/queries/document-outline.csv?" + urlencode({"document": d})) for d in documents]
    data += [Target("canned csv", "/queries/numeric-provisions.csv?" + urlencode({"province": p})) for p in provinces]
    return html + data


def sparql(numbers: list[str]) -> list[Target]:
    """Ad-hoc SPARQL: the document count, a point lookup per 文号, and a CONSTRUCT of titles and provinces."""
    count = Target("sparql count", "/sparql?" + urlencode({"query": COUNT}), tuple(JSON.items()), "count")
    lookups = [Target("sparql lookup", "/sparql?" + urlencode({"query": LOOKUP.format(number=n)}), tuple(JSON.items()), f"lookup:{n}") for n in numbers]
    construct = Target("sparql construct", "/sparql?" + urlencode({"query": CONSTRUCT}), tuple(NTRIPLES.items()))
    return [count, *lookups, construct]


def pages(store: Store, stable: list[str], provinces: list[str]) -> list[Target]:
    """Resource pages: documents present in every version, two of their measures, their provinces (whose inbound links change)."""
    measures = [m for d in stable for (m,) in rows(store, MEASURES.replace("DOCUMENT", d))]
    paths = [*stable, *measures, *provinces]
    found = [Target("resource page", "/page/" + p.removeprefix(ID)) for p in paths]
    return found + [Target("resource page", "/page/" + d.removeprefix(ID) + ".ttl") for d in stable]


def fact_of(target: Target, body: bytes, documents: frozenset[str]) -> Any:
    """Read the independent fact a response states: a count, the documents a lookup found, or the documents listed."""
    if target.fact == "count":
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    if target.fact.startswith("lookup:"):
        return frozenset(b["document"]["value"] for b in json.loads(body)["results"]["bindings"])
    if target.fact == "documents" and target.kind == "canned csv":
        return frozenset(row["document"] for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    if target.fact == "documents":  # an HTML table links each document by its path
        return frozenset(d.removeprefix(ID) for d in documents if f'/id/{d.removeprefix(ID)}"'.encode() in body)
    return None


def expected_fact(target: Target, expected: Expected) -> Any:
    """Say what the fact of a target must be in one version, from that version's store read directly."""
    if target.fact == "count":
        return len(expected.documents)
    if target.fact.startswith("lookup:"):
        return expected.numbers.get(target.fact.removeprefix("lookup:"), frozenset())
    if target.fact == "documents" and target.kind == "canned csv":
        return expected.documents
    if target.fact == "documents":
        return frozenset(d.removeprefix(ID) for d in expected.documents)
    return None


# -- expected answers --------------------------------------------------------------------------------


def expect(version: Path, mix: list[Target], base: str) -> Expected:
    """Render every target in-process on one version (its own app, pointed at that version directory)."""
    from server import create_app
    from server.executor import executor_of

    app = create_app({"STORE": version, "TESTING": True})
    client = app.test_client()
    answers = {}
    for target in mix:
        response = client.get(target.path, headers=dict(target.headers), base_url=base)
        answers[target] = (response.status_code, digest(response.data))
    executor_of(app).close()
    documents, numbers = facts(version)
    return Expected(version.name, answers, documents, numbers)


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def judge(outcome: Outcome, expected: dict[str, Expected]) -> tuple[str, str]:
    """Sort one outcome: ("failure", why), ("wrong", why) or ("ok", "")."""
    where = f"{outcome.target.kind} {outcome.target.path[:90]}"
    if outcome.error or outcome.status != 200:
        return "failure", f"{where}: {outcome.error or outcome.status}"
    version = expected.get(outcome.version)
    if version is None:
        return "wrong", f"{where}: answered by unknown version {outcome.version!r}"
    status, body = version.answers[outcome.target]
    if (outcome.status, outcome.digest) != (status, body):
        return "wrong", f"{where}: body differs from version {outcome.version}'s"
    if outcome.fact != expected_fact(outcome.target, version):
        return "wrong", f"{where}: states {outcome.fact!r}, version {outcome.version} holds {expected_fact(outcome.target, version)!r}"
    return "ok", ""


# -- the server and its processes -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(store: Path, workers: int, threads: int) -> Iterator[tuple[str, int]]:
    """Run `gaoxin-kg serve` on a free loopback port; yield its base URL and the master's pid, then stop it."""
    port = free_port()
    command = [sys.executable, "-m", "gaoxin_kg.cli", "serve", "--store", str(store), "--port", str(port)]
    command += ["--workers", str(workers), "--threads", str(threads), "--client-queries", "0"]  # the clients share one address
    with tempfile.TemporaryFile("w+") as log:  # a file, not a pipe: nobody reads the access log while it runs
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base + "/sparql", process, log)
            yield base, process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_until_up(url: str, process: subprocess.Popen, log: IO[str], seconds: float = 60.0) -> None:
    """Poll a SPARQL endpoint URL until it answers a query, or fail with the server's output (bench/endpoint.py uses it too)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server {process.args} exited with {process.returncode}: {log.read()[-2000:]}")
        try:
            if requests.get(url, params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"}, timeout=10).ok:
                return
        except requests.RequestException:  # not listening yet
            pass
        time.sleep(0.2)
    raise TimeoutError(f"server at {url} did not come up in {seconds:g} s")


# -- load ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How to load: clients, seconds, rebuild points (fractions of the duration), request time-out, quiet pause."""

    clients: int = 64
    seconds: float = 30.0
    rebuild_at: tuple[float, float] = (1 / 3, 2 / 3)
    timeout: float = 60.0  # per request; above the server's 30 s query limit, so the server's answer is what counts
    settle: float = 8.0  # quiet seconds after the load before "after" is sampled
    tail: float = 3.0  # the load goes on at least this long after the last switch
    workers: int = 2
    threads: int = 4


@dataclass(frozen=True)
class Mix:
    """The targets of the load and every document of V1 (to find in HTML tables)."""

    targets: list[Target]
    documents: frozenset[str]

    def by_kind(self) -> dict[str, list[Target]]:
        kinds: dict[str, list[Target]] = {}
        for target in self.targets:
            kinds.setdefault(target.kind, []).append(target)
        return kinds


def request(session: requests.Session, base: str, target: Target, documents: frozenset[str], timeout: float) -> Outcome:
    """Send one request and keep what the checks need (never the whole body)."""
    started = time.perf_counter()
    try:
        response = session.get(base + target.path, headers=dict(target.headers), timeout=timeout, allow_redirects=False)
        body = response.content
    except requests.RequestException as error:
        return Outcome(target, time.perf_counter() - started, error=f"{type(error).__name__}: {error}")
    seconds = time.perf_counter() - started
    fact = None
    if response.status_code == 200:
        try:
            fact = fact_of(target, body, documents)
        except (ValueError, KeyError, IndexError) as error:
            fact = f"unreadable: {error}"
    return Outcome(target, seconds, response.status_code, response.headers.get(VERSION_HEADER, ""), digest(body), fact)


def client(base: str, mix: Mix, seed: int, until: Callable[[], bool], timeout: float) -> list[Outcome]:
    """Send requests one after another until told to stop: a kind at random, then a target of that kind."""
    chooser = random.Random(seed)
    by_kind = mix.by_kind()
    kinds = sorted(by_kind)
    outcomes = []
    with requests.Session() as session:
        while not until():
            outcomes.append(request(session, base, chooser.choice(by_kind[chooser.choice(kinds)]), mix.documents, timeout))
    return outcomes


def warm(base: str, mix: Mix, clients: int, rounds: int) -> list[Outcome]:
    """Request every target a few times from several clients, so every worker and query process has answered."""
    results: list[list[Outcome]] = [[] for _ in range(clients)]

    def one(index: int) -> None:
        turn = mix.targets[index:] + mix.targets[:index]
        with requests.Session() as session:
            results[index] = [request(session, base, t, mix.documents, 60.0) for _ in range(rounds) for t in turn]

    run_threads([lambda i=i: one(i) for i in range(clients)])
    return [o for r in results for o in r]


def run_threads(jobs: list[Callable[[], None]]) -> None:
    """Run jobs in threads and wait for all of them."""
    threads = [threading.Thread(target=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def versions_dir(store: Path) -> Path:
    return store.parent / f"{store.name}.versions"


def run(plan: Plan, workdir: Path, log: Callable[[str], None] = lambda _: None) -> Report:
    """Build V1, serve it, warm up, load while rebuilding to V2 and V3, check every answer and report."""
    store = workdir / "store"
    build(data_dir(workdir, ()), store)
    mix, left_out = prepare(store)
    data = [data_dir(workdir, names) for names in left_out[1:]]
    log(f"mix: {len(mix.targets)} targets; V2 leaves out {', '.join(left_out[1])}; V3 leaves out {', '.join(left_out[2])}")
    with serving(store, plan.workers, plan.threads) as (base, master):
        expected = {store.resolve().name: expect(store.resolve(), mix.targets, base)}
        warmed = warm(base, mix, min(plan.clients, 8), 2)
        time.sleep(2.0)
        memory = Memory()
        sample(master, memory, memory.baseline)
        log(f"warm-up: {len(warmed)} requests; baseline RSS taken")
        loaded = load(plan, base, mix, store, data, (master, memory), log)
        log(f"load: {len(loaded.outcomes)} requests in {loaded.seconds:.1f} s; waiting {plan.settle:g} s before sampling RSS again")
        time.sleep(plan.settle)
        sample(master, memory, memory.after)
        for switch in loaded.switches:  # V1 may be pruned by now (two versions are kept); V2 and V3 are still there
            expected[switch.version] = expect(versions_dir(store) / switch.version, mix.targets, base)
    return summarise(plan, warmed, loaded, expected, memory)


def prepare(store: Path) -> tuple[Mix, list[tuple[str, ...]]]:
    """Choose the targets and the files V2 and V3 leave out, from V1."""
    first = Store.read_only(str(store.resolve()))
    left_out = variants(first)
    mix = Mix(targets(first, {name for names in left_out for name in names}), frozenset(d for (d,) in rows(first, DOCUMENTS)))
    del first
    return mix, left_out


@dataclass(frozen=True)
class Loaded:
    """What the load phase produced: every outcome, the switches made, its length, and any rebuild that failed."""

    outcomes: list[Outcome]
    switches: list[Switch]
    seconds: float
    broken: list[str]


def load(plan: Plan, base: str, mix: Mix, store: Path, data: list[Path], server: tuple[int, Memory], log: Callable[[str], None]) -> Loaded:
    """Run the clients, the rebuilds and the memory sampler together until V3 has been served a while."""
    started = time.monotonic()
    stop = threading.Event()
    switches: list[Switch] = []
    broken: list[str] = []
    results: list[list[Outcome]] = [[] for _ in range(plan.clients)]

    def rebuilds() -> None:
        for fraction, directory in zip(plan.rebuild_at, data, strict=True):
            time.sleep(max(0.0, started + fraction * plan.seconds - time.monotonic()))
            try:
                switches.append(rebuild(directory, store, started))
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
                broken.append(f"rebuild {len(switches) + 1} failed: {error}")
                return
            log(f"rebuild {len(switches)}: {switches[-1].started:.1f}-{switches[-1].ended:.1f} s → {switches[-1].version} ({switches[-1].documents} documents)")

    def sampler() -> None:
        while not stop.wait(0.5):
            sample(server[0], server[1], server[1].peak, keep_max=True)

    def until() -> bool:
        elapsed = time.monotonic() - started
        if broken or elapsed > 4 * plan.seconds + 120:  # a failed rebuild ends the run; the bound holds should one hang
            return True
        return len(switches) == len(data) and elapsed >= max(plan.seconds, switches[-1].ended + plan.tail)

    def one(index: int) -> None:
        results[index] = client(base, mix, index, until, plan.timeout)

    sampling = threading.Thread(target=sampler)
    sampling.start()
    run_threads([rebuilds, *[lambda i=i: one(i) for i in range(plan.clients)]])
    seconds = time.monotonic() - started
    stop.set()
    sampling.join()
    return Loaded([o for r in results for o in r], switches, seconds, broken)


def rebuild(data: Path, store: Path, started: float) -> Switch:
    """Rebuild into the served store link and say when, and to which version, it switched."""
    began = time.monotonic() - started
    build(data, store)
    ended = time.monotonic() - started
    version = store.resolve()
    documents, _ = facts(version)
    return Switch(began, ended, version.name, len(documents))


def summarise(plan: Plan, warmed: list[Outcome], loaded: Loaded, expected: dict[str, Expected], memory: Memory) -> Report:
    """Judge every outcome (the warm-up's too) and gather the figures of the load; a failed rebuild is a failure."""
    failures, wrong = list(loaded.broken), []
    for outcome in warmed + loaded.outcomes:
        verdict, why = judge(outcome, expected)
        if verdict == "failure":
            failures.append(why)
        elif verdict == "wrong":
            wrong.append(why)
    seen = Counter(o.version for o in loaded.outcomes if o.version)
    return Report(plan.clients, loaded.seconds, loaded.outcomes, failures, wrong, loaded.switches, seen, memory, expected)


def percentile(values: list[float], fraction: float) -> float:
    """Return a percentile of sorted values by nearest rank.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 0.5), percentile([1.0, 2.0, 3.0, 4.0], 0.99)
    (2.0, 4.0)
    """
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, math.ceil(fraction * len(values)) - 1))]


def cpu_model() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "?")


def machine() -> str:
    """Describe the machine: cores, CPU model, Python."""
    return f"nproc={os.cpu_count()}, cpu={cpu_model()}, python={sys.version.split()[0]}"
