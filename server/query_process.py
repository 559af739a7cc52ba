"""Run queries in child processes that can be killed: pyoxigraph has no query timeout (ENGINE-NOTES).

Each server worker keeps a small pool of children started with the "forkserver"
context: a fresh interpreter that has imported this module and nothing else (no
store) forks each child, so the worker never forks while it holds an open store,
and a replacement child is ready in milliseconds. A child opens the store version
it is asked for read-only, keeps that handle while the version is current, runs
one query at a time and sends back the serialized result, cut at the row cap. A
task may instead name a store procedure (`server.procedures`: a resource page's
look-ups, a dump), whose value comes back pickled. A task past its time limit is
stopped by killing its child, which is then replaced.

Every child is confined before it reads its first task (`server.sandbox`): no network
sockets (a seccomp filter; SERVICE answers are fetched by the server, `server.service_calls`), an address-space
ceiling (``QUERY_MEMORY_MB``) and a cap on the bytes of one answer (``ANSWER_BYTES``). A
child that dies of the memory ceiling (the engine aborts on a failed allocation) is
reported as `MemoryExceeded` and replaced; an answer over the byte cap comes back as a
"too_large" reply.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import pickle
import queue
import select
import signal
import sys
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    Variable,
    parse_query_results,
    serialize,
)

from graph_build.vocab import PREFIXES

from . import procedures, sandbox

START_LOCK = threading.Lock()
CLIENT_CHECK_SECONDS = 0.25  # how often a waiting request looks whether its client is still there
STARTUP_SECONDS = 60.0  # the first child waits for the fork server to import pyoxigraph; far above what it takes
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

TermTuple = tuple[str, str, str | None, str | None]  # (kind, value, datatype, language)


@dataclass(frozen=True)
class Task:
    """One query for a child: what to run, on which store version, and how to serialize it."""

    version: str
    sparql: str
    media_type: str
    row_cap: int
    substitutions: tuple[tuple[str, TermTuple], ...] = ()
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    union_default_graph: bool = True
    procedure: str = ""  # a name in server.procedures.PROCEDURES: call it on the store instead of running `sparql`
    arguments: tuple[Any, ...] = ()
    federated: bool = False  # names only allow-listed SERVICE endpoints: the server calls them and inlines the answers first


@dataclass(frozen=True)
class Reply:
    """A child's answer: a serialized result, or an error ("syntax" or "error") with its message."""

    status: str
    kind: str = ""
    body: bytes = b""
    media_type: str = ""
    truncated: bool = False
    message: str = ""


@dataclass(frozen=True)
class Limits:
    """How a pool's children are confined beyond the no-network filter every one has: memory ceiling, answer byte cap, CPU niceness."""

    memory_bytes: int = 1024 * 1024 * 1024
    answer_bytes: int = 50 * 1024 * 1024
    nice: int = 0


class ChildLost(RuntimeError):
    """A query process that died or did not start; it has been replaced."""


class MemoryExceeded(ChildLost):
    """A query process killed by its memory ceiling; it has been replaced."""


class ClientGone(RuntimeError):
    """The client of a running query disconnected; the query's process was killed and replaced."""


class PoolBusy(RuntimeError):
    """Every query process stayed busy for the whole time limit."""


# The child side --------------------------------------------------------------------------


def child_main(conn: Connection, limits: Limits = Limits()) -> None:
    """Confine this process, then answer tasks from the parent until the pipe closes or the parent dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server; it closes our pipe
    confine(limits)
    parent = os.getppid()
    threading.Thread(target=exit_when_orphaned, args=(parent,), daemon=True).start()
    stores: dict[str, Store] = {}
    conn.send(("ready", os.getpid()))
    while True:
        try:
            task = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        conn.send_bytes(pickle.dumps(capped(answer(task, stores), limits.answer_bytes), protocol=pickle.HIGHEST_PROTOCOL))


def confine(limits: Limits) -> None:
    """Apply a pool's limits to this process: niceness, no network (always), the memory ceiling."""
    if limits.nice:
        os.nice(limits.nice)
    sandbox.forbid_network()
    sandbox.limit_memory(limits.memory_bytes)


def capped(reply: Reply, answer_bytes: int) -> Reply:
    """Replace an answer longer than the byte cap by a "too_large" reply saying so."""
    if answer_bytes <= 0 or len(reply.body) <= answer_bytes:
        return reply
    size = f"{len(reply.body) / 1e6:.1f} MB"
    cap = f"{answer_bytes / 1e6:g} MB"
    return Reply("too_large", message=f"the answer ({size}) is larger than the {cap} cap on one answer; add a LIMIT or select fewer columns")


def exit_when_orphaned(parent: int) -> None:
    """End this process once its parent is gone (a running query does not hold the GIL)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def answer(task: Task, stores: dict[str, Store], within_row_cap: bool = False) -> Reply:
    """Run a task and serialize its result, or describe the error.

    `within_row_cap`: the caller knows the answer has at most row_cap rows (`server.small_queries`), so the engine
    serializes it at once instead of counting the rows first (the same bytes: tests/server/test_small_queries.py).
    """
    try:
        store = open_store(task.version, stores)
        if task.procedure:
            return value_reply(procedures.call(store, task.procedure, task.arguments, task.row_cap))
        results = store.query(task.sparql, **query_options(task))
        if isinstance(results, QueryBoolean):
            form = QueryResultsFormat.from_media_type(task.media_type) or QueryResultsFormat.JSON
            return Reply("ok", "boolean", results.serialize(format=form), form.media_type)
        if isinstance(results, QuerySolutions) and within_row_cap:
            form = QueryResultsFormat.from_media_type(task.media_type) or QueryResultsFormat.JSON
            return Reply("ok", "solutions", results.serialize(format=form), form.media_type)
        if isinstance(results, QuerySolutions):
            return solutions_reply(results, task)
        return graph_reply(results, task)
    except SyntaxError as error:
        return Reply("syntax", message=str(error))
    except MemoryError:
        return Reply("memory", message="the query needed more memory than a query process may use")
    except Exception as error:  # noqa: BLE001  # any engine error goes back to the request, named
        return Reply("error", message=f"{type(error).__name__}: {error}")


def value_reply(value: Any) -> Reply:
    """Send a procedure's value back pickled (the parent trusts only its own query processes)."""
    return Reply("ok", "value", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), "application/x-python-pickle")


def open_store(version: str, stores: dict[str, Store]) -> Store:
    """Return a read-only handle on a store version, keeping only the newest one open."""
    if version not in stores:
        stores.clear()
        stores[version] = Store.read_only(version)
    return stores[version]


def query_options(task: Task) -> dict[str, Any]:
    """Translate a task's dataset and substitutions into Store.query keyword arguments."""
    options: dict[str, Any] = {"substitutions": {Variable(name): term(spec) for name, spec in task.substitutions}}
    if task.default_graphs is not None:
        options["default_graph"] = [NamedNode(iri) for iri in task.default_graphs]
    if task.named_graphs is not None:
        options["named_graphs"] = [NamedNode(iri) for iri in task.named_graphs]
    if task.union_default_graph and task.default_graphs is None:
        options["use_default_graph_as_union"] = True
    return options


def term(spec: TermTuple) -> NamedNode | BlankNode | Literal:
    """Rebuild a term from its (kind, value, datatype, language) tuple."""
    kind, value, datatype, language = spec
    if kind == "iri":
        return NamedNode(value)
    if kind == "bnode":
        return BlankNode(value)
    if language:
        return Literal(value, language=language)
    return Literal(value, datatype=NamedNode(datatype) if datatype else None)


def solutions_reply(results: QuerySolutions, task: Task) -> Reply:
    """Serialize at most row_cap solutions, by way of SPARQL JSON built here."""
    names = [v.value for v in results.variables]
    solutions = islice(results, task.row_cap + 1)
    rows = [{name: json_term(value) for name, value in zip(names, solution, strict=True) if value is not None} for solution in solutions]
    truncated = len(rows) > task.row_cap
    document: dict[str, Any] = {"head": {"vars": names}, "results": {"bindings": rows[: task.row_cap]}}
    form = QueryResultsFormat.from_media_type(task.media_type) or QueryResultsFormat.JSON
    if form == QueryResultsFormat.JSON:
        if truncated:
            document = {"head": document["head"], "truncated": True, "results": document["results"]}
        return Reply("ok", "solutions", json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), form.media_type, truncated)
    body = parse_query_results(json.dumps(document).encode(), format=QueryResultsFormat.JSON).serialize(format=form)  # type: ignore[union-attr]
    return Reply("ok", "solutions", with_note(body, form.media_type, truncated, task.row_cap, "rows"), form.media_type, truncated)


def json_term(value: Any) -> dict[str, Any]:
    """Write one RDF term as a SPARQL 1.1 (and 1.2) JSON results term."""
    if isinstance(value, NamedNode):
        return {"type": "uri", "value": value.value}
    if isinstance(value, BlankNode):
        return {"type": "bnode", "value": value.value}
    if isinstance(value, Triple):
        parts = {"subject": value.subject, "predicate": value.predicate, "object": value.object}
        return {"type": "triple", "value": {k: json_term(v) for k, v in parts.items()}}
    literal: dict[str, Any] = {"type": "literal", "value": value.value}
    if value.language:
        literal["xml:lang"] = value.language
        if value.direction is not None:
            literal["its:dir"] = str(value.direction)
    elif value.datatype.value not in (XSD_STRING, LANG_STRING):
        literal["datatype"] = value.datatype.value
    return literal


def graph_reply(results: Any, task: Task) -> Reply:
    """Serialize at most row_cap triples of a CONSTRUCT or DESCRIBE result."""
    triples = list(islice(results, task.row_cap + 1))
    truncated = len(triples) > task.row_cap
    form = RdfFormat.from_media_type(task.media_type) or RdfFormat.TURTLE
    body = serialize(triples[: task.row_cap], format=form, prefixes=PREFIXES) or b""
    return Reply("ok", "graph", with_note(body, form.media_type, truncated, task.row_cap, "triples"), form.media_type, truncated)


def with_note(body: bytes, media_type: str, truncated: bool, cap: int, unit: str) -> bytes:
    """Add a comment saying the result was cut, where the format has comments (Turtle, N-Triples, XML)."""
    if not truncated:
        return body
    note = f"truncated: only the first {cap} {unit} are shown (header X-Gaoxin-Truncated: true)"
    if media_type in ("text/turtle", "application/n-triples"):
        return f"# {note}\n".encode() + body
    if media_type in ("application/sparql-results+xml", "application/rdf+xml") and body.startswith(b"<?xml"):
        end = body.index(b"?>") + 2
        return body[:end] + f"<!-- {note} -->".encode() + body[end:]
    return body


# The parent side -------------------------------------------------------------------------


def start_without_main(process: Any) -> None:
    """Start a process whose child does not re-run the server's __main__ module.

    multiprocessing makes every spawned or forkserver child re-execute the parent's
    main module (``gaoxin_kg.cli`` under ``gaoxin-kg serve``: 1.5 s and 110 MB of
    imports per child, measured). A query process needs only this module, so the
    main module is hidden while the start-up data is taken.
    """
    with START_LOCK:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            process.start()
        finally:
            sys.modules["__main__"] = main


class Child:
    """One query process and the parent's end of its pipe."""

    def __init__(self, context: Any, limits: Limits) -> None:
        self.conn, child_end = context.Pipe()
        self.process = context.Process(target=child_main, args=(child_end, limits), name="gaoxin-query", daemon=True)
        start_without_main(self.process)
        child_end.close()
        self.started = time.monotonic()
        self.ready = False
        self.reply_ready = select.poll()  # made once: Connection.poll builds and drops a selector on every call
        self.reply_ready.register(self.conn.fileno(), select.POLLIN)

    def wait_ready(self, seconds: float = STARTUP_SECONDS) -> bool:
        """Wait at most `seconds` for the child's hello after its start-up (once); tell whether it came.

        A child still starting after STARTUP_SECONDS from its start is lost (ChildLost).
        """
        if not self.ready:
            try:
                left_to_start = self.started + STARTUP_SECONDS - time.monotonic()
                if not self.conn.poll(max(0.0, min(seconds, left_to_start))):
                    if seconds < left_to_start:
                        return False  # still starting: the caller's time ran out first
                    raise ChildLost(f"query process did not start in {STARTUP_SECONDS:.0f} s")
                self.conn.recv()
            except EOFError:
                self.process.join(5)
                raise ChildLost(f"query process exited during start-up (exit code {self.process.exitcode})") from None
            self.ready = True
        return True

    def ask(self, task: Task, timeout: float, gone: Callable[[], bool] | None = None) -> Reply:
        """Send a task to this started child (`wait_ready`) and wait at most `timeout` seconds for the reply, giving up when `gone` says the client left."""
        self.conn.send_bytes(pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL))  # plain pickle: Connection.send builds a ForkingPickler each time
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            step = left if gone is None else min(left, CLIENT_CHECK_SECONDS)
            if self.reply_ready.poll(max(0, math.ceil(step * 1000))):  # a hang-up or error also wakes it: recv then raises EOFError
                return pickle.loads(self.conn.recv_bytes())
            if left <= step:
                raise TimeoutError(f"query exceeded the {timeout:g} s time limit")
            if gone is not None and gone():
                raise ClientGone("the client closed the connection; its query was stopped")

    def kill(self) -> None:
        """Stop the process at once and reap it."""
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class QueryPool:
    """A fixed number of query processes, each checked out by one request thread at a time."""

    def __init__(self, size: int, limits: Limits = Limits()) -> None:
        self.limits = limits
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload([__name__])
        self.idle: queue.Queue[Child] = queue.Queue()
        self.children: list[Child] = []
        self.waiting = 0
        self.lock = threading.Lock()
        for _ in range(max(1, size)):
            self.add(Child(self.context, limits))

    def add(self, child: Child) -> None:
        with self.lock:
            self.children.append(child)
        self.idle.put(child)

    def pids(self) -> list[int]:
        """Return the process ids of the pool's children."""
        with self.lock:
            return [c.process.pid for c in self.children if c.process.pid is not None]

    def run(self, task: Task, timeout: float, wait: float | None = None, max_waiting: int | None = None,
            gone: Callable[[], bool] | None = None) -> Reply:
        """Run a task in a free child; on timeout or death kill it, replace it and raise.

        A request waits at most `wait` seconds for a free child (default: the time limit), and
        when `max_waiting` requests already wait, it does not wait at all: PoolBusy.
        """
        arrived = time.monotonic()  # the time limit counts from here: waiting for a child and its start-up are part of it
        child = self.checkout(timeout if wait is None else min(wait, timeout), max_waiting)
        try:
            if not child.wait_ready(timeout - (time.monotonic() - arrived)):
                self.idle.put(child)  # still starting, and sound: the next task gets it
                raise TimeoutError(f"query exceeded the {timeout:g} s time limit while its query process started")
        except ChildLost:
            self.replace(child)
            raise
        try:
            reply = child.ask(task, timeout - (time.monotonic() - arrived), gone)
        except BaseException as error:  # a child in an unknown state is never reused
            self.replace(child)
            if isinstance(error, EOFError | OSError) and not isinstance(error, TimeoutError):
                raise death(child, self.limits, error) from error
            raise
        self.idle.put(child)
        return reply

    def checkout(self, wait: float, max_waiting: int | None) -> Child:
        """Take a free child, waiting at most `wait` seconds, in a queue of at most `max_waiting` requests."""
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            pass
        with self.lock:
            if max_waiting is not None and self.waiting >= max_waiting:
                raise PoolBusy(f"all {len(self.children)} query processes are busy and {self.waiting} requests wait already; try again later")
            self.waiting += 1
        try:
            return self.idle.get(timeout=wait)
        except queue.Empty:
            raise PoolBusy(f"all {len(self.children)} query processes stayed busy for {wait:g} s; try again later") from None
        finally:
            with self.lock:
                self.waiting -= 1

    def replace(self, child: Child) -> None:
        """Kill a child and put a fresh one in its place."""
        child.kill()
        with self.lock:
            if child not in self.children:  # another thread replaced it already
                return
            self.children.remove(child)
        self.add(Child(self.context, self.limits))

    def close(self) -> None:
        """Kill every child (for tests and shutdown)."""
        with self.lock:
            children, self.children = self.children, []
        for child in children:
            child.kill()


def death(child: Child, limits: Limits, error: BaseException) -> ChildLost:
    """Say why a child died: its memory ceiling (the engine aborts when an allocation fails), or another cause."""
    if child.process.exitcode == -signal.SIGABRT and limits.memory_bytes > 0:
        return MemoryExceeded(f"the query needed more than the {limits.memory_bytes // (1024 * 1024)} MB memory limit of a query process and was stopped")
    return ChildLost(f"the query process died ({type(error).__name__}, exit code {child.process.exitcode})")
