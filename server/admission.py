"""Admission control: which query process runs a task, and who waits how long, so slow queries never starve the rest.

Each server worker keeps two pools of query processes (`server.query_process.QueryPool`):

- the *fast lane* (``QUERY_PROCESSES``): every new task starts here, under a short limit
  (``FAST_LANE_SECONDS``). Most queries and every page look-up end within it;
- the *heavy lane* (``HEAVY_QUERIES``, processes at a lower CPU priority, ``nice`` 10): a task
  that outran the fast limit is killed there and run again here with the rest of the
  time limit, and its text is remembered (``HEAVY_MEMORY`` tasks, for
  ``HEAVY_MEMORY_SECONDS``), so that a repeat goes straight to this lane. The cores therefore go first to cheap queries;
- no query process has network. A task whose every SERVICE endpoint is allow-listed has
  its SERVICE clauses called here first, at most ``SERVICE_CALLS`` at once per worker, each
  on an address resolved and checked once (`server.service_calls`); the query, with the
  answers inlined as VALUES, then takes the lanes above with the time left.

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

from . import service_calls, sparql_text
from .query_process import Limits, PoolBusy, QueryPool, Reply, Task

MEGABYTE = 1024 * 1024


class Lanes:
    """The fast lane and the heavy lane of one server worker, and its slots for SERVICE calls."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        limits = Limits(memory_bytes=int(config["QUERY_MEMORY_MB"]) * MEGABYTE, answer_bytes=int(config["ANSWER_BYTES"]))
        self.fast = QueryPool(int(config["QUERY_PROCESSES"]), limits)
        self.heavy = QueryPool(int(config["HEAVY_QUERIES"]), Limits(limits.memory_bytes, limits.answer_bytes, nice=10))
        self.services = ServiceSettings(config)
        self.fast_seconds = float(config["FAST_LANE_SECONDS"])
        self.wait = float(config["QUEUE_WAIT"])
        self.queue_length = int(config["QUEUE_LENGTH"])
        self.heavy_queue_length = int(config["HEAVY_QUEUE_LENGTH"])
        self.known_heavy: OrderedDict[Task, float] = OrderedDict()  # normalised task → when it outran the fast lane
        self.memory = int(config["HEAVY_MEMORY"])
        self.memory_seconds = float(config["HEAVY_MEMORY_SECONDS"])
        self.lock = threading.Lock()

    def run(self, task: Task, timeout: float, gone: Callable[[], bool] | None = None) -> Reply:
        """Run a task fast first, then heavy, its SERVICE clauses called beforehand; stop when `gone`."""
        deadline = time.monotonic() + timeout  # from the request's arrival: queues, start-up and both lanes count
        if task.federated:
            task, timeout = self.services.inline(task, timeout, self.wait)
        if not self.is_known_heavy(task):
            fast_limit = min(self.fast_seconds, timeout)
            try:
                return self.fast.run(task, fast_limit, self.wait, self.queue_length, gone)
            except TimeoutError:
                if fast_limit >= timeout:
                    raise
                self.remember_heavy(task)
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"query exceeded the {timeout:g} s time limit")
        return self.heavy.run(task, left, self.wait, self.heavy_queue_length, gone)

    def is_known_heavy(self, task: Task) -> bool:
        """Tell whether a task outran the fast lane less than HEAVY_MEMORY_SECONDS ago (a busy moment is soon forgotten)."""
        if not self.known_heavy:  # the usual case: no key to compute (heavy_key reads the whole text again, ~30 µs)
            return False
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

    def pids(self) -> list[int]:
        """Return the process ids of every query process of this worker."""
        return [pid for pool in (self.fast, self.heavy) for pid in pool.pids()]

    def close(self) -> None:
        """Kill every query process (tests and shutdown)."""
        for pool in (self.fast, self.heavy):
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


class ServiceSettings:
    """Where a worker's SERVICE calls may go and how long, how large and how many at once (`server.service_calls`)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.allow = tuple(config["SERVICE_ALLOW"])
        self.seconds = float(config["SERVICE_TIMEOUT"])
        self.answer_bytes = int(config["SERVICE_ANSWER_BYTES"])
        self.slots = threading.BoundedSemaphore(int(config["SERVICE_CALLS"]))

    def inline(self, task: Task, timeout: float, wait: float) -> tuple[Task, float]:
        """Call a task's SERVICE clauses and return it with their answers inlined, and the time left for the query."""
        started = time.monotonic()
        if not self.slots.acquire(timeout=min(wait, timeout)):
            raise PoolBusy(f"every SERVICE call slot stayed busy for {min(wait, timeout):g} s")
        try:
            sparql = service_calls.inline(task.sparql, self.allow, min(self.seconds, timeout), self.answer_bytes)
        finally:
            self.slots.release()
        left = timeout - (time.monotonic() - started)
        if left <= 0:
            raise TimeoutError
        return replace(task, sparql=sparql, federated=False), left


class ClientBusy(TooManyRequests):
    """A client address that already has CLIENT_QUERIES queries running or waiting in this worker (429, Retry-After)."""

    def __init__(self, address: str, most: int, retry_after: int) -> None:
        super().__init__(f"同一客户端同时进行的查询已达上限（{most} 个）。 This client ({address}) already has as many queries running or "
                         f"waiting as one address may have (CLIENT_QUERIES = {most}); wait for one to end.", retry_after=retry_after)


class ClientLimit:
    """Count the queries each client address has running or waiting in this worker; one past `most` (0: no limit) waits
    up to `wait` seconds for one of them to end (a browser's parallel requests), then is refused."""

    def __init__(self, most: int, retry_after: int, wait: float = 0.0) -> None:
        self.most, self.retry_after, self.wait = most, retry_after, wait
        self.counts: dict[str, int] = {}
        self.ended = threading.Condition()

    @contextmanager
    def slot(self, address: str | None, wait: float | None = None) -> Iterator[None]:
        """Hold one of `address`'s query slots for the block; raise ClientBusy when none frees in time (no address: no limit).
        `wait` replaces the limit's own wait (0: do not wait)."""
        if not address or self.most <= 0:
            yield
            return
        with self.ended:
            if not self.ended.wait_for(lambda: self.counts.get(address, 0) < self.most, timeout=self.wait if wait is None else wait):
                raise ClientBusy(address, self.most, self.retry_after)
            self.counts[address] = self.counts.get(address, 0) + 1
        try:
            yield
        finally:
            with self.ended:
                self.counts[address] -= 1
                if not self.counts[address]:
                    del self.counts[address]
                self.ended.notify_all()


CLIENT_LIMIT = "gaoxin_client_limit"  # the app.extensions key of the worker's ClientLimit (server/client_limits.py sets it)


def client_slot(app: Flask, environ: Mapping[str, Any], wait: float | None = None) -> AbstractContextManager[None]:
    """Hold a query slot of the request's client address (REMOTE_ADDR) while the block runs; ClientBusy (429) past the limit
    (after CLIENT_WAIT, or `wait` seconds)."""
    limit = app.extensions.get(CLIENT_LIMIT)
    return limit.slot(environ.get("REMOTE_ADDR"), wait) if limit is not None else nullcontext()
