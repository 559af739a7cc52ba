"""The SPARQL 1.1 Protocol endpoint /sparql (queries only) and its YASGUI editor page.

    GET  /sparql?query=...                      run a query
    POST /sparql  query=... (form-encoded)      run a query
    POST /sparql  (application/sparql-query)    run the body as a query
    GET  /sparql                                the Service Description (RDF), or the editor for a browser

``default-graph-uri`` / ``named-graph-uri`` (repeatable) set the dataset; with neither,
the default graph is the union of all named graphs. The result format follows
``Accept`` (q-values honoured) or ``format=`` (json, xml, csv, tsv, ttl, nt, rdf,
jsonld). Updates get 403, SERVICE clauses 400, a query past the time limit 503.
Statuses follow the W3C protocol tests (tests/server/test_sparql_protocol.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from pyoxigraph import NamedNode
from werkzeug.exceptions import RequestEntityTooLarge

from graph_build import canned
from graph_build.vocab import PREFIXES, sparql_prefixes

from . import cache, executor, sparql_description, sparql_text

blueprint = Blueprint("sparql", __name__)

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


class ProtocolError(Exception):
    """A request the protocol says to refuse, with its status and a one-sentence reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Operation:
    """What a protocol request asks for."""

    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    format: str | None


@blueprint.record_once
def setup(state: BlueprintSetupState) -> None:
    """Check the SERVICE allow-list and attach the query processes to the app the blueprint is registered on."""
    sparql_text.allow_entries(state.app.config["SERVICE_ALLOW"])  # a malformed entry fails at start, naming it
    executor.init_app(state.app)


@blueprint.route("/sparql/", methods=["GET", "POST"])
@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a SPARQL protocol request: a query, the service description, or the editor page."""
    try:
        operation = read_operation()
        if operation.query is not None:
            return answer(operation)
        if request.method == "POST":
            raise ProtocolError(400, "no query: give query=... in the form body, or POST the query itself with application/sparql-query")
        return describe_or_edit(operation.format)
    except ProtocolError as error:
        return problem(error.status, error.message)


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> Response:
    return problem(413, f"the request body is larger than {current_app.config['MAX_CONTENT_LENGTH']} bytes")


@blueprint.after_request
def cors(response: Response) -> Response:
    """Let pages on any origin query the endpoint (it is public and read-only)."""
    response.headers.extend(CORS_HEADERS)  # no view sets these: added, not set, which would scan every header
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def problem(status: int, message: str) -> Response:
    return Response(message + "\n", status, mimetype="text/plain")


# Reading the request ---------------------------------------------------------------------


def read_operation() -> Operation:
    """Read the query, dataset and format of a GET or POST protocol request."""
    url = pairs(request.query_string, "URL query string")
    if request.method != "POST":
        return operation_from(url)
    media_type, charset = request.mimetype, request.mimetype_params.get("charset", "utf-8")
    if media_type == "application/sparql-update":
        raise ProtocolError(403, UPDATE_REFUSED)
    if charset.lower().replace("-", "") != "utf8":
        raise ProtocolError(400, f"the request body must be UTF-8, not {charset}")
    if media_type == "application/x-www-form-urlencoded":
        return operation_from(url + pairs(request.get_data(), "form body"))
    if media_type == "application/sparql-query":
        if any(name in ("query", "update") for name, _ in url):
            raise ProtocolError(400, "give the query once: as the application/sparql-query body, not also as a query= parameter")
        return operation_from(url, utf8(request.get_data(), "request body"))
    if not media_type:
        raise ProtocolError(400, f"a POST needs {POST_TYPES}")
    raise ProtocolError(400, f"unsupported Content-Type {media_type}: a POST needs {POST_TYPES}")


def utf8(raw: bytes, where: str) -> str:
    """Decode bytes as UTF-8 or refuse the request, naming where they came from."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"the {where} is not valid UTF-8 (byte {error.start})") from None


def pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    """Parse URL-encoded name=value pairs, refusing anything that is not UTF-8."""
    try:
        return parse_qsl(utf8(raw, where), keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=1000)
    except UnicodeDecodeError:
        raise ProtocolError(400, f"the {where} has percent-escapes that are not UTF-8") from None
    except ValueError as error:
        raise ProtocolError(400, f"the {where} is malformed: {error}") from None


def operation_from(params: list[tuple[str, str]], body_query: str | None = None) -> Operation:
    """Check the parameters of a request and collect its operation."""
    if any(name == "update" for name, _ in params):
        raise ProtocolError(403, UPDATE_REFUSED)
    queries = [value for name, value in params if name == "query"] + ([body_query] if body_query is not None else [])
    formats = [value for name, value in params if name == "format"]
    if len(queries) > 1:
        raise ProtocolError(400, f"the query was given {len(queries)} times; give exactly one")
    if queries and not queries[0].strip():
        raise ProtocolError(400, "the query is empty")
    if len(formats) > 1:
        raise ProtocolError(400, f"format was given {len(formats)} times; give it once, as one of {', '.join(FORMATS)}")
    graphs = {kind: graph_iris(params, f"{kind}-graph-uri") for kind in ("default", "named")}
    return Operation(queries[0] if queries else None, graphs["default"], graphs["named"], formats[0] if formats else None)


def graph_iris(params: list[tuple[str, str]], parameter: str) -> list[str]:
    """Collect the values of a graph parameter, refusing one that is no absolute IRI (400 naming it)."""
    values = [value for name, value in params if name == parameter]
    for value in values:
        try:
            NamedNode(value)
        except ValueError as error:
            raise ProtocolError(400, f"{parameter}={value[:200]!r} is not an absolute IRI ({error})") from None
    return values


# Answering -------------------------------------------------------------------------------


def answer(operation: Operation) -> Response:
    """Run a query and send its result in the negotiated format, or the reason it failed."""
    check_shape(operation.query or "")
    form = sparql_text.operation(operation.query or "")
    if form == "update":
        raise ProtocolError(403, UPDATE_REFUSED)
    graph = form in ("construct", "describe")
    media_type = negotiate(GRAPH_TYPES if graph else RESULT_TYPES, GRAPH_NAMES if graph else RESULT_NAMES, operation.format, form)
    try:
        graphs = {"default_graph_uris": operation.default_graphs, "named_graph_uris": operation.named_graphs}
        result = executor.execute(operation.query or "", media_type, **graphs, keep=not cache.response_kept())
    except executor.QueryRefused as error:
        raise ProtocolError(403 if error.reason == "update" else 400, error.message) from None
    except executor.QuerySyntaxError as error:
        raise ProtocolError(400, error.message) from None
    except (executor.QueryTimeout, executor.QueryUnavailable) as error:
        raise ProtocolError(503, error.message) from None
    except executor.QueryFailed as error:
        raise ProtocolError(500, f"the query failed: {error.message}") from None
    response = Response(result.body, content_type=with_charset(result.media_type))
    response.vary.add("Accept")
    if result.truncated:
        response.headers["X-Gaoxin-Truncated"] = "true"
    return response


def check_shape(query: str) -> None:
    """Refuse a query too long (413) or nested too deep (400) to hand to the parser, before reading it further."""
    length, depth = current_app.config["MAX_QUERY_LENGTH"], current_app.config["MAX_QUERY_DEPTH"]
    if len(query) > length:
        raise ProtocolError(413, f"the query is {len(query)} characters long; at most {length} are accepted")
    where = sparql_text.too_deep(query, depth)
    if where is not None:
        raise ProtocolError(400, f"the query nests {{ }}, ( ) or [ ] deeper than {depth} levels (line {where[0]}, column {where[1]})")


def negotiate(types: dict[str, str], names: dict[str, str], format_name: str | None, form: str) -> str:
    """Choose the result media type from format= (a name or a media type) or Accept, or refuse with 406."""
    offered = sorted(set(types.values()))
    if format_name is not None:
        chosen = names.get(format_name.lower()) or types.get(format_name.lower())
        if chosen is None:
            raise ProtocolError(406, f"format={format_name} is not offered for a {form.upper()} query; use one of {', '.join(names)}")
        return chosen
    accept = request.headers.get("Accept", "").strip()
    if not accept or accept == "*/*":
        return next(iter(types.values()))
    if accept in types:  # one plain media type, as most clients send: no need to parse q-values
        return types[accept]
    best = request.accept_mimetypes.best_match(list(types))
    if best is None:
        raise ProtocolError(406, f"none of the types in Accept ({request.headers['Accept']}) fits; offered: {', '.join(offered)}")
    return types[best]


def with_charset(media_type: str) -> str:
    return media_type + "; charset=utf-8" if media_type.startswith("text/") and "charset" not in media_type else media_type


def describe_or_edit(format_name: str | None) -> Response:
    """Answer a GET without a query: the editor for a browser, else the service description."""
    accept = request.headers.get("Accept", "").strip()
    if format_name is None and accept and request.accept_mimetypes.best_match([*GRAPH_TYPES, *PAGE_TYPES]) in PAGE_TYPES:
        return editor()
    media_type = negotiate(GRAPH_TYPES, GRAPH_NAMES, format_name, "service description")
    response = Response(sparql_description.describe(request.base_url, media_type), content_type=with_charset(media_type))
    response.vary.add("Accept")
    return response


def editor() -> Response:
    """Render the YASGUI editor, preloaded with the prefixes and the canned queries as example tabs."""
    config = {
        "endpoint": url_for("sparql.endpoint"),
        "prefixes": PREFIXES,
        "defaultQuery": sparql_prefixes() + DEFAULT_QUERY,
        "examples": [{"name": q.title_zh, "title": f"{q.title_zh} · {q.title_en}", "query": q.sparql} for q in canned.load_all().values()],
    }
    limits = {key: current_app.config[key] for key in ("QUERY_TIMEOUT", "ROW_CAP")}
    html = render_template("sparql.html", config=config, limits=limits, formats=FORMATS)
    response = Response(html, mimetype="text/html")
    response.headers["Link"] = f'<{url_for("sparql.endpoint", format="ttl")}>; rel="alternate"; type="text/turtle"'
    response.vary.add("Accept")
    return response
