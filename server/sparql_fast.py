"""The fast path of /sparql: a plain query GET answered below Flask, with the same bytes, headers and limits as the view.

bench/endpoint_profile.py showed where a unique point lookup's time went in the web worker:
Flask's request context, routing, response object and the hooks that each walk the headers
cost more than the query process's round trip, and a bare Flask endpoint still pays them.
This WSGI layer sits between the response cache (`server.cache`, which stays in front) and
Flask, and answers the common case itself: a ``GET /sparql`` whose query string the view
reads the same way (`server.sparql.plain_query`), whose Accept header is empty, ``*/*``
or one offered media type (no q-values to weigh), and whose query passes the view's checks.
The query runs through the same executor (`server.executor.execute_in`): the same query
processes, time limit, memory ceiling, byte cap, sandbox and result cache.

Everything else goes to the Flask view unchanged: a POST, any other Accept header, the
editor, a malformed request. An error the executor raises (a timeout, a syntax error, a
refused SERVICE, a busy pool; any exception) is handed to the view under ``FAILED`` and raised
again there, in the place it would have been raised, so error answers are written in one place
(`server.errors`) and the query is not run twice.

Under granian the bridge first offers each GET to the app on its event loop (`server.asgi_bridge.ON_LOOP`):
there this layer answers only a small query (`server.small_queries`: no query process, no waiting)
and raises `WouldWait` for any other request before doing anything, so that a thread answers it as above.

The answer carries what the view's hooks would add (CORS, caching, security headers, the
graph version); tests compare both paths header by header. An app whose hooks are not the
ones this module knows (`KNOWN_HOOKS`) is never given the fast path: every request then goes to Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask

from . import cache, executor, graph, security, small_queries
from .asgi_bridge import ON_LOOP, WouldWait

FAILED = "gaoxin.sparql.failed"  # the environ key of the executor error the view raises again
EXTENSION = "gaoxin_fast_queries"
PATHS = ("/sparql", "/sparql/")
KNOWN_HOOKS = {  # what runs around the view for a /sparql request; the fast path adds the same headers itself
    "before": {None: ["server.security.refuse_malformed_accept"], "sparql": ["server.sparql.errors_as_text"]},
    "after": {None: ["server.graph.add_version_header", "server.security.add_headers", "server.cache.mark_cacheable"],
              "sparql": ["server.sparql.cors"]},
}

Plan = tuple[str, str, list[str], list[str]]  # query, media type, default graph IRIs, named graph IRIs
Reader = Callable[[Mapping[str, Any], Mapping[str, Any]], Plan | None]
StartResponse = Callable[..., Any]


class FastQueries:
    """Answer plain SPARQL query GETs without Flask; hand every other request, and every failed query, to the app."""

    def __init__(self, app: Callable[..., Iterable[bytes]], flask_app: Flask, plan: Reader, extra_headers: Mapping[str, str]) -> None:
        self.app, self.flask_app, self.plan = app, flask_app, plan
        self.extra_headers = list(extra_headers.items())
        self.security_headers = list(security.HEADERS.items())
        self.enabled: bool | None = None  # decided on the first request, once every hook is registered
        self.answered = self.passed_on = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "GET" or environ.get("PATH_INFO") not in PATHS or not self.is_enabled():
            return self.pass_on(environ, start_response, counted=False)
        try:
            plan = self.plan(environ, self.flask_app.config)
        except Exception:  # noqa: BLE001  # a bug in reading is the view's to report, the way Flask reports it
            plan = None
        if plan is None:
            return self.pass_on(environ, start_response)
        query, media_type, default_graphs, named_graphs = plan
        if environ.get(ON_LOOP) and small_queries.patterns_of(query) is None:
            raise WouldWait
        reader, read = graph.reader_of(self.flask_app), []

        def snapshot() -> graph.Snapshot:  # read after the checks, as the view reads it
            read.append(environ.get(cache.SNAPSHOT_KEY) or executor.snapshot_from(reader.current))
            return read[0]

        try:
            result = executor.execute_in(self.flask_app, snapshot, query, media_type, default_graph_uris=default_graphs, named_graph_uris=named_graphs,
                                         keep=cache.ENVIRON_KEY not in environ, environ=environ)
        except Exception as error:  # noqa: BLE001  # a QueryError, or a bug: raised again in the view, answered as there
            if environ.get(ON_LOOP):  # run again in a thread, where the view reports it
                raise WouldWait from error
            environ[FAILED] = (error, bool(read))
            return self.pass_on(environ, start_response)
        self.answered += 1
        start_response("200 OK", self.headers(environ, result, read[0].version_id))
        return [result.body]

    def pass_on(self, environ: dict[str, Any], start_response: StartResponse, counted: bool = True) -> Iterable[bytes]:
        """Hand the request to Flask (counted as passed on), or, on the event loop, to a thread (WouldWait)."""
        if environ.get(ON_LOOP):
            raise WouldWait
        self.passed_on += counted
        return self.app(environ, start_response)

    def headers(self, environ: dict[str, Any], result: executor.QueryResult, version: str) -> list[tuple[str, str]]:
        """Write the headers the view and its hooks give a 200 answer, in their order, and mark it for the response cache."""
        media_type = result.media_type  # as server.sparql.with_charset writes it
        content_type = media_type + "; charset=utf-8" if media_type.startswith("text/") and "charset" not in media_type else media_type
        headers = [("Content-Type", content_type), ("Content-Length", str(len(result.body))), ("Vary", "Accept")]
        if result.truncated:
            headers.append(("X-Gaoxin-Truncated", "true"))
        headers += self.extra_headers
        marked = environ.get(cache.ENVIRON_KEY)
        if marked is not None and marked[0] == version:  # cache.mark_cacheable: stored under the version it was read from
            headers += [("ETag", marked[2]), ("Cache-Control", self.flask_app.extensions["gaoxin_cache_control"]), ("X-Gaoxin-Cache", "miss")]
            environ[cache.ENVIRON_KEY + ".store"] = True
        return headers + self.security_headers + [("X-Gaoxin-Graph-Version", version)]

    def is_enabled(self) -> bool:
        """Tell whether the app's hooks are the known ones (checked once: hooks are registered before the first request)."""
        if self.enabled is None:
            self.enabled = hooks(self.flask_app) == known_hooks(self.flask_app)
        return self.enabled


def hooks(app: Flask) -> dict[str, dict[str | None, list[str]]]:
    """Name the before- and after-request functions that run around the /sparql view."""
    def names(functions: Mapping[str | None, list[Callable[..., Any]]]) -> dict[str | None, list[str]]:
        return {scope: [f"{f.__module__}.{f.__name__}" for f in found] for scope, found in functions.items() if scope in (None, "sparql") and found}

    return {"before": names(app.before_request_funcs), "after": names(app.after_request_funcs)}


def known_hooks(app: Flask) -> dict[str, dict[str | None, list[str]]]:
    """Return the hooks the fast path stands in for, without the cache's when caching is off."""
    if cache.cache_of(app) is not None:
        return KNOWN_HOOKS
    after = {None: [name for name in KNOWN_HOOKS["after"][None] if name != "server.cache.mark_cacheable"], "sparql": KNOWN_HOOKS["after"]["sparql"]}
    return {"before": KNOWN_HOOKS["before"], "after": after}


def init_app(app: Flask, plan: Reader, extra_headers: Mapping[str, str]) -> None:
    """Put the fast path in front of the app's Flask handling (the response cache, added later, goes in front of it)."""
    app.wsgi_app = FastQueries(app.wsgi_app, app, plan, extra_headers)  # type: ignore[method-assign]
    app.extensions[EXTENSION] = app.wsgi_app


def answers_on_loop(app: Flask) -> bool:
    """Tell whether the bridge may offer the app requests on its event loop: every request to Flask then passes this layer,
    which refuses all but small queries and cache hits (`pass_on`); not with a remote ENDPOINT, whose version is read over HTTP."""
    return EXTENSION in app.extensions and not app.config.get("ENDPOINT")
