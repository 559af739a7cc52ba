"""The SPARQL 1.1 Protocol endpoint /sparql (queries only) and its YASGUI editor page.

    GET  /sparql?query=...                      run a query
    POST /sparql  query=... (form-encoded)      run a query
    POST /sparql  (application/sparql-query)    run the body as a query
    GET  /sparql                                the Service Description (RDF), or the editor for a browser
    GET  /sparql?_q=ID                          the editor on a query kept by a short link
    POST /sparql/links  query=...               keep a query; answers its short link (JSON, 201)

``default-graph-uri`` / ``named-graph-uri`` (repeatable) set the dataset; with neither,
the default graph is the union of all named graphs. The result format follows
``Accept`` (q-values honoured) or ``format=`` (json, xml, csv, tsv, ttl, nt, rdf,
jsonld; ``_format=`` is the same parameter), chosen by `server.negotiation`. Updates get
403, SERVICE clauses 400, a query past the time limit 503 with Retry-After (`server.errors`,
as on every page); errors are plain text.
Statuses follow the W3C protocol tests (tests/server/test_sparql_protocol.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from pyoxigraph import Literal, NamedNode, Variable
from werkzeug.exceptions import RequestEntityTooLarge

from graph_build import canned
from graph_build.vocab import PREFIXES, sparql_prefixes

from . import cache, errors, executor, negotiation, permalinks, security, small_queries, sparql_description, sparql_fast, sparql_text
from .errors import Problem
from .negotiation import FORMAT_PARAMETERS

blueprint = Blueprint("sparql", __name__)
errors.register(blueprint)

JSON, XML, CSV, TSV = executor.JSON, "application/sparql-results+xml", "text/csv", "text/tab-separated-values"
TURTLE, NTRIPLES, RDFXML, JSONLD = "text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"
FORMATS = {"json": JSON, "xml": XML, "csv": CSV, "tsv": TSV, "ttl": TURTLE, "nt": NTRIPLES, "rdf": RDFXML, "jsonld": JSONLD}  # the documented names
# format= names by query form; clients send their own too (SPARQLWrapper: format=xml or json for CONSTRUCT, format=turtle).
RESULT_NAMES = {"json": JSON, "srj": JSON, "xml": XML, "srx": XML, "csv": CSV, "tsv": TSV}
GRAPH_NAMES = {"ttl": TURTLE, "turtle": TURTLE, "nt": NTRIPLES, "ntriples": NTRIPLES, "n-triples": NTRIPLES, "rdf": RDFXML, "xml": RDFXML, "rdfxml": RDFXML}
GRAPH_NAMES |= {"jsonld": JSONLD, "json-ld": JSONLD, "json": JSONLD}
# Accepted media types and the format each means; the first of equal quality wins (so */* gives JSON or Turtle).
RESULT_TYPES = {JSON: JSON, XML: XML, CSV: CSV, TSV: TSV, "application/json": JSON, "application/xml": XML, "text/xml": XML}
GRAPH_TYPES = {TURTLE: TURTLE, NTRIPLES: NTRIPLES, RDFXML: RDFXML, JSONLD: JSONLD, "application/x-turtle": TURTLE, "text/plain": NTRIPLES}
CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Gaoxin-Truncated, X-Gaoxin-Graph-Version"}
PAGE_TYPES = ("text/html", "application/xhtml+xml")
UPDATE_REFUSED = "this endpoint is read-only: SPARQL Update is not allowed (use the dumps to get the whole graph)"
POST_TYPES = "Content-Type application/x-www-form-urlencoded (query=...) or application/sparql-query (the query as the body)"
DEFAULT_QUERY = """
# 政策文件及其文号 The documents and their numbers
SELECT ?document ?doc_number ?title WHERE {
  ?document a eli:LegalResource ;
            eli:id_local ?doc_number .
  OPTIONAL { ?document eli:title ?title }
}
ORDER BY ?doc_number
LIMIT 100
"""


@dataclass(frozen=True)
class Operation:
    """What a protocol request asks for."""

    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    format: str | None
    format_parameter: str = "format"  # the name the request gave it by: _format, or format as SPARQL clients send


@blueprint.record_once
def setup(state: BlueprintSetupState) -> None:
    """Check the SERVICE allow-list, attach the query processes and put the fast path in front of the app the blueprint is registered on."""
    sparql_text.allow_entries(state.app.config["SERVICE_ALLOW"])  # a malformed entry fails at start, naming it
    executor.init_app(state.app)
    sparql_fast.init_app(state.app, plain_query, CORS_HEADERS)


@blueprint.before_request
def errors_as_text() -> None:
    """Write this endpoint's errors as plain text, the way SPARQL clients show them."""
    errors.answer_in("text")


@blueprint.route("/sparql/", methods=["GET", "POST"])
@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a SPARQL protocol request: a query, the service description, or the editor page."""
    operation = read_operation()
    if operation.query is not None:
        return answer(operation)
    if request.method == "POST":
        raise Problem(400, "no query: give query=... in the form body, or POST the query itself with application/sparql-query")
    return describe_or_edit(operation)


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> Response:
    return errors.respond(413, f"the request body is larger than {current_app.config['MAX_CONTENT_LENGTH']} bytes", "text")


@blueprint.after_request
def cors(response: Response) -> Response:
    """Let pages on any origin query the endpoint (it is public and read-only)."""
    response.headers.extend(CORS_HEADERS)  # no view sets these: added, not set, which would scan every header
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


# Reading the request ---------------------------------------------------------------------


def read_operation() -> Operation:
    """Read the query, dataset and format of a GET or POST protocol request."""
    url = pairs(request.query_string, "URL query string")
    if request.method != "POST":
        return operation_from(url)
    media_type, charset = request.mimetype, request.mimetype_params.get("charset", "utf-8")
    if media_type == "application/sparql-update":
        raise Problem(403, UPDATE_REFUSED)
    if charset.lower().replace("-", "") != "utf8":
        raise Problem(400, f"the request body must be UTF-8, not {charset}")
    if media_type == "application/x-www-form-urlencoded":
        return operation_from(url + pairs(request.get_data(), "form body"))
    if media_type == "application/sparql-query":
        if any(name in ("query", "update") for name, _ in url):
            raise Problem(400, "give the query once: as the application/sparql-query body, not also as a query= parameter")
        return operation_from(url, utf8(request.get_data(), "request body"))
    if not media_type:
        raise Problem(400, f"a POST needs {POST_TYPES}")
    raise Problem(400, f"unsupported Content-Type {media_type}: a POST needs {POST_TYPES}")


def utf8(raw: bytes, where: str) -> str:
    """Decode bytes as UTF-8 or refuse the request, naming where they came from."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem(400, f"the {where} is not valid UTF-8 (byte {error.start})") from None


def pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    """Parse URL-encoded name=value pairs, refusing anything that is not UTF-8."""
    try:
        return parse_qsl(utf8(raw, where), keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=1000)
    except UnicodeDecodeError:
        raise Problem(400, f"the {where} has percent-escapes that are not UTF-8") from None
    except ValueError as error:
        raise Problem(400, f"the {where} is malformed: {error}") from None


def operation_from(params: list[tuple[str, str]], body_query: str | None = None) -> Operation:
    """Check the parameters of a request and collect its operation."""
    if any(name == "update" for name, _ in params):
        raise Problem(403, UPDATE_REFUSED)
    queries = [value for name, value in params if name == "query"] + ([body_query] if body_query is not None else [])
    formats = [(name, value) for name, value in params if name in FORMAT_PARAMETERS]
    if len(queries) > 1:
        raise Problem(400, f"the query was given {len(queries)} times; give exactly one")
    if queries and not queries[0].strip():
        raise Problem(400, "the query is empty")
    if len(formats) > 1:
        raise Problem(400, f"parameter {formats[0][0]!r} was given {len(formats)} times; give it once, as one of {', '.join(FORMATS)}")
    graphs = {kind: graph_iris(params, f"{kind}-graph-uri") for kind in ("default", "named")}
    parameter, format_name = formats[0] if formats else ("format", None)
    return Operation(queries[0] if queries else None, graphs["default"], graphs["named"], format_name, parameter)


def graph_iris(params: list[tuple[str, str]], parameter: str) -> list[str]:
    """Collect the values of a graph parameter, refusing one that is no absolute IRI (400 naming it)."""
    values = [value for name, value in params if name == parameter]
    for value in values:
        try:
            NamedNode(value)
        except ValueError as error:
            raise Problem(400, f"{parameter}={value[:200]!r} is not an absolute IRI ({error})") from None
    return values


# Answering -------------------------------------------------------------------------------


def answer(operation: Operation) -> Response:
    """Run a query and send its result in the negotiated format, or the reason it failed."""
    check_shape(operation.query or "")
    form = sparql_text.operation(operation.query or "")
    if form == "update":
        raise Problem(403, UPDATE_REFUSED)
    graph = form in ("construct", "describe")
    types, names = (GRAPH_TYPES, GRAPH_NAMES) if graph else (RESULT_TYPES, RESULT_NAMES)
    chosen = negotiation.media_type(types, names, operation.format, form, operation.format_parameter)
    try:
        result = replayed(operation, chosen)
    except executor.QueryRefused as error:
        raise Problem(403 if error.reason == "update" else 400, error.message) from None
    except executor.QuerySyntaxError as error:
        raise Problem(400, error.message) from None
    response = Response(result.body, content_type=with_charset(result.media_type))
    response.vary.add("Accept")
    if result.truncated:
        response.headers["X-Gaoxin-Truncated"] = "true"
    return response


def plain_query(environ: Mapping[str, Any], config: Mapping[str, Any]) -> sparql_fast.Plan | None:
    """Read a GET query for the fast path (`server.sparql_fast`) as the view reads it; None when the view must answer it.

    None for anything but a query that passes the checks, whose format is named by a parameter
    or by an Accept header that is empty, ``*/*`` or one offered media type.
    """
    try:
        operation = operation_from(pairs(environ.get("QUERY_STRING", "").encode("latin-1"), "URL query string"))
        if operation.query is None:
            return None
        small = (small_queries.patterns_of(operation.query) is not None and config["MAX_QUERY_DEPTH"] >= 1
                 and len(operation.query) <= config["MAX_QUERY_LENGTH"])
        if not small:  # a small query (one group of triple patterns, SELECT or ASK, no longer than allowed) passes these checks
            check_shape(operation.query, config)
    except (Problem, UnicodeError):
        return None
    form = "select" if small else sparql_text.operation(operation.query)  # ASK has the same result types
    types, names = (GRAPH_TYPES, GRAPH_NAMES) if form in ("construct", "describe") else (RESULT_TYPES, RESULT_NAMES)
    accept = environ.get("HTTP_ACCEPT", "").strip()
    plain = not accept or accept == "*/*" or accept in types
    if form == "update" or not (plain or operation.format is not None and security.malformed_accept(accept) is None):
        return None
    chosen = negotiation.plain_media_type(types, names, operation.format, accept)
    return None if chosen is None else (operation.query, chosen, operation.default_graphs, operation.named_graphs)


def replayed(operation: Operation, chosen: str) -> executor.QueryResult:
    """Run the operation's query, or raise the error the fast path (`server.sparql_fast`) met running it, so it is answered here."""
    failed = request.environ.pop(sparql_fast.FAILED, None)
    if failed is not None:
        error, read_graph = failed
        if read_graph:  # pin the snapshot as the view would have, so the error names the graph version
            executor.snapshot()
        raise error
    graphs = {"default_graph_uris": operation.default_graphs, "named_graph_uris": operation.named_graphs}
    return executor.execute(operation.query or "", chosen, **graphs, keep=not cache.response_kept())


def check_shape(query: str, config: Mapping[str, Any] | None = None) -> None:
    """Refuse a query too long (413) or nested too deep (400) to hand to the parser, before reading it further."""
    config = current_app.config if config is None else config
    length, depth = config["MAX_QUERY_LENGTH"], config["MAX_QUERY_DEPTH"]
    if len(query) > length:
        raise Problem(413, f"the query is {len(query)} characters long; at most {length} are accepted")
    where = sparql_text.too_deep(query, depth)
    if where is not None:
        raise Problem(400, f"the query nests {{ }}, ( ) or [ ] deeper than {depth} levels (line {where[0]}, column {where[1]})")


def with_charset(media_type: str) -> str:
    return media_type + "; charset=utf-8" if media_type.startswith("text/") and "charset" not in media_type else media_type


def describe_or_edit(operation: Operation) -> Response:
    """Answer a GET without a query: the editor for a browser, else the service description."""
    accept = request.headers.get("Accept", "").strip()
    if operation.format is None and accept and request.accept_mimetypes.best_match([*GRAPH_TYPES, *PAGE_TYPES]) in PAGE_TYPES:
        return editor()
    chosen = negotiation.media_type(GRAPH_TYPES, GRAPH_NAMES, operation.format, "service description", operation.format_parameter)
    response = Response(sparql_description.describe(request.base_url, chosen), content_type=with_charset(chosen))
    response.vary.add("Accept")
    return response


def editor() -> Response:
    """Render the YASGUI editor: the prefixes, the query of a short link (?_q=ID) or of the URL's #query=, and the canned queries as examples."""
    shared = request.args.get("_q")
    config = {
        "endpoint": url_for("sparql.endpoint"),
        "prefixes": PREFIXES,
        "defaultQuery": sparql_prefixes() + DEFAULT_QUERY,
        "sharedQuery": permalinks.load(shared) if shared is not None else None,
        "shortLinks": url_for("sparql.short_link"),
        "pages": current_app.config["BASE_IRI"] + "id/",
        "examples": examples(),
    }
    limits = {key: current_app.config[key] for key in ("QUERY_TIMEOUT", "ROW_CAP")}
    html = render_template("sparql.html", config=config, limits=limits, formats=FORMATS)
    response = Response(html, mimetype="text/html")
    response.headers["Link"] = f'<{url_for("sparql.endpoint", format="ttl")}>; rel="alternate"; type="text/turtle"'
    response.vary.add("Accept")
    return response


def examples() -> list[dict[str, str]]:
    """List the canned queries for the editor's searchable examples: name, titles, description, page and SPARQL."""
    return [
        {"name": q.title_zh, "title_en": q.title_en, "description": q.description, "page": url_for("queries.query_page", name=q.name),
         "query": canned.body(q)}
        for q in canned.load_all(current_app.config.get("QUERY_DIR")).values()
    ]


@blueprint.post("/sparql/links")
def short_link() -> Response:
    """Keep the posted query (form field query=) and answer its short link as JSON: {"id": ..., "url": ...}."""
    errors.answer_in("json")
    query = request.form.get("query", "")
    if not query.strip():
        raise Problem(400, "no query: post query=... to get a short link")
    check_shape(query)
    identifier = permalinks.save(query)
    url = url_for("sparql.endpoint", _q=identifier, _external=True)
    return Response(json.dumps({"id": identifier, "url": url}), status=201, mimetype="application/json", headers={"Location": url})


def with_values(query: str, bound: Mapping[Variable, NamedNode | Literal]) -> str:
    """Append a trailing VALUES clause binding the parameters, so a canned query opened in the editor keeps them.

    >>> with_values("SELECT ?p {}\\n", {Variable("p"): NamedNode("http://e/x")})
    'SELECT ?p {}\\nVALUES (?p) { (<http://e/x>) }\\n'
    """
    if not bound:
        return query
    names, terms = " ".join(str(v) for v in bound), " ".join(str(t) for t in bound.values())
    return query.rstrip("\n") + f"\nVALUES ({names}) {{ ({terms}) }}\n"
