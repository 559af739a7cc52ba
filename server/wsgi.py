"""Run the app under a production server, never Flask's development server: granian (the default) or gunicorn.

granian serves it through its ASGI interface and `server.asgi_bridge.Bridge`: each worker
process builds the app with `bridge_from_environment`; the bridge reads request bodies on the
event loop within BODY_READ_TIMEOUT, runs the Flask app in its request threads (``--threads``)
and tells the app when a client disconnects (its query process is then killed). gunicorn with
gthread workers is the alternative (``gaoxin-kg serve --server gunicorn``): `client_gone` peeks
at its socket and `BodyReadTimeout` shuts a dripping body at the deadline, but a body (or header)
still arriving holds a request thread until then.

Why not granian's WSGI interface, the default before: it gives a WSGI app no sign that the
client left and no socket to watch, and no bound on a body's arrival, so two of the promises
of issue 13 could not be kept there. Why the bridge rather than gunicorn, measured on this
2-core machine shared with other developers (load average in brackets; seed store, 2 workers):

  bench/endpoint.py STORE --queries point,page --variants repeated,unique --servers product,bare --duration 8 (4 threads):
                                 WSGI (before)   bridge (now)   gunicorn
    point, repeated (cached)     12,230 req/s    3,960          4,024        [9–16]
    point, unique                 1,177          1,007          1,133
    page, repeated (cached)       6,427          4,327          2,691
    page, unique                    689            544            438
  bench/load.py --store STORE (16 runaway clients from 16 addresses, 8 dripping bodies, 16 threads), p99:
    static / cached page / new cheap query   WSGI 25.8 / 24.6 / 32.0 ms [7.5–8.9];
                                             bridge 12.6 / 9.7 / 13.5 ms [13.8–15.0]; gunicorn 25.9 / 23.2 / 37.3 ms [13.6–14.2]
  bench/load.py --store STORE --drips 40 --duration 15: bridge p99 32.8 / 19.5 / 32.6 ms [11–13];
    gunicorn: all 32 request threads held by the dripping bodies, one static file waited 17.1 s, 1 request measured in 15 s.

So the bridge costs cached answers about two thirds of WSGI's rate (a hand-off to a request
thread per request; still as fast as gunicorn), queries run alike under all three, and it is
the only one of the two servers that a few slow clients cannot stall.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from werkzeug.exceptions import RequestTimeout

from . import create_app, sparql_fast
from .access_log import AccessLog
from .asgi_bridge import BODY_TOO_SLOW, Bridge

SERVERS = ("granian", "gunicorn")
HEADER_READ_MS = 10_000  # granian closes a connection whose request headers take longer (its default: 30 s)
CONFIG_VARIABLE = "GAOXIN_SERVER_CONFIG"  # how `serve` hands the configuration to granian's worker processes
THREADS_VARIABLE = "GAOXIN_SERVER_THREADS"  # ... and the number of request threads of each


class GaoxinServer(BaseApplication):  # type: ignore[misc]
    """A gunicorn application serving create_app(config) with gthread workers."""

    def __init__(self, config: dict[str, Any], options: dict[str, Any]) -> None:
        self.config_for_app = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # type: ignore[no-untyped-def]
        app = create_app(self.config_for_app)
        app.wsgi_app = BodyReadTimeout(app.wsgi_app, float(app.config["BODY_READ_TIMEOUT"]))  # type: ignore[method-assign]
        return settled(app)


class BodyReadTimeout:
    """Bound the time a gunicorn request may take to send its body, so a client that drips it frees the thread.

    gunicorn reads the body in the request thread, from the socket it passes as
    ``gunicorn.socket``. A timeout per read would let a byte every few seconds go on for
    ever, so a timer shuts the connection's reading side at the deadline unless the whole
    body has arrived: the read then ends, and the short body is refused with 408 (never run
    as a truncated query). Under granian the bridge does this on its event loop
    (`server.asgi_bridge`), without holding a thread.
    """

    def __init__(self, app: Any, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        connection = environ.get("gunicorn.socket")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if connection is None or self.seconds <= 0 or not (length or chunked):
            return self.app(environ, start_response)
        expired = threading.Event()
        timer = threading.Timer(self.seconds, stop_reading, args=(connection, expired))
        timer.daemon = True
        timer.start()
        environ["wsgi.input"] = BodyWithDeadline(environ["wsgi.input"], length if length else None, timer, expired, self.seconds)
        try:
            return self.app(environ, start_response)
        finally:
            timer.cancel()


def stop_reading(connection: socket.socket, expired: threading.Event) -> None:
    """Shut a connection's reading side (its answer can still be written)."""
    expired.set()
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RD)


class BodyWithDeadline:
    """A request body that calls off its deadline timer once every byte has arrived, and is refused (408) when cut short by it."""

    def __init__(self, body: Any, length: int | None, timer: threading.Timer, expired: threading.Event, seconds: float) -> None:
        self.body, self.left, self.timer, self.expired, self.seconds = body, length, timer, expired, seconds

    def read(self, size: int | None = None) -> bytes:
        return self.arrived(self.body.read(size))

    def readline(self, size: int | None = None) -> bytes:
        return self.arrived(self.body.readline(size))

    def arrived(self, data: bytes) -> bytes:
        if self.expired.is_set() and (not data or self.left is None or len(data) < self.left):
            raise RequestTimeout(BODY_TOO_SLOW.format(seconds=self.seconds))
        if self.left is not None:
            self.left -= len(data)
        if not data or (self.left is not None and self.left <= 0):
            self.timer.cancel()
        return data


def app_from_environment() -> Flask:
    """Create the app from the configuration `serve` put in the environment."""
    return settled(create_app(json.loads(os.environ[CONFIG_VARIABLE])))


def bridge_from_environment() -> Bridge:
    """Create the app and its ASGI bridge from the configuration `serve` put in the environment (granian workers call this)."""
    app = app_from_environment()
    threads, seconds, most = int(os.environ[THREADS_VARIABLE]), float(app.config["BODY_READ_TIMEOUT"]), int(app.config["MAX_CONTENT_LENGTH"])
    return Bridge(app, threads, seconds, most, quick=sparql_fast.answers_on_loop(app), log=AccessLog(lambda: sys.stdout))


def settled(app: Flask) -> Flask:
    """Move everything a worker holds after start-up out of the garbage collector's sight, then return the app.

    The modules, the app and its configuration live as long as the worker, yet each full
    collection walked their ~250,000 objects: about 100 µs a request on unique queries
    (bench/endpoint.py), a fifth of a request's Python time. Frozen, they are never walked;
    objects made later (cache entries) are collected as before.
    """
    gc.collect()
    gc.freeze()
    return app


def serve(
    store: Path, host: str, port: int, workers: int = 2, threads: int = 4, timeout: float = 30.0,
    config: dict[str, Any] | None = None, server: str = "granian",
) -> None:
    """Serve the graph in `store` (or the ENDPOINT of `config`) on host:port until interrupted."""
    extra = {key: value for key, value in (config or {}).items() if value not in (None, "", (), {})}  # 0 is a setting
    # More threads than query processes and their queues (server/admission.py): a thread is always free for a static
    # file or a cached answer, while the lanes bound how many queries run and wait.
    settings = {"STORE": os.fspath(store.absolute()), "QUERY_TIMEOUT": timeout, **extra}
    source = extra.get("ENDPOINT") or store
    print(f"gaoxin-kg: serving {source} on http://{host}:{port}/  (SPARQL endpoint: http://{host}:{port}/sparql; {server})", flush=True)
    if server == "gunicorn":
        run_gunicorn(settings, host, port, workers, threads, timeout)
    else:
        run_granian(settings, host, port, workers, threads)


def run_granian(config: dict[str, Any], host: str, port: int, workers: int, threads: int) -> None:
    """Run granian's ASGI interface (no lifespan) with the bridge, which writes the access log; a worker that dies is started again.

    The event loop is uvloop's: a unique point lookup, answered on the loop, took ~7 % less CPU than on asyncio's
    (bench/endpoint.py --pin, docs/performance.md "One core, pinned").
    """
    from granian import Granian
    from granian.constants import Interfaces, Loops
    from granian.http import HTTP1Settings

    os.environ[CONFIG_VARIABLE] = json.dumps(config)
    os.environ[THREADS_VARIABLE] = str(threads)
    Granian(
        "server.wsgi:bridge_from_environment", address=host, port=port, interface=Interfaces.ASGINL, workers=workers,
        factory=True, respawn_failed_workers=True, websockets=False, loop=Loops.uvloop,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_MS),
    ).serve()


def run_gunicorn(config: dict[str, Any], host: str, port: int, workers: int, threads: int, timeout: float) -> None:
    """Run gunicorn with gthread workers and an access log on standard output."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": int(timeout) + 30,  # gunicorn's own watchdog sits above the query time limit
        # An idle kept-alive connection is closed after this many seconds; a client whose next request
        # crosses that close gets "connection closed without response". gunicorn's 2 s default was hit
        # once by bench/load_test.py (64 clients starved of CPU); gthread parks idle connections in its
        # poller, not in a thread, so a longer wait costs only a socket.
        "keepalive": 5,
        "control_socket_disable": True,  # gunicorn 27 otherwise creates ~/.gunicorn/
        "accesslog": "-",
    }
    GaoxinServer(config, options).run()
