"""Run SPARQL queries for the server: read-only, SERVICE refused, each in a child process under a time limit.

API used by every blueprint (keep it when the internals change); nothing in the server reads the store another way::

    execute(sparql, result_format=..., substitutions=..., default_graph_uris=..., named_graph_uris=..., keep=True) -> QueryResult
    execute_in(app, read_snapshot, sparql, ..., environ=...) -> QueryResult   (the same, outside Flask: server.sparql_fast)
    select(sparql, substitutions=..., row_cap=...) -> list[dict[str, term]]     (a SELECT read into terms)
    call(procedure, *arguments) -> value        (a `server.procedures` look-up: resource pages, dumps)

``result_format`` is a media type: for SELECT/ASK one of application/sparql-results+json,
application/sparql-results+xml, text/csv, text/tab-separated-values; for
CONSTRUCT/DESCRIBE one of text/turtle, application/n-triples, application/rdf+xml,
application/ld+json (a type that does not fit the query form falls back to JSON or
Turtle). ``substitutions`` maps variable names (``"x"``, ``"?x"`` or a ``Variable``) to
pyoxigraph terms; each must be in the SELECT projection. With no graph URIs the
default graph is the union of all named graphs (unless the query says FROM).

Every task runs on the version of the request's snapshot (`server.graph.current`, read once
per request). Successful results are kept per graph version in the app's cache (server/cache.py), keyed
by version, query text, substitutions, dataset, media type and row cap; errors and
timeouts are never kept, so they are run again. ``keep=False`` looks the result up but
does not keep it: for an answer the response cache keeps whole (a GET of /sparql), a
second copy would only halve what the cache holds.

Errors are exceptions, all subclasses of ``QueryError`` with a readable ``message``:
``QuerySyntaxError`` (``line``, ``column``), ``QueryRefused`` (``reason`` "update" or
"service"), ``QueryTimeout`` (``seconds``), ``QueryUnavailable`` (no graph built, or
every query process busy), ``QueryFailed`` (the engine failed while running it).

With ``ENDPOINT`` configured the same checks run first, then the query goes to that
remote SPARQL endpoint instead (`server.remote.answer`), under the same row cap and time limit.
"""

from __future__ import annotations

import os
import pickle
import re
import threading
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_request_context, request
from pyoxigraph import BlankNode, Literal, NamedNode, QueryResultsFormat, Variable, parse_query_results

from graph_build.store.access import StoreError

from . import cache, graph, procedures, remote, service_calls, small_queries, sparql_text
from .admission import Lanes, client_gone, client_slot
from .asgi_bridge import ON_LOOP, WouldWait
from .query_process import ChildLost, ClientGone, MemoryExceeded, PoolBusy, QueryPool, Reply, Task, TermTuple

JSON = "application/sparql-results+json"
POSITION = re.compile(r"^error at (\d+):(\d+): ")


@dataclass(frozen=True)
class QueryResult:
    """A serialized query result."""

    kind: str  # "solutions", "boolean" or "graph"
    body: bytes
    media_type: str
    truncated: bool = False


class QueryError(Exception):
    """A query that could not be answered; `message` says why in one sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QuerySyntaxError(QueryError):
    """A query the SPARQL parser rejects, with the position it names."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line, self.column = line, column


class QueryRefused(QueryError):
    """A request this read-only endpoint does not run: an update, or a SERVICE clause."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class QueryTimeout(QueryError):
    """A query stopped (its process killed) at the time limit."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"query exceeded the {seconds:g} s time limit and was stopped")
        self.seconds = seconds


class QueryUnavailable(QueryError):
    """No query could be run now: no graph is built, or every query process is busy."""


class QueryFailed(QueryError):
    """The engine failed while running a query."""


class QueryTooLarge(QueryError):
    """A query whose answer exceeded the byte cap, or whose process exceeded its memory limit (then replaced)."""


class Executor:
    """The query processes of one server process, in lanes (`server.admission`), started on first use in that process,
    and its handle for the small queries it answers itself (`server.small_queries`)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)
        self._lanes: Lanes | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._small: tuple[int, small_queries.SmallQueries] | None = None

    def lanes(self) -> Lanes:
        """Return this process's lanes, starting them (again, after a fork) when needed."""
        if self._lanes is None or self._pid != os.getpid():
            with self._lock:
                if self._lanes is None or self._pid != os.getpid():
                    self._lanes, self._pid = Lanes(self.config), os.getpid()
        return self._lanes

    def small(self) -> small_queries.SmallQueries:
        """Return this process's small-query handle (a store handle opened before a fork is not used after it)."""
        if self._small is None or self._small[0] != os.getpid():
            self._small = (os.getpid(), small_queries.SmallQueries(int(self.config["SMALL_QUERY_MATCHES"]), int(self.config["ANSWER_BYTES"])))
        return self._small[1]

    def pool(self) -> QueryPool:
        """Return this process's fast lane (benchmarks and tests look at its processes)."""
        return self.lanes().fast

    def close(self) -> None:
        """Stop the query processes of this process."""
        if self._lanes is not None and self._pid == os.getpid():
            self._lanes.close()
        self._lanes = None


def init_app(app: Flask) -> None:
    """Attach the executor; a server (not a test app) starts its query processes now, beside its own start-up."""
    executor = app.extensions.setdefault("gaoxin_executor", Executor(app.config))
    if not app.testing and not app.config.get("ENDPOINT"):  # a remote endpoint runs the queries: no local processes
        threading.Thread(target=executor.lanes, name="gaoxin-query-pool-start", daemon=True).start()


def executor_of(app: Flask) -> Executor:
    """Return the app's executor, attaching one if no blueprint did."""
    return app.extensions.setdefault("gaoxin_executor", Executor(app.config))


def execute(
    sparql: str,
    result_format: str = JSON,
    substitutions: Mapping[str | Variable, NamedNode | BlankNode | Literal] | None = None,
    default_graph_uris: Iterable[str] | None = None,
    named_graph_uris: Iterable[str] | None = None,
    *,
    row_cap: int | None = None,
    timeout: float | None = None,
    keep: bool = True,
) -> QueryResult:
    """Run a read-only query on the current graph in a query process and serialize its result."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    graphs = {"default_graph_uris": default_graph_uris, "named_graph_uris": named_graph_uris}
    return execute_in(app, snapshot, sparql, result_format, substitutions, **graphs, row_cap=row_cap, timeout=timeout, keep=keep, environ=request_environ())


def execute_in(
    app: Flask,
    read: Callable[[], graph.Snapshot],
    sparql: str,
    result_format: str = JSON,
    substitutions: Mapping[str | Variable, NamedNode | BlankNode | Literal] | None = None,
    default_graph_uris: Iterable[str] | None = None,
    named_graph_uris: Iterable[str] | None = None,
    *,
    row_cap: int | None = None,
    timeout: float | None = None,
    keep: bool = True,
    environ: MutableMapping[str, Any] | None = None,
) -> QueryResult:
    """Run `execute` with the app, the reader of the snapshot (called after the checks) and the client check given, outside any Flask context."""
    small = small_queries.patterns_of(sparql) is not None  # no update, SERVICE or FROM in it: nothing for the checks to refuse
    services = [] if small else check(sparql, tuple(app.config["SERVICE_ALLOW"]))
    task = Task(
        version=task_version(read()),
        sparql=sparql,
        media_type=result_format,
        row_cap=int(app.config["ROW_CAP"] if row_cap is None else row_cap),
        substitutions=tuple((variable_name(k), term_tuple(v)) for k, v in (substitutions or {}).items()),
        **dataset(sparql, default_graph_uris, named_graph_uris, small),
        federated=bool(services),
    )
    return cached_run(app, task, float(app.config["QUERY_TIMEOUT"] if timeout is None else timeout), keep, environ)


def select(sparql: str, substitutions: Mapping[str | Variable, NamedNode | BlankNode | Literal] | None = None,
           row_cap: int | None = None) -> list[dict[str, Any]]:
    """Run a SELECT query through `execute` and return its rows as {variable name: term} (unbound variables left out)."""
    result = execute(sparql, JSON, substitutions, row_cap=row_cap)
    solutions = parse_query_results(result.body, format=QueryResultsFormat.JSON)
    names = [variable.value for variable in solutions.variables]  # type: ignore[union-attr]
    return [{name: value for name, value in zip(names, row, strict=True) if value is not None} for row in solutions]  # type: ignore[union-attr]


def call(procedure: str, *arguments: Any, row_cap: int | None = None, keep: bool = True) -> Any:
    """Run a store procedure (`server.procedures`) on the current graph in a query process, under the time limit and row cap."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cap = int(app.config["ROW_CAP"] if row_cap is None else row_cap)
    task = Task(version=task_version(snapshot()), sparql="", media_type="", row_cap=cap, procedure=procedure, arguments=arguments)
    return pickle.loads(cached_run(app, task, float(app.config["QUERY_TIMEOUT"]), keep, request_environ()).body)


def snapshot() -> graph.Snapshot:
    """Return the snapshot this request reads (`server.graph`), or raise QueryUnavailable when there is none."""
    return snapshot_from(graph.current)


def snapshot_from(read: Callable[[], graph.Snapshot]) -> graph.Snapshot:
    """Return the snapshot `read` gives, or raise QueryUnavailable when there is none."""
    try:
        return read()
    except StoreError as error:
        raise QueryUnavailable(str(error)) from error


def task_version(of: graph.Snapshot) -> str:
    """Name the version a task runs on: the directory a query process opens, or the remote build's digest (a cache key)."""
    return of.version_id if of.remote else of.location


def request_environ() -> MutableMapping[str, Any] | None:
    """Return this request's WSGI environ (its client address and disconnect check), None outside a request."""
    return request.environ if has_request_context() else None


def cached_run(app: Flask, task: Task, timeout: float, keep: bool = True, environ: MutableMapping[str, Any] | None = None) -> QueryResult:
    """Answer a task from the result cache of this graph version, else run it (here or on the remote endpoint) and keep a successful result if asked."""
    results = cache.cache_of(app)
    result: QueryResult | None = results.get(("result", task)) if results is not None else None
    if result is None:
        result = run_remote(app, task, timeout) if app.config.get("ENDPOINT") else run(app, task, timeout, environ)  # an error raises: nothing stored
        if keep and results is not None:
            results.put(("result", task), result, len(result.body) + len(task.sparql) + cache.ENTRY_OVERHEAD)
    return result


def check(sparql: str, service_allow: tuple[str, ...]) -> list[str]:
    """Refuse updates and SERVICE clauses the allow-list does not permit, before anything runs; return the permitted endpoints."""
    if sparql_text.operation(sparql) == "update":
        raise QueryRefused("this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, ...) is not allowed", "update")
    clause = sparql_text.refused_service(sparql, service_allow)
    if clause is not None:
        target = f"<{clause.endpoint}>" if clause.endpoint else "a variable endpoint" if clause.variable else "an endpoint"
        allowed = f"only endpoints under {', '.join(service_allow)} are" if service_allow else "federated queries are not"
        message = f"SERVICE clause at line {clause.line}, column {clause.column} (calling {target}) refused: {allowed} allowed on this endpoint"
        raise QueryRefused(message, "service")
    return [clause.endpoint for clause in sparql_text.service_clauses(sparql) if clause.endpoint] if service_allow else []


def dataset(sparql: str, default: Iterable[str] | None, named: Iterable[str] | None, small: bool = False) -> dict:
    """Choose the dataset: the protocol's graphs, else the query's FROM (never in a small query), else the union of all graphs."""
    default, named = tuple(default or ()), tuple(named or ())
    if default or named:
        return {"default_graphs": default, "named_graphs": named, "union_default_graph": False}
    return {"union_default_graph": small or not sparql_text.has_dataset_clause(sparql)}


def variable_name(key: str | Variable) -> str:
    """Return a substitution key's variable name without its ? or $."""
    return key.value if isinstance(key, Variable) else key.lstrip("?$")


def term_tuple(term: NamedNode | BlankNode | Literal) -> TermTuple:
    """Describe a term as a (kind, value, datatype, language) tuple that crosses the process boundary."""
    if isinstance(term, NamedNode):
        return ("iri", term.value, None, None)
    if isinstance(term, BlankNode):
        return ("bnode", term.value, None, None)
    if isinstance(term, Literal):
        return ("literal", term.value, term.datatype.value, term.language)
    raise TypeError(f"cannot substitute {term!r}: only IRIs, blank nodes and literals")


def run(app: Flask, task: Task, timeout: float, environ: MutableMapping[str, Any] | None = None) -> QueryResult:
    """Run a task in the app's query processes, within its client's share (CLIENT_QUERIES, 429 beyond) and stopped when
    the client leaves (`environ`: the request's WSGI environ); turn the reply into a result or an exception.
    A small query (`server.small_queries`: the store bounds its matches before it runs) is answered here instead."""
    executor, on_loop = executor_of(app), bool(environ and environ.get(ON_LOOP))
    try:
        with client_slot(app, environ or {}, wait=0.0 if on_loop else None):
            reply = executor.small().answer(task)
            if reply is None and on_loop:  # the bridge's event loop never waits for a query process
                raise WouldWait
            if reply is not None and environ is not None:  # cheap to make again: the response cache keeps it when asked twice
                environ[cache.SMALL_ANSWER_KEY] = True
            reply = reply or executor.lanes().run(task, timeout, client_gone(environ or {}))
    except TimeoutError:
        raise QueryTimeout(timeout) from None
    except MemoryExceeded as error:
        raise QueryTooLarge(str(error)) from error
    except (PoolBusy, ChildLost, ClientGone) as error:
        raise QueryUnavailable(str(error)) from error
    except service_calls.ServiceRefused as error:
        raise QueryRefused(str(error), "service") from error
    except service_calls.ServiceFailed as error:
        raise QueryFailed(str(error)) from error
    return result_of(reply)


def run_remote(app: Flask, task: Task, timeout: float) -> QueryResult:
    """Run a task on the remote endpoint the app serves (ENDPOINT) under the same limits, and read the reply the same way."""
    reader = graph.reader_of(app)
    try:
        if task.procedure:  # here, on the remote store: each of its requests has the time limit
            return QueryResult("value", pickle.dumps(procedures.call(reader.store, task.procedure, task.arguments, task.row_cap)), "")
        reply = remote.answer(reader.endpoint, task, timeout)
    except TimeoutError:
        raise QueryTimeout(timeout) from None
    except (StoreError, OSError) as error:  # unreachable, or the connection dropped while the answer streamed in
        raise QueryUnavailable(str(error) or type(error).__name__) from error
    return result_of(reply)


def result_of(reply: Reply) -> QueryResult:
    """Turn a query's reply into a result, or into the exception that names its error."""
    if reply.status == "syntax":
        raise syntax_error(reply.message)
    if reply.status in ("too_large", "memory"):
        raise QueryTooLarge(reply.message)
    if reply.status != "ok":
        raise QueryFailed(reply.message)
    return QueryResult(reply.kind, reply.body, reply.media_type, reply.truncated)


def syntax_error(message: str) -> QuerySyntaxError:
    """Name the line and column of a parser message ("error at 1:6: expected ...").

    >>> syntax_error("error at 1:6: expected one of ...").message
    'syntax error at line 1, column 6: expected one of ...'
    """
    match = POSITION.match(message)
    if match is None:
        return QuerySyntaxError(f"syntax error: {message}")
    line, column = int(match.group(1)), int(match.group(2))
    return QuerySyntaxError(f"syntax error at line {line}, column {column}: {message[match.end():]}", line, column)
