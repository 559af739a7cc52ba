"""The gaoxin-kg web server: a Flask application factory with one blueprint per area.

    sparql     /sparql            SPARQL 1.1 Protocol endpoint and the YASGUI editor
    queries    / and /queries     the home page and the canned-query pages
    resources  /id/..., /ontology dereferenceable resources and the ontology
    dumps      /dumps/, /.well-known/void   whole-graph downloads and the dataset description
    api_docs   /openapi.json, /openapi.yaml the OpenAPI description of this HTTP API
    search     /search            full-text search with facets (the index a build writes beside the graph)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from . import cache, choropleth, client_limits, graph, remote, security

DEFAULTS: dict[str, Any] = {
    "STORE": Path("var/store"),  # the store link written by `gaoxin-kg build`
    "QUERY_TIMEOUT": 30.0,  # seconds a query may run before its process is killed
    "ROW_CAP": 10_000,  # result rows beyond this are cut, with a visible "truncated" flag
    "MAX_CONTENT_LENGTH": 1_000_000,  # request bodies beyond this get 413
    "MAX_QUERY_LENGTH": 100_000,  # SPARQL queries longer than this (characters) get 413, before any parsing
    "MAX_QUERY_DEPTH": 100,  # SPARQL queries nesting { ( [ deeper than this get 400 (the parser recurses: ~4000 crash it)
    "MAX_PARAMETER_LENGTH": 2_000,  # canned-query parameter values longer than this (characters) get 400
    "SERVICE_ALLOW": (),  # endpoint IRI prefixes a SERVICE clause may call; empty: SERVICE refused
    "SERVICE_ENDPOINTS": {},  # name → endpoint URL, replacing the SERVICE IRI a canned query declares under that name
    "ENDPOINT": None,  # a remote SPARQL 1.1 endpoint holding the graph, served instead of STORE (server/remote.py)
    "ENDPOINT_VERSION_TTL": 5.0,  # seconds the remote build's version id is cached
    "QUERY_PROCESSES": 2,  # fast-lane query processes per server worker (server/admission.py)
    "HEAVY_QUERIES": 1,  # heavy-lane query processes per worker: queries past FAST_LANE_SECONDS run there, at a lower CPU priority
    "SERVICE_CALLS": 2,  # allow-listed SERVICE endpoints the server itself calls at once per worker (server/service_calls.py)
    "SERVICE_TIMEOUT": 10.0,  # seconds all SERVICE calls of one query may take together
    "SERVICE_ANSWER_BYTES": 10_000_000,  # one SERVICE answer larger than this (bytes) fails the call
    "FAST_LANE_SECONDS": 2.0,  # a query still running after this long is moved to the heavy lane (and run again there)
    "QUEUE_WAIT": 2.0,  # seconds a request waits for a query process before 503 + Retry-After
    "QUEUE_LENGTH": 8,  # requests that may wait for the fast lane per worker; more get 503 at once
    "HEAVY_QUEUE_LENGTH": 2,  # requests that may wait for the heavy lane per worker
    "HEAVY_MEMORY": 1000,  # query texts remembered per worker as heavy (sent straight to the heavy lane)
    "HEAVY_MEMORY_SECONDS": 60.0,  # ... for this long after they last outran the fast lane
    "QUERY_MEMORY_MB": 1024,  # address-space limit of every query process (RLIMIT_AS); beyond it the query gets 413
    "ANSWER_BYTES": 50_000_000,  # one answer larger than this (bytes, serialized) gets 413 instead
    "SMALL_QUERY_MATCHES": 256,  # a basic graph pattern with at most this many combinations of matches runs in the web worker (server/small_queries.py)
    "BODY_READ_TIMEOUT": 10.0,  # seconds a request body may take to arrive: then 408 (granian) or 400 (gunicorn), and the connection is closed
    "CLIENT_QUERIES": 1,  # queries one client address may have running or waiting per worker, fewer than QUERY_PROCESSES; more: 429 (0: no limit)
    "CLIENT_WAIT": 0.5,  # seconds a client's query past CLIENT_QUERIES waits for one of its own to end (a browser's parallel requests) before 429
    "BASE_IRI": "https://w3id.org/gaoxin-kg/",  # the namespace /id/... pages answer for
    "QUERY_DIR": None,  # a folder of canned .rq files instead of the packaged queries/ (tests)
    "RESULT_CACHE_BYTES": 64 * 1024 * 1024,  # per-worker cache of answers and query results, keyed by graph version (server/cache.py); 0: off
    "CACHE_MAX_AGE": 60,  # seconds browsers and proxies may reuse a cached GET before revalidating it (ETag → 304)
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the application: configuration, store accessor, then the blueprints."""
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    app.config["STORE"] = Path(app.config["STORE"]).absolute()  # once: `make serve` passes the relative var/store
    graph.init_app(app, reader_of(app.config))
    security.init_app(app)
    register_blueprints(app)
    choropleth.init_app(app)
    cache.init_app(app)
    client_limits.init_app(app)
    return app


def reader_of(config: dict[str, Any]) -> graph.Reader:
    """Choose the reader of the graph version: the configured remote endpoint, else the store link (opened by the query processes)."""
    if config.get("ENDPOINT"):
        return remote.RemoteGraph.from_config(config)
    return graph.StoreLink(config["STORE"])


def register_blueprints(app: Flask) -> None:
    """Register one blueprint per area (each module that exists)."""
    from importlib import import_module

    for name in ("queries", "sparql", "resources", "dumps", "api_docs", "search"):
        try:
            module = import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            continue
        app.register_blueprint(module.blueprint)
