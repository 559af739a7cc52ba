"""Run SPARQL queries for the server (first version: in-process, no time limit yet).

API used by every blueprint (keep it when the internals change):

    execute(sparql, result_format=..., substitutions=..., default_graph_uris=..., named_graph_uris=...) -> QueryResult

``result_format`` is a media type: for SELECT/ASK one of application/sparql-results+json,
application/sparql-results+xml, text/csv, text/tab-separated-values; for
CONSTRUCT/DESCRIBE one of text/turtle, application/n-triples, application/rdf+xml,
application/ld+json. ``substitutions`` maps variable names to pyoxigraph terms.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Variable

from . import graph

JSON = "application/sparql-results+json"


@dataclass(frozen=True)
class QueryResult:
    """A serialized query result."""

    kind: str  # "solutions", "boolean" or "graph"
    body: bytes
    media_type: str
    truncated: bool = False


def execute(
    sparql: str,
    result_format: str = JSON,
    substitutions: dict[str, NamedNode | Literal] | None = None,
    default_graph_uris: list[str] | None = None,
    named_graph_uris: list[str] | None = None,
) -> QueryResult:
    """Run a query on the current graph and serialize its result."""
    store = graph.current().store
    options: dict = {"substitutions": {Variable(k): v for k, v in (substitutions or {}).items()}}
    if default_graph_uris:
        options["default_graph"] = [NamedNode(u) for u in default_graph_uris]
    else:
        options["use_default_graph_as_union"] = True
    if named_graph_uris:
        options["named_graphs"] = [NamedNode(u) for u in named_graph_uris]
    results = store.query(sparql, **options)
    if isinstance(results, QuerySolutions | QueryBoolean):
        kind = "solutions" if isinstance(results, QuerySolutions) else "boolean"
        form = QueryResultsFormat.from_media_type(result_format) or QueryResultsFormat.JSON
        return QueryResult(kind, results.serialize(format=form), form.media_type)
    form = RdfFormat.from_media_type(result_format) or RdfFormat.TURTLE
    return QueryResult("graph", results.serialize(format=form), form.media_type)
