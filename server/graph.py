"""The one accessor to the served graph: a read-only snapshot of the embedded store, or of a remote SPARQL endpoint.

`gaoxin-kg build` switches the store link atomically to a new version. Each
request asks `current()` for a snapshot; when the link points somewhere new, a
new read-only handle is opened on the new version (old requests finish on the
handle they hold), so a rebuild is served without a restart and without a
failed request.

With ``ENDPOINT`` configured (``gaoxin-kg serve --endpoint URL``) the graph lives in
another SPARQL 1.1 engine instead: `server.remote.RemoteGraph` hands out snapshots
whose ``store`` is a `server.remote.RemoteStore`. Both kinds of ``store`` offer the
read methods the pages use (`ReadableStore`); the embedded one is pyoxigraph's
``Store`` itself, so the local hot path has no extra layer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, Response, current_app, g, has_request_context
from pyoxigraph import Quad, Store

from graph_build.store.access import current_version


class ReadableStore(Protocol):
    """The read methods of pyoxigraph's Store that the pages use, which a remote endpoint offers too."""

    def query(self, query: str, **options: Any) -> Any: ...

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any, graph_name: Any = None) -> Iterator[Quad]: ...

    def contains_named_graph(self, graph_name: Any) -> bool: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Snapshot:
    """A read-only view of one version of the graph: an embedded store version, or a remote endpoint's current build."""

    store: ReadableStore
    version: Path | None  # the store version directory; None when the graph is served by a remote endpoint
    remote_version: str = ""  # the build's gx:inputDigest, for a remote endpoint

    @property
    def version_id(self) -> str:
        return self.version.name if self.version is not None else self.remote_version

    @property
    def remote(self) -> bool:
        return self.version is None


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
    """Attach the graph accessor to the app (opened lazily, after any fork): the embedded store, or the configured endpoint."""
    if app.config.get("ENDPOINT"):
        from .remote import RemoteGraph

        app.extensions["gaoxin_graph"] = RemoteGraph.from_config(app.config)
    else:
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
