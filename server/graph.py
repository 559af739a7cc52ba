"""The one accessor to the served graph: a read-only store handle that follows rebuilds.

`gaoxin-kg build` switches the store link atomically to a new version. Each
request asks `current()` for a handle; when the link points somewhere new, a
new read-only handle is opened on the new version (old requests finish on the
handle they hold), so a rebuild is served without a restart and without a
failed request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, current_app, g, has_request_context
from pyoxigraph import Store

from graph_build.store import current_version


@dataclass(frozen=True)
class Snapshot:
    """A read-only handle on one version of the store."""

    store: Store
    version: Path

    @property
    def version_id(self) -> str:
        return self.version.name


class Graph:
    """Hand out the read-only snapshot of the store's current version."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = store_dir
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def current(self) -> Snapshot:
        """Return a snapshot of the current version, opening it if the link moved."""
        version = current_version(self.store_dir)
        snapshot = self._snapshot
        if snapshot is None or snapshot.version != version:
            with self._lock:
                if self._snapshot is None or self._snapshot.version != version:
                    self._snapshot = Snapshot(Store.read_only(str(version)), version)
                snapshot = self._snapshot
        return snapshot


def init_app(app: Flask) -> None:
    """Attach the graph accessor to the app (opened lazily, after any fork)."""
    app.extensions["gaoxin_graph"] = Graph(app.config["STORE"])
    app.after_request(add_version_header)


def current() -> Snapshot:
    """Return the snapshot of the graph the current request should read."""
    snapshot = current_app.extensions["gaoxin_graph"].current()
    note_version(snapshot.version_id)
    return snapshot


def note_version(version_id: str) -> None:
    """Remember which graph version answered this request (sent as X-Gaoxin-Graph-Version)."""
    if has_request_context():
        g.gaoxin_graph_version = version_id


def add_version_header(response: Response) -> Response:
    """Tell the client which graph version its answer came from, so caches and checks can rely on it."""
    version = g.get("gaoxin_graph_version")
    if version:
        response.headers["X-Gaoxin-Graph-Version"] = version
    return response
