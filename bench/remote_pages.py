"""Time resource pages served from a remote SPARQL engine (``--endpoint``) and count the requests each costs, beside the embedded store.

    .venv/bin/python bench/remote_pages.py STORE [--endpoint URL] [--runs 5]

Without --endpoint, `oxigraph serve-read-only --union-default-graph` is started on the store's
current version directory (read-only opens share it safely) and stopped at the end. Every page
is fetched `--runs` times through Flask's test client with the result cache off
(RESULT_CACHE_BYTES 0), once from the embedded store and once from the endpoint through a
loopback proxy that counts the requests the page costs. Prints, per page, the requests and the
median and slowest milliseconds of each backend, the machine's load and the command line.
"""

from __future__ import annotations

import argparse
import http.server
import os
import platform
import shlex
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph_build.store.access import current_version  # noqa: E402
from server import create_app  # noqa: E402
from tests.server.engines import oxigraph_serving  # noqa: E402  (the same oxigraph serve-read-only the engine tests start)

PAGES = [
    "/page/province/yunnan", "/page/province/yunnan?_page=1", "/page/doc/yunzhengfa-2020-36", "/page/doc/yunzhengfa-2020-36/zh-hans",
    "/page/doc/yunzhengfa-2020-36/part/2-1", "/page/doc/yunzhengfa-2020-36/graph", "/page/doc/yunzhengfa-2020-36/zh-hant/span/145-178",
    "/page/similarity/jizhengzi-2020-52/2-1-5/yunzhengfa-2020-36/2-2", "/page/graph/similarity",
]


class CountingProxy(http.server.ThreadingHTTPServer):
    """A loopback proxy in front of the engine that counts the requests it passes on."""

    def __init__(self, target: str) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.target, self.count = target, 0


class Handler(http.server.BaseHTTPRequestHandler):
    server: CountingProxy

    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        self.server.count += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
        answer = requests.post(self.server.target, data=body, headers=headers, timeout=120)
        self.send_response(answer.status_code)
        for name in ("Content-Type", "Server"):
            if name in answer.headers:
                self.send_header(name, answer.headers[name])
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def given(url: str) -> Iterator[str]:
    yield url


def timed(client, path: str, runs: int, proxy: CountingProxy | None = None) -> tuple[list[float], list[int]]:  # type: ignore[no-untyped-def]
    """Fetch a page `runs` times; return the milliseconds and the engine requests of each run."""
    millis, counts = [], []
    for _ in range(runs):
        before, start = proxy.count if proxy else 0, time.perf_counter()
        response = client.get(path)
        millis.append((time.perf_counter() - start) * 1000)
        counts.append(proxy.count - before if proxy else 0)
        assert response.status_code == 200, f"{path}: {response.status_code}"
    return millis, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--endpoint", help="a running engine's SPARQL query URL (default: start oxigraph serve on STORE)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    config = {"TESTING": True, "RESULT_CACHE_BYTES": 0, "QUERY_TIMEOUT": 60.0, "ENDPOINT_VERSION_TTL": 3600.0}
    embedded = create_app({"STORE": args.store, **config}).test_client()
    with given(args.endpoint) if args.endpoint else oxigraph_serving(current_version(args.store), union_default_graph=True) as endpoint:
        proxy = CountingProxy(endpoint)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        remote = create_app({"STORE": args.store.parent / "no-store", "ENDPOINT": f"http://127.0.0.1:{proxy.server_address[1]}/", **config})
        client = remote.test_client()
        client.get("/page/province/gansu")  # reads the build's version once, and names the engine
        print(f"{'page':66} {'requests':>8} {'remote ms (median/max)':>24} {'embedded ms':>18}")
        for path in PAGES:
            there, counts = timed(client, path, args.runs, proxy)
            here, _ = timed(embedded, path, args.runs)
            print(f"{path:66} {max(counts):>8} {statistics.median(there):>12.0f} / {max(there):<9.0f} {statistics.median(here):>8.0f} / {max(here):<7.0f}")
        proxy.shutdown()
        proxy.server_close()
    print(f"engine: {endpoint}; load: {os.getloadavg()}; {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    print("command:", shlex.join([Path(sys.executable).name, *sys.argv]))


if __name__ == "__main__":
    main()
