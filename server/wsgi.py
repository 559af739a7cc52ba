"""Run the app under gunicorn (a production WSGI server), never Flask's development server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from . import create_app


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
        return create_app(self.config_for_app)


def serve(store: Path, host: str, port: int, workers: int = 2, threads: int = 4, timeout: float = 30.0, config: dict[str, Any] | None = None) -> None:
    """Serve the graph in `store` (or the ENDPOINT of `config`) on host:port until interrupted."""
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
    config = {key: value for key, value in (config or {}).items() if value}
    source = config.get("ENDPOINT") or store
    print(f"gaoxin-kg: serving {source} on http://{host}:{port}/  (SPARQL endpoint: http://{host}:{port}/sparql)", flush=True)
    GaoxinServer({"STORE": store, "QUERY_TIMEOUT": timeout, **config}, options).run()
