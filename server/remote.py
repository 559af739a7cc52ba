"""Serve the graph from a remote SPARQL 1.1 endpoint (``gaoxin-kg serve --endpoint URL``) instead of the embedded store.

A deployment that outgrows one machine loads ``gaoxin-kg export --format nq --gzip``
into a scalable engine (Virtuoso, QLever, GraphDB, Neptune, ``oxigraph serve``) and
points the server at it; every page stays the same. Requests go out with
SPARQLWrapper (SPARQL 1.1 Protocol, POST, content negotiation only) and answers
are read with pyoxigraph's parsers into the same terms the embedded store gives.

- `RemoteStore` offers the read methods of pyoxigraph's ``Store`` the pages use
  (`server.procedures.ReadableStore`): ``query``, ``quads_for_pattern`` (a SELECT over
  ``GRAPH ?g``), ``contains_named_graph``, ``len``.
- `RemoteGraph` hands out snapshots whose version id is the build's ``gx:inputDigest``
  read from the remote build graph (cached for ``ENDPOINT_VERSION_TTL`` seconds), so
  caches keyed by version keep working.
- `answer` runs one executor task remotely: the row cap and the time limit apply as
  for the embedded store (the answer is read as a stream, cut at the cap, and stopped
  at the deadline), and the result is re-serialized in the media type asked for.

Parameters (pyoxigraph's ``substitutions``) become a ``VALUES`` block at the start of
the query's WHERE group, each value written as an RDF term by pyoxigraph
(`sparql_term`), never pasted as text. The endpoint must present the union of its
named graphs as its default graph, as Virtuoso, GraphDB and Neptune do by default
(``oxigraph serve --union-default-graph``); `RemoteGraph` checks this and says so.
Blank nodes of a remote answer cannot be addressed in a later request, so a pattern
with a blank node matches nothing.
"""

from __future__ import annotations

import ast
import re
import threading
import time
import urllib.error
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from http.client import HTTPResponse
from typing import Any

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    Variable,
    parse,
    parse_query_results,
)
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from graph_build.iris import BUILD_GRAPH
from graph_build.store.access import StoreError
from graph_build.vocab import GX

from . import remote_pages, remote_paths, sparql_text
from .graph import Snapshot
from .query_process import Reply, Task, graph_reply, solutions_reply, term
from .remote_folds import where_group

NTRIPLES = "application/n-triples"
QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
HAS_GRAPH = "ASK { GRAPH ?g { ?s ?p ?o } }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
# The newest run is the one no other run was informed by (a patched rebuild keeps describing the earlier runs whose
# results it kept: graph_build/store/incremental.py). ?seen is bound only where the default graph holds the build
# graph's statement (the union of the named graphs); no boolean in the answer, as Virtuoso writes EXISTS as the integer 1.
BUILD = f"""SELECT ?digest ?seen WHERE {{
  GRAPH <{BUILD_GRAPH}> {{
    ?run <{GX}inputDigest> ?digest
    FILTER NOT EXISTS {{ ?later <http://www.w3.org/ns/prov#wasInformedBy> ?run }}
  }}
  OPTIONAL {{ ?run <{GX}inputDigest> ?seen }}
}} ORDER BY DESC(?digest) LIMIT 1"""

Term = NamedNode | BlankNode | Literal


class RemoteUnavailable(StoreError):
    """The endpoint cannot be reached, or holds no gaoxin-kg build."""


class RemoteError(RuntimeError):
    """The endpoint answered a request with an error."""

    def __init__(self, message: str, syntax: bool = False) -> None:
        super().__init__(message)
        self.syntax = syntax


# -- writing requests ------------------------------------------------------------------------------


def sparql_term(value: Term) -> str:
    """Write a term in SPARQL syntax, escaped by pyoxigraph's N-Triples writer (blank nodes cannot be sent).

    >>> sparql_term(NamedNode("http://example.org/a")), sparql_term(Literal('说"了"', language="zh-Hans"))
    ('<http://example.org/a>', '"说\\\\"了\\\\""@zh-hans')
    """
    if isinstance(value, NamedNode | Literal):
        return str(value)
    raise ValueError(f"cannot send {value!r} to a remote endpoint: a blank node cannot be bound, only IRIs and literals")


def variable_name(key: str | Variable) -> str:
    return key.value if isinstance(key, Variable) else key.lstrip("?$")


def with_values(sparql: str, bindings: Mapping[str | Variable, Term]) -> str:
    """Bind variables by a VALUES block opening the query's WHERE group (SPARQL 1.1 §10.2.1).

    >>> with_values("SELECT ?n WHERE { ?s <p> ?n }", {"s": NamedNode("http://x/s")})
    'SELECT ?n WHERE { VALUES (?s) { (<http://x/s>) } ?s <p> ?n }'
    >>> with_values('CONSTRUCT { ?s ?p "{" } WHERE { ?s ?p ?o }', {"?p": NamedNode("http://x/p")})
    'CONSTRUCT { ?s ?p "{" } WHERE { VALUES (?p) { (<http://x/p>) } ?s ?p ?o }'
    """
    if not bindings:
        return sparql
    names = " ".join(f"?{variable_name(key)}" for key in bindings)
    values = " ".join(sparql_term(value) for value in bindings.values())
    opening = where_group(sparql)
    return f"{sparql[: opening + 1]} VALUES ({names}) {{ ({values}) }}{sparql[opening + 1 :]}"


# -- text every engine reads alike ------------------------------------------------------------------

XSD_STRING = "^^<http://www.w3.org/2001/XMLSchema#string>"
CALL = re.compile(r"(?<![\w$?:])(?P<group>GROUP_)?CONCAT\s*\(", re.IGNORECASE)
SEPARATOR = re.compile(r";\s*SEPARATOR\s*=\s*(?=[\"'])", re.IGNORECASE)
DISTINCT = re.compile(r"\s*DISTINCT\b", re.IGNORECASE)


def portable(sparql: str) -> str:
    """Write a query so that Virtuoso 7.2 gives the rows the SPARQL 1.1 text means: joins through ``B*`` paths, non-ASCII constants.

    A join through a zero-or-more path (``s A/B* o``, ``s B* o``) loses its rows on some loads (`server.remote_paths`):
    it is written with ``B+`` and ``B?`` instead. The non-ASCII string constants CONCAT and GROUP_CONCAT take are
    written so that Virtuoso keeps them, with the same meaning (below).

    Sent to Virtuoso only: the paths' rewrite holds where B has no cycle (`server.remote_paths`), and a GROUP_CONCAT's
    result is a simple literal in SPARQL 1.1, and oxigraph keeps the values' common language tag on it, which the
    rewrite would drop.

    Virtuoso reads a plain non-ASCII constant among CONCAT's arguments or as GROUP_CONCAT's
    separator as bytes and mangles the answer (openlink/virtuoso-opensource#944, #1414;
    measured: ``\\u3001`` escapes change nothing). Written as ``"、"^^xsd:string`` (the same
    term in SPARQL 1.1 / RDF 1.1) it is read right, so a CONCAT argument is typed, and a
    separator moves into the aggregate: ``GROUP_CONCAT(X; separator="、")`` becomes
    ``STRAFTER(GROUP_CONCAT(CONCAT("、"^^xsd:string, STR(X)); separator=""), "、"^^xsd:string)``.
    Only CONCAT's own arguments are typed: Virtuoso compares a typed string unequal to a plain one.

    >>> portable('SELECT (CONCAT("（", ?l, "合计）", "x") AS ?i) {}')
    'SELECT (CONCAT("（"^^<http://www.w3.org/2001/XMLSchema#string>, ?l, "合计）"^^<http://www.w3.org/2001/XMLSchema#string>, "x") AS ?i) {}'
    >>> portable('SELECT (GROUP_CONCAT(DISTINCT ?n; separator="、") AS ?s) { FILTER(?n != "、") }').replace(XSD_STRING, "^^xsd:string")
    'SELECT (STRAFTER(GROUP_CONCAT(DISTINCT CONCAT("、"^^xsd:string, STR(?n)); separator=""), "、"^^xsd:string) AS ?s) { FILTER(?n != "、") }'
    """
    sparql = remote_paths.without_star_paths(sparql)
    if sparql.isascii():
        return sparql
    return rewrite_calls(rewrite_calls(sparql, group=True), group=False)


def dialect(server: str) -> str:
    """Name the dialect to write for an engine from its HTTP Server header.

    >>> dialect("Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu"), dialect("Oxigraph/0.5.13")
    ('virtuoso', 'sparql11')
    """
    return "virtuoso" if server.lower().startswith("virtuoso/") else "sparql11"


def rewrite_calls(sparql: str, group: bool) -> str:
    """Rewrite each GROUP_CONCAT (`group`) or CONCAT call whose constants are not ASCII, the last first so offsets stay."""
    code = sparql_text.blank(sparql).code
    starts = [m.start() for m in CALL.finditer(code) if bool(m.group("group")) == group]
    for start in reversed(starts):  # an inner call first; the text before it keeps its offsets
        code = sparql_text.blank(sparql).code
        match = CALL.match(code, start)
        assert match is not None  # the text before `start` is unchanged
        opening = match.end() - 1
        closing = closing_paren(code, opening)
        inner = separated(sparql, code, opening, closing) if group else typed_arguments(sparql, code, opening, closing)
        if inner is not None:
            sparql = sparql[: match.start()] + inner + sparql[closing + 1 :]
    return sparql


def closing_paren(code: str, opening: int) -> int:
    """Return the offset of the parenthesis closing the one at `opening` (strings and IRIs already blanked)."""
    depth = 0
    for offset in range(opening, len(code)):
        depth += {"(": 1, ")": -1}.get(code[offset], 0)
        if depth == 0:
            return offset
    raise ValueError("unbalanced parentheses in the query")


def separated(sparql: str, code: str, opening: int, closing: int) -> str | None:
    """Return a GROUP_CONCAT with a non-ASCII separator rewritten as STRAFTER over separator-prefixed values, else None."""
    found = SEPARATOR.search(code, opening, closing)
    if found is None or sparql[found.end() : closing].isascii():
        return None
    separator = sparql[found.end() : closing].strip() + XSD_STRING
    argument = sparql[opening + 1 : found.start()]
    distinct = DISTINCT.match(argument)
    keyword, expression = ("DISTINCT ", argument[distinct.end() :]) if distinct else ("", argument)
    return f'STRAFTER(GROUP_CONCAT({keyword}CONCAT({separator}, STR({expression.strip()})); separator=""), {separator})'


def typed_arguments(sparql: str, code: str, opening: int, closing: int) -> str | None:
    """Return a CONCAT call with its non-ASCII plain string arguments typed xsd:string, else None."""
    cuts, depth = [opening], 0
    for offset in range(opening + 1, closing):
        depth += {"(": 1, ")": -1}.get(code[offset], 0)
        if code[offset] == "," and depth == 0:
            cuts.append(offset)
    cuts.append(closing)
    arguments = [sparql[start + 1 : end] for start, end in zip(cuts, cuts[1:], strict=False)]
    typed = [a + XSD_STRING if plain_string(a) and not a.isascii() else a for a in arguments]
    return None if typed == arguments else "CONCAT(" + ",".join(typed) + ")"


def plain_string(argument: str) -> bool:
    """Tell whether an argument is exactly one string literal with no language tag or datatype."""
    text = argument.strip()
    match = sparql_text.LEXEMES.match(text)
    return match is not None and match.lastgroup == "string" and match.end() == len(text)


# -- talking to the endpoint -----------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """A remote SPARQL 1.1 query endpoint."""

    url: str
    timeout: float = 30.0
    dialect: str = "sparql11"  # "virtuoso" once the engine says it is (`RemoteGraph.adopt`): requests then go through `portable`

    def request(self, sparql: str, graph: bool = False, default_graphs: tuple[str, ...] = (), named_graphs: tuple[str, ...] = (),
                timeout: float | None = None) -> HTTPResponse:
        """Send a query and return the open HTTP answer: SPARQL JSON results, or N-Triples when `graph`."""
        wrapper = SPARQLWrapper(self.url)
        wrapper.setOnlyConneg(True)  # no format=/output= parameters: the Accept header says it
        wrapper.setMethod(POST)
        wrapper.setTimeout(max(1, round(timeout or self.timeout)))  # type: ignore[arg-type]  # urllib takes seconds as a float
        wrapper.setQuery(portable(sparql) if self.dialect == "virtuoso" else sparql)
        wrapper.setReturnFormat(TURTLE if graph else JSON)
        if graph:
            wrapper.addCustomHttpHeader("Accept", NTRIPLES)  # streams, and every engine writes it
        for iri in default_graphs:
            wrapper.addDefaultGraph(iri)
        for iri in named_graphs:
            wrapper.addNamedGraph(iri)
        try:
            return wrapper.query().response
        except QueryBadFormed as error:
            raise RemoteError(remote_message(error), syntax=True) from None
        except SPARQLWrapperException as error:
            raise RemoteError(f"the endpoint {self.url} failed: {remote_message(error)}") from None
        except urllib.error.HTTPError as error:
            raise RemoteError(f"the endpoint {self.url} answered HTTP {error.code}: {error.read()[:300].decode('utf-8', 'replace')}") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise TimeoutError(str(error.reason)) from None
            raise RemoteUnavailable(f"the SPARQL endpoint {self.url} cannot be reached ({error.reason})") from None
        except ConnectionError as error:
            raise RemoteUnavailable(f"the SPARQL endpoint {self.url} cannot be reached ({error})") from None

    def results(self, sparql: str) -> QuerySolutions | QueryBoolean:
        """Run a SELECT or ASK query and return its whole answer, parsed."""
        with self.request(sparql) as response:
            return parse_query_results(response.read(), format=QueryResultsFormat.JSON)  # type: ignore[return-value]


def remote_message(error: SPARQLWrapperException) -> str:
    """Return the endpoint's own words from a SPARQLWrapper error, which ends with the repr of the answer's body."""
    text = str(error)
    _, _, response = text.partition("Response:\n")
    try:
        body = ast.literal_eval(response)
    except (SyntaxError, ValueError):
        return response.strip() or text
    return body.decode("utf-8", "replace").strip() if isinstance(body, bytes) else str(body)


class Deadline:
    """A readable answer that raises TimeoutError once the query's time limit has passed, however slowly it trickles."""

    def __init__(self, response: HTTPResponse, seconds: float) -> None:
        self.response = response
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds

    def read(self, size: int = -1) -> bytes:
        if time.monotonic() > self.deadline:
            raise TimeoutError(f"query exceeded the {self.seconds:g} s time limit")
        return self.response.read(size)


# -- the store interface ---------------------------------------------------------------------------


class RemoteStore:
    """The read methods of pyoxigraph's Store, answered by a remote endpoint."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.recent = remote_pages.Recent()  # what a page's request fetched for the procedures the page calls next

    def query(self, query: str, substitutions: Mapping[str | Variable, Term] | None = None, use_default_graph_as_union: bool = True,
              default_graph: Any = None, named_graphs: Any = None) -> Any:
        """Run a query; the endpoint's default graph is the union of its named graphs, as `use_default_graph_as_union` asks."""
        sparql = with_values(query, substitutions or {})
        defaults = tuple(g.value for g in (default_graph if isinstance(default_graph, list) else [default_graph] if default_graph else []))
        named = tuple(g.value for g in named_graphs or ())
        if sparql_text.operation(sparql) in ("construct", "describe"):
            with self.endpoint.request(sparql, True, defaults, named) as response:
                return [Triple(q.subject, q.predicate, q.object) for q in parse(response.read(), format=RdfFormat.N_TRIPLES)]
        with self.endpoint.request(sparql, False, defaults, named) as response:
            return parse_query_results(response.read(), format=QueryResultsFormat.JSON)

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any, graph_name: Any = None) -> Iterator[Quad]:
        """Return the quads of the named graphs that match a pattern (None matches anything)."""
        bound = {name: value for name, value in zip("spog", (subject, predicate, object, graph_name), strict=True) if value is not None}
        if any(isinstance(value, BlankNode | DefaultGraph) for value in bound.values()):
            return iter(())  # remote blank nodes are not addressable; every statement is in a named graph
        rows = self.endpoint.results(with_values(QUADS, bound))
        return iter([Quad(row["s"], row["p"], row["o"], row["g"]) for row in rows])  # type: ignore[union-attr]

    def prepared(self, procedure: str, arguments: tuple[Any, ...], row_cap: int) -> Any:
        """Return what a procedure should read: a resource page's quads and rows, fetched in its two requests (`server.remote_pages`), else this store."""
        found = remote_pages.prepared(self.endpoint, procedure, arguments, row_cap, self.recent)
        return self if found is None else found  # not `or`: an empty neighbourhood is falsy (len 0) yet the answer

    def contains_named_graph(self, graph_name: Any) -> bool:
        if not isinstance(graph_name, NamedNode):
            return False
        return bool(self.endpoint.results(with_values(HAS_GRAPH, {"g": graph_name})))

    def __len__(self) -> int:
        return int(next(iter(self.endpoint.results(COUNT)))["n"].value)  # type: ignore[call-overload]


# -- the graph accessor ----------------------------------------------------------------------------


class RemoteGraph:
    """Hand out snapshots of the remote endpoint, versioned by the build's input digest (looked up at most every `ttl` seconds)."""

    def __init__(self, endpoint: Endpoint, ttl: float = 5.0) -> None:
        self.endpoint = endpoint
        self.store = RemoteStore(endpoint)
        self.ttl = ttl
        self._snapshot: tuple[float, Snapshot] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RemoteGraph:
        endpoint = Endpoint(str(config["ENDPOINT"]), float(config.get("QUERY_TIMEOUT", 30.0)))
        return cls(endpoint, float(config.get("ENDPOINT_VERSION_TTL", 5.0)))

    def current(self) -> Snapshot:
        """Return a snapshot of the endpoint's current build (the same object while its digest stays), asking again when the last answer is old."""
        cached = self._snapshot
        if cached is None or time.monotonic() - cached[0] > self.ttl:
            with self._lock:
                if self._snapshot is None or time.monotonic() - self._snapshot[0] > self.ttl:
                    digest = self.build_digest()
                    kept = self._snapshot[1] if self._snapshot and self._snapshot[1].version_id == digest else None
                    self._snapshot = (time.monotonic(), kept or Snapshot(digest, self.endpoint.url, remote=True))
                cached = self._snapshot
        return cached[1]

    def adopt(self, name: str) -> None:
        """Write requests in the dialect the engine named in its answer's Server header."""
        if name != self.endpoint.dialect:
            self.endpoint = replace(self.endpoint, dialect=name)
            self.store.endpoint = self.endpoint

    def build_digest(self) -> str:
        """Read the build's gx:inputDigest from the build graph, checking the default graph is the union of the named graphs."""
        try:
            with self.endpoint.request(BUILD) as response:
                self.adopt(dialect(response.headers.get("Server", "")))
                rows = list(parse_query_results(response.read(), format=QueryResultsFormat.JSON))  # type: ignore[arg-type]
        except (RemoteError, TimeoutError) as error:
            raise RemoteUnavailable(f"the SPARQL endpoint {self.endpoint.url} did not say which build it holds: {error}") from error
        if not rows:
            raise RemoteUnavailable(f"the SPARQL endpoint {self.endpoint.url} holds no gaoxin-kg build (no gx:inputDigest in <{BUILD_GRAPH}>)")
        if rows[0]["seen"] is None:
            raise RemoteUnavailable(
                f"the SPARQL endpoint {self.endpoint.url} does not query the union of its named graphs by default; "
                "configure it so (oxigraph: serve --union-default-graph)"
            )
        return rows[0]["digest"].value


# -- running an executor task ----------------------------------------------------------------------


def answer(endpoint: Endpoint, task: Task, timeout: float) -> Reply:
    """Run one executor task on the endpoint: bind its parameters, cut at the row cap, stop at the time limit."""
    try:
        sparql = with_values(task.sparql, {name: term(spec) for name, spec in task.substitutions})
        graph = sparql_text.operation(sparql) in ("construct", "describe")
        with endpoint.request(sparql, graph, task.default_graphs or (), task.named_graphs or (), timeout) as response:
            return reply(Deadline(response, timeout), graph, task)
    except RemoteError as error:
        return Reply("syntax" if error.syntax else "error", message=str(error))
    except (SyntaxError, ValueError) as error:
        return Reply("error", message=f"{type(error).__name__}: the endpoint's answer could not be read: {error}")


def reply(body: Deadline, graph: bool, task: Task) -> Reply:
    """Serialize a streamed answer as the embedded store's answers are (same code, same formats, same cap)."""
    if graph:
        triples = (Triple(q.subject, q.predicate, q.object) for q in parse(body, format=RdfFormat.N_TRIPLES))
        return graph_reply(triples, task)
    results = parse_query_results(body, format=QueryResultsFormat.JSON)
    if isinstance(results, QueryBoolean):
        form = QueryResultsFormat.from_media_type(task.media_type) or QueryResultsFormat.JSON
        return Reply("ok", "boolean", results.serialize(format=form), form.media_type)
    return solutions_reply(results, task)
