"""The floor for bench/endpoint.py: a bare SPARQL endpoint, Flask + pyoxigraph, without checks, time limit, log or cache.

    STORE=<store version dir> granian --interface wsgi --working-dir bench --workers 2 --blocking-threads 4 bare_endpoint:app
    STORE=<store version dir> gunicorn --chdir bench -k gthread -w 2 --threads 4 -b 127.0.0.1:PORT bare_endpoint:app
"""

from __future__ import annotations

import os
import threading

from flask import Flask, Response, request
from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Store

app = Flask(__name__)
opened: list[Store] = []
lock = threading.Lock()


def store() -> Store:
    """Open the store read-only once per worker, after the fork."""
    if not opened:
        with lock:
            if not opened:
                opened.append(Store.read_only(os.environ["STORE"]))
    return opened[0]


@app.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """Run the query in this thread and serialize its result natively."""
    results = store().query(request.values["query"], use_default_graph_as_union=True)
    if isinstance(results, QuerySolutions | QueryBoolean):
        return Response(results.serialize(format=QueryResultsFormat.JSON), mimetype="application/sparql-results+json")
    return Response(results.serialize(format=RdfFormat.TURTLE), mimetype="text/turtle")
