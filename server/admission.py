"""Admission control: which query process runs a task, and who waits how long, so slow queries never starve the rest.

Each server worker keeps three pools of query processes (`server.query_process.QueryPool`):

- the *fast lane* (``QUERY_PROCESSES``): every new task starts here, under a short limit
  (``FAST_LANE_SECONDS``). Most queries and every page look-up end within it;
- the *heavy lane* (``HEAVY_QUERIES``, processes at a lower CPU priority, ``nice`` 10): a task
  that outran the fast limit is killed there and run again here with the rest of the
  time limit, and its text is remembered (``HEAVY_MEMORY`` tasks, for
  ``HEAVY_MEMORY_SECONDS``), so that a repeat goes straight to this lane. The cores therefore go first to cheap queries;
- the *federation pool* (``FEDERATION_PROCESSES``): the only processes allowed to open
  network sockets, for tasks whose every SERVICE endpoint is allow-listed and, after DNS,
  not on this machine or a private network (`resolve_endpoints`).

In every lane a task waits at most ``QUEUE_WAIT`` seconds for a process, behind at most
``QUEUE_LENGTH`` others (``HEAVY_QUEUE_LENGTH`` in the heavy lane); otherwise it gets
`PoolBusy` (503 with ``Retry-After``) at once.
Static files and answers from the response cache never reach a lane. Under either
server, a request whose client disconnects stops its query within a quarter of a second
(`client_gone`: the ASGI bridge's signal under granian, a peek at the socket under
gunicorn). One client address may have at most ``CLIENT_QUERIES`` queries running or
waiting in a worker (`ClientLimit`; beyond it `ClientBusy`, 429 with ``Retry-After``,
answered by `server.client_limits`). The HTTP server has more threads than the lanes and
queues can hold (`server.wsgi`), so a thread is always free for them.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from typing import Any

from flask import Flask
from werkzeug.exceptions import TooManyRequests

from . import sparql_text
from .query_process import Limits, QueryPool, Reply, Task

MEGABYTE = 1024 * 1024


class Lanes:
    """The fast lane, the heavy lane and the federation pool of one server worker."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        limits = Limits(memory_bytes=int(config["QUERY_MEMORY_MB"]) * MEGABYTE, answer_bytes=int(config["ANSWER_BYTES"]))
        self.fast = QueryPool(int(config["QUERY_PROCESSES"]), limits)
        self.heavy = QueryPool(int(config["HEAVY_QUERIES"]), Limits(limits.memory_bytes, limits.answer_bytes, nice=10))
        self.federation_limits = Limits(limits.memory_bytes, limits.answer_bytes, network=True)
        self.federation_size = int(config["FEDERATION_PROCESSES"])
        self._federation: QueryPool | None = None
        self.fast_seconds = float(config["FAST_LANE_SECONDS"])
        self.wait = float(config["QUEUE_WAIT"])
        self.queue_length = int(config["QUEUE_LENGTH"])
        self.heavy_queue_length = int(config["HEAVY_QUEUE_LENGTH"])
        self.known_heavy: OrderedDict[Task, float] = OrderedDict()  # normalised task → when it outran the fast lane
        self.memory = int(config["HEAVY_MEMORY"])
        self.memory_seconds = float(config["HEAVY_MEMORY_SECONDS"])
        self.lock = threading.Lock()

    def run(self, task: Task, timeout: float, gone: Callable[[], bool] | None = None) -> Reply:
        """Run a task in its lane: federated ones in the federation pool, others fast first, then heavy; stop when `gone`."""
        if task.federated:
            return self.federation().run(task, timeout, self.wait, self.queue_length, gone)
        if not self.is_known_heavy(task):
            fast_limit = min(self.fast_seconds, timeout)
            try:
                return self.fast.run(task, fast_limit, self.wait, self.queue_length, gone)
            except TimeoutError:
                if fast_limit >= timeout:
                    raise
                self.remember_heavy(task)
            timeout -= fast_limit
        return self.heavy.run(task, timeout, self.wait, self.heavy_queue_length, gone)

    def is_known_heavy(self, task: Task) -> bool:
        """Tell whether a task outran the fast lane less than HEAVY_MEMORY_SECONDS ago (a busy moment is soon forgotten)."""
        with self.lock:
            since = self.known_heavy.get(heavy_key(task))
            return since is not None and time.monotonic() - since < self.memory_seconds

    def remember_heavy(self, task: Task) -> None:
        """Remember a task that outran the fast lane, forgetting the oldest beyond HEAVY_MEMORY."""
        with self.lock:
            key = heavy_key(task)
            self.known_heavy.pop(key, None)
            self.known_heavy[key] = time.monotonic()
            while len(self.known_heavy) > self.memory:
                self.known_heavy.popitem(last=False)

    def federation(self) -> QueryPool:
        """Return the federation pool, started on the first federated query."""
        with self.lock:
            if self._federation is None:
                self._federation = QueryPool(self.federation_size, self.federation_limits)
            return self._federation

    def pids(self) -> list[int]:
        """Return the process ids of every query process of this worker."""
        pools = [self.fast, self.heavy, *([self._federation] if self._federation else [])]
        return [pid for pool in pools for pid in pool.pids()]

    def close(self) -> None:
        """Kill every query process (tests and shutdown)."""
        for pool in (self.fast, self.heavy, self._federation):
            if pool is not None:
                pool.close()


def client_gone(environ: Mapping[str, Any]) -> Callable[[], bool] | None:
    """Return a check that the request's client has closed its connection: the bridge's (granian) or a peek at gunicorn's socket."""
    if "gaoxin.client_gone" in environ:  # server.asgi_bridge.CLIENT_GONE
        return environ["gaoxin.client_gone"]
    connection = environ.get("gunicorn.socket")
    if connection is None:
        return None

    def gone() -> bool:
        try:
            return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""  # end of stream: the client closed
        except BlockingIOError:
            return False  # open, nothing sent
        except OSError:
            return True

    return gone


def heavy_key(task: Task) -> Task:
    """Key a task by its text without comments and with runs of white space made one, so a new comment is the same query.

    >>> heavy_key(Task("v", "ASK  {\\n ?s ?p ?o } # 1", "", 10)).sparql
    'ASK { ?s ?p ?o }'
    """
    kept = sparql_text.LEXEMES.sub(lambda match: " " if match.lastgroup == "comment" else match.group(), task.sparql)
    return replace(task, sparql=" ".join(kept.split()))


def resolve_endpoints(endpoints: list[str], allow: tuple[str, ...]) -> str | None:
    """Resolve each SERVICE endpoint's host and return why one may not be called, or None.

    An endpoint whose host and port an allow-list entry names literally may resolve to
    anything (the operator listed it); any other must resolve only to global addresses,
    so that a public-looking name (``127.0.0.1.nip.io``) cannot lead to this machine.
    """
    entries = sparql_text.allow_entries(allow)
    for iri in endpoints:
        endpoint = sparql_text.parse_endpoint(iri)
        if endpoint is None:
            return f"SERVICE endpoint <{iri}> is not a plain http(s) URL"
        if any((endpoint.scheme, endpoint.host, endpoint.port) == (e.scheme, e.host, e.port) for e in entries):
            continue
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(endpoint.host, endpoint.port, type=socket.SOCK_STREAM)}
        except OSError as error:
            return f"SERVICE endpoint <{iri}>: its host {endpoint.host} cannot be resolved ({error})"
        internal = sorted(a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_global)
        if internal:
            return f"SERVICE endpoint <{iri}> refused: its host {endpoint.host} resolves to {', '.join(internal)}, on this machine or a private network"
    return None


class ClientBusy(TooManyRequests):
    """A client address that already has CLIENT_QUERIES queries running or waiting in this worker (429, Retry-After)."""

    def __init__(self, address: str, most: int, retry_after: int) -> None:
        super().__init__(f"同一客户端同时进行的查询已达上限（{most} 个）。 This client ({address}) already has as many queries running or "
                         f"waiting as one address may have (CLIENT_QUERIES = {most}); wait for one to end.", retry_after=retry_after)


class ClientLimit:
    """Count the queries each client address has running or waiting in this worker, refusing one past `most` (0: no limit)."""

    def __init__(self, most: int, retry_after: int) -> None:
        self.most, self.retry_after = most, retry_after
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()

    @contextmanager
    def slot(self, address: str | None) -> Iterator[None]:
        """Hold one of `address`'s query slots for the block; raise ClientBusy when it has none left (no address: no limit)."""
        if not address or self.most <= 0:
            yield
            return
        with self.lock:
            if self.counts.get(address, 0) >= self.most:
                raise ClientBusy(address, self.most, self.retry_after)
            self.counts[address] = self.counts.get(address, 0) + 1
        try:
            yield
        finally:
            with self.lock:
                self.counts[address] -= 1
                if not self.counts[address]:
                    del self.counts[address]


CLIENT_LIMIT = "gaoxin_client_limit"  # the app.extensions key of the worker's ClientLimit (server/client_limits.py sets it)


def client_slot(app: Flask, environ: Mapping[str, Any]) -> AbstractContextManager[None]:
    """Hold a query slot of the request's client address (REMOTE_ADDR) while the block runs; ClientBusy (429) past the limit."""
    limit = app.extensions.get(CLIENT_LIMIT)
    return limit.slot(environ.get("REMOTE_ADDR")) if limit is not None else nullcontext()
