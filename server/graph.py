"""The one reader of the served graph's version: a `Snapshot` per version, pinned per request, with one memo per version.

`gaoxin-kg build` switches the store link atomically to a new version. Each
request asks `current()` for a snapshot on its first use and keeps it to the end
(a canned page running several queries never mixes two graphs), so a rebuild is
served without a restart and without a failed request. Every query goes through
`server.executor`, whose query processes open the version directory a snapshot names
(``location``); the web worker opens it read-only only for the small queries the store
bounds before they run (`server.small_queries`).

Two readers hand out snapshots: `StoreLink` (the embedded store, one readlink per
request) and `server.remote.RemoteGraph` (``gaoxin-kg serve --endpoint URL``, the
build's digest). The response cache (`server.cache`), the executor and the pages
all read the version here, and keep what they compute once per version in the
snapshot's memo (`Snapshot.remember`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from flask import Flask, Response, current_app, g, has_request_context

from graph_build.store.access import StoreError

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Snapshot:
    """One version of the graph: its id, where the query processes find it, and what was computed from it."""

    version_id: str  # the version directory's name, or the remote build's gx:inputDigest
    location: str  # the version directory (absolute), or the remote endpoint's URL
    remote: bool = False
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def remember(self, key: str, compute: Callable[[], T]) -> T:
        """Return the value kept under `key` for this version, computing it on first use."""
        if key not in self.memo:
            value = compute()  # outside the lock: a slow computation must not block other keys
            with self.lock:
                self.memo.setdefault(key, value)
        return self.memo[key]


class Reader(Protocol):
    """What hands out the snapshot of the current version."""

    def current(self) -> Snapshot: ...


def link_target(store: Path) -> str:
    """Return the version directory the store link points at (one readlink and string joins: a full resolve costs ~50 µs a query)."""
    try:
        target = os.readlink(store)
    except OSError:  # not a link (a plain store directory), or missing
        if not store.exists():
            raise StoreError(f"{store}: no graph built yet; run `gaoxin-kg build --store {store}` first") from None
        return os.fspath(store.resolve())
    return os.path.abspath(os.path.join(os.path.dirname(store), target))  # absolute, as a query process may not share our cwd


class StoreLink:
    """Hand out the snapshot of the version the store link points at, the same object while the link stays."""

    def __init__(self, store: Path) -> None:
        self.store = Path(store)
        self._lock = threading.Lock()
        self._last: tuple[str | None, Snapshot] | None = None  # the snapshot handed out last, with the link text that named it

    def current(self) -> Snapshot:
        """Return the snapshot of the current version, making a new one (with an empty memo) when the link moved.

        The link is read on every call; while its text stays the same the snapshot is handed back at once, without
        making the path absolute again (a third of this call's time, on every request; docs/performance.md).
        """
        try:
            text: str | None = os.readlink(self.store)
        except OSError:  # not a link, or missing: link_target says which
            text = None
        last = self._last
        if last is not None and text is not None and last[0] == text:
            return last[1]
        location = link_target(self.store)
        with self._lock:
            last = self._last
            snapshot = last[1] if last is not None and last[1].location == location else Snapshot(os.path.basename(location), location)
            named = text is not None and os.path.basename(text) == snapshot.version_id  # the text read above named this version
            self._last = (text if named else None, snapshot)
        return snapshot


def init_app(app: Flask, reader: Reader) -> None:
    """Attach the reader of the graph version and name the version in every answer."""
    app.extensions["gaoxin_graph"] = reader
    app.after_request(add_version_header)


def reader_of(app: Flask) -> Reader:
    return app.extensions["gaoxin_graph"]


def current() -> Snapshot:
    """Return the snapshot this request reads: the one current on its first use (StoreError when no graph is built)."""
    pinned = g.get("gaoxin_snapshot") if has_request_context() else None
    if pinned is not None:
        return pinned
    snapshot = reader_of(current_app).current()
    if has_request_context():
        g.gaoxin_snapshot = snapshot
    return snapshot


def answered_by() -> str | None:
    """Return the version id this request read, if it read the graph."""
    snapshot = g.get("gaoxin_snapshot")
    return snapshot.version_id if snapshot is not None else None


def add_version_header(response: Response) -> Response:
    """Tell the client which graph version its answer came from, so caches and checks can rely on it."""
    version = answered_by()
    if version:
        response.headers["X-Gaoxin-Graph-Version"] = version
    return response
