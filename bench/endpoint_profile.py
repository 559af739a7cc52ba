"""Where a unique SPARQL query's time goes inside the product, without HTTP: the WSGI app called directly, as a worker calls it.

    .venv/bin/python bench/endpoint_profile.py [STORE] [--requests 2000] [--rounds 3] [--no-freeze] [--profile N] [--small-query-matches 256]

Sends unique point lookups (a distinct LIMIT each) through `server.create_app(...)` the way granian
hands them over (one environ per request, JSON accepted) and prints, for the best of --rounds rounds:
the request thread's CPU per request, the query processes' CPU per request (from /proc schedstat);
over all rounds, the time the garbage collector took per request and how many collections of each generation ran;
and the Python function calls per request (cProfile, a count that does not depend on how busy the
machine is). The app's start-up objects are frozen out of the collector first, as server/wsgi.py
does for every worker (--no-freeze to see the cost without). --profile N prints the N functions
with the most own time. A point lookup is a small query (`server.small_queries`): it runs in the request
thread, and the query processes show 0 µs; --small-query-matches 0 sends it to a query process as before.
CPU figures on a shared machine swing between runs: compare the call counts first.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server import create_app, executor  # noqa: E402

LOOKUP = 'PREFIX eli: <http://data.europa.eu/eli/ontology#>\nSELECT ?document WHERE {{ ?document eli:id_local "{number}" }}\nLIMIT {limit}'
NUMBER = "云政发〔2020〕36号"


class Collections:
    """Time every garbage collection and count them by generation."""

    def __init__(self) -> None:
        self.seconds, self.counts, self.started = 0.0, [0, 0, 0], 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self.started
            self.counts[info["generation"]] += 1


def environ(limit: int) -> dict[str, Any]:
    """Build the WSGI environ of one unique GET, as granian would."""
    query = "query=" + quote(LOOKUP.format(number=NUMBER, limit=limit))
    return {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/sparql", "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_ACCEPT": "application/sparql-results+json", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False}


def start_response(status: str, _headers: list[tuple[str, str]], _exc_info: Any = None) -> None:
    if not status.startswith("200"):
        raise SystemExit(f"the app answered {status}: is the store built?")


def send(app: Callable[..., Any], first: int, count: int) -> None:
    """Send `count` unique requests and read each body whole."""
    for limit in range(first, first + count):
        body = app(environ(limit), start_response)
        b"".join(body)
        getattr(body, "close", lambda: None)()


def child_seconds(pids: list[int]) -> float:
    return sum(int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) for pid in pids) / 1e9


def main(argv: list[str] | None = None) -> int:
    """Measure the rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", nargs="?", type=Path, default=Path("var/store"))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-freeze", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--small-query-matches", type=int, default=256, help="SMALL_QUERY_MATCHES (0: every query in a query process)")
    options = parser.parse_args(argv)
    if not options.store.exists():
        raise SystemExit(f"{options.store}: no store; build one with `gaoxin-kg build --store {options.store}`")
    app = create_app({"STORE": options.store, "SMALL_QUERY_MATCHES": options.small_query_matches})
    pool = executor.executor_of(app).pool()
    send(app, 1, 200)  # start the query processes, open the store, warm the caches
    if not options.no_freeze:
        gc.collect()
        gc.freeze()
    collections = Collections()
    gc.callbacks.append(collections)
    best = None
    n = options.requests
    for round_ in range(options.rounds):
        cpu, wall, children = time.process_time(), time.perf_counter(), child_seconds(pool.pids())
        send(app, 1_000_000 * (round_ + 1), n)
        figures = ((time.process_time() - cpu) / n, (time.perf_counter() - wall) / n, (child_seconds(pool.pids()) - children) / n)
        best = figures if best is None or figures[0] < best[0] else best
    gc.callbacks.remove(collections)
    profile = cProfile.Profile()
    profile.runcall(send, app, 10_000_000, n)
    stats = pstats.Stats(profile)
    cpu, wall, children = best  # type: ignore[misc]
    counts = collections.counts
    print(f"store: {options.store.resolve()}; {n} unique point lookups per round, best of {options.rounds}; load average {os.getloadavg()[0]:.1f}")
    print(f"request thread CPU {cpu * 1e6:.0f} µs/request (wall {wall * 1e6:.0f} µs); query processes {children * 1e6:.0f} µs/request")
    print(f"garbage collection {collections.seconds / (n * options.rounds) * 1e6:.1f} µs/request over all rounds "
          f"({counts[0]}/{counts[1]}/{counts[2]} collections of generation 0/1/2); "
          f"start-up objects {'frozen' if not options.no_freeze else 'not frozen'}")
    print(f"Python function calls {stats.total_calls / n:.0f}/request (cProfile)")
    if options.profile:
        stats.sort_stats("tottime").print_stats(options.profile)
    pool.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
