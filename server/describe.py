"""Gather what the graph says about one resource: its statements, inbound links, graphs and quoted evidence.

Both public verbs run in a query process (`server.procedures`), under the
executor's time limit and row cap, never in the web worker.

Data first: `describe()` returns a frozen `Description` that `server.resources`
renders as HTML or RDF in one place. Look-ups use `quads_for_pattern` and
SPARQL with substitutions, never text pasted into a query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store, Variable

from graph_build.iris import ONTOLOGY_GRAPH
from graph_build.vocab import GX, PREFIXES

from . import display

RDF_TYPE = PREFIXES["rdf"] + "type"
NOTATION = PREFIXES["skos"] + "notation"
LABEL_PREDICATES = (PREFIXES["skos"] + "prefLabel", PREFIXES["rdfs"] + "label", PREFIXES["eli"] + "title")
OA = PREFIXES["oa"]
COUNT_INBOUND = "SELECT ?o (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?o"
INBOUND_BY_PREDICATE = "SELECT ?o ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?o ?p ORDER BY DESC(?n) ?p"
INBOUND_PAGE = "SELECT ?o ?p ?s ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s ?g LIMIT %d OFFSET %d"
COUNT_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
LONG_LITERAL = 300  # characters beyond which a literal is folded away on the page


@dataclass(frozen=True)
class Limits:
    """How much of a resource a page shows."""

    inbound: int = 50  # per property and page
    quotes: int = 30
    context: int = 120
    page: int = 0  # which page of each property's inbound links (?_page=)


@dataclass(frozen=True)
class TermView:
    """An RDF term as a person reads it: text, link, language, datatype, readable number."""

    kind: str  # "iri", "literal" or "blank"
    value: str  # the IRI, the lexical form, or the blank node id
    href: str | None = None
    label: str | None = None
    compact: str | None = None
    language: str | None = None
    datatype: str | None = None
    readable: str | None = None  # a number with separators and unit
    surface: str | None = None  # the words a number was read from
    notation: str | None = None  # a linked concept's code (skos:notation): GB/T 2260, SEI area, GB/T 4754 class

    @property
    def short(self) -> str:
        """Return the IRI path under /id/ for a resource of this graph, else the whole value."""
        return self.href.removeprefix("/id/") if self.href and self.href.startswith("/id/") else self.value

    @property
    def long(self) -> bool:
        return self.kind == "literal" and len(self.value) > LONG_LITERAL


@dataclass(frozen=True)
class Statement:
    """One quad around the resource: the other end, the predicate and the named graph it is stated in."""

    predicate: TermView
    other: TermView
    graph: TermView | None


@dataclass(frozen=True)
class InboundGroup:
    """The resources that link here by one property: how many, and one page of them."""

    predicate: TermView
    total: int
    statements: tuple[Statement, ...]
    offset: int

    @property
    def more(self) -> bool:
        return self.offset + len(self.statements) < self.total


@dataclass(frozen=True)
class Quote:
    """An evidence span shown in its source text: the words before, the quoted words, the words after."""

    span: TermView
    expression: TermView | None
    file: TermView | None
    file_name: str | None
    start: int | None
    end: int | None
    before: str
    exact: str
    after: str
    matches: bool  # the source text at [start, end) equals the quote


@dataclass(frozen=True)
class Description:
    """Everything a resource page shows, and the quads its RDF renderings hold."""

    iri: str
    title: str
    types: tuple[TermView, ...]
    statements: tuple[Statement, ...]
    inbound: tuple[Statement, ...]
    inbound_total: int
    inbound_groups: tuple[InboundGroup, ...]
    quotes: tuple[Quote, ...]
    quote_total: int
    graph_size: int | None  # statements in the named graph this IRI names, if it names one
    quads: tuple[Quad, ...] = field(repr=False)

    @property
    def graphs(self) -> tuple[TermView, ...]:
        seen = {s.graph.value: s.graph for s in self.statements if s.graph}
        return tuple(seen[k] for k in sorted(seen))


class Viewer:
    """Turn terms of one store into TermViews, looking up (and remembering) labels."""

    def __init__(self, store: Store, base: str) -> None:
        self.store = store
        self.base = base
        self._labels: dict[str, str | None] = {}
        self._notations: dict[str, str | None] = {}

    def label(self, node: NamedNode | BlankNode) -> str | None:
        """Return the best label of a node: skos:prefLabel, rdfs:label or eli:title, zh-Hans preferred."""
        if node.value not in self._labels:
            candidates = [
                (q.object.value, q.object.language or "", rank)
                for rank, predicate in enumerate(LABEL_PREDICATES)
                for q in self.store.quads_for_pattern(node, NamedNode(predicate), None, None)
                if isinstance(q.object, Literal)
            ]
            self._labels[node.value] = display.best_label(candidates)
        return self._labels[node.value]

    def notation(self, node: NamedNode) -> str | None:
        """Return a node's code (skos:notation), shown beside its label so a linked division or class shows its code."""
        if node.value not in self._notations:
            found = self.store.quads_for_pattern(node, NamedNode(NOTATION), None, None)
            self._notations[node.value] = next((q.object.value for q in found if isinstance(q.object, Literal)), None)
        return self._notations[node.value]

    def href(self, node: NamedNode) -> str:
        """Link to this server's page, or to the ontology page for a reused term the ontology declares, else to the IRI."""
        href = display.local_href(node.value, self.base)
        if href == node.value and display.compact(node.value) and self.declared(node):
            return "/ontology#" + display.compact(node.value)
        return href

    def declared(self, node: NamedNode) -> bool:
        return next(iter(self.store.quads_for_pattern(node, NamedNode(RDF_TYPE), None, NamedNode(ONTOLOGY_GRAPH))), None) is not None

    def view(self, term: object, predicate: str = "", siblings: dict[str, str] | None = None) -> TermView:
        """View a term; a literal object of `predicate` is made readable using its subject's other literals."""
        if isinstance(term, NamedNode):
            return TermView("iri", term.value, self.href(term), self.label(term), display.compact(term.value), notation=self.notation(term))
        if isinstance(term, Literal):
            datatype = term.datatype.value if term.datatype else None
            readable, surface = display.readable_value(predicate, term.value, datatype, siblings or {})
            shown_type = display.compact(datatype) if datatype else None
            return TermView("literal", term.value, language=term.language, datatype=shown_type, readable=readable, surface=surface)
        return TermView("blank", getattr(term, "value", str(term)))


def exists(store: Store, node: NamedNode) -> bool:
    """Tell whether the graph mentions an IRI at all: as subject, object or graph name."""
    as_subject = store.quads_for_pattern(node, None, None, None)
    as_object = store.quads_for_pattern(None, None, node, None)
    return any(next(iter(quads), None) is not None for quads in (as_subject, as_object)) or store.contains_named_graph(node)


def count(store: Store, query: str, variable: str, node: NamedNode) -> int:
    """Run a one-row COUNT query with `variable` bound to `node` and return the count."""
    rows = list(store.query(query, substitutions={Variable(variable): node}))
    return int(rows[0]["n"].value) if rows else 0


def resolve(store: Store, id_base: str, readings: Sequence[tuple[str, str | None]], row_cap: int = 0) -> tuple[str, str | None] | None:
    """Return the first reading of a path, (resource path, format suffix), whose /id/ IRI the graph holds, or None."""
    return next((reading for reading in readings if known(store, id_base, reading[0])), None)


def known(store: Store, id_base: str, path: str) -> bool:
    """Tell whether /id/<path> names something in the graph."""
    try:
        node = NamedNode(id_base + path)
    except ValueError:
        return False
    return exists(store, node)


def describe(store: Store, iri: str, base: str, limits: Limits = Limits(), row_cap: int = 10_000) -> Description:
    """Describe one resource of the store, with at most `row_cap` of its own statements."""
    node, viewer = NamedNode(iri), Viewer(store, base)
    outbound = sorted(islice(store.quads_for_pattern(node, None, None, None), row_cap), key=sort_key)
    statements = tuple(outbound_statements(viewer, outbound))
    spans = evidence_spans(store, node, outbound)
    quotes = tuple(sorted((quote(viewer, span, limits.context) for span in spans[: limits.quotes]), key=quote_order))
    inbound = tuple(islice(store.quads_for_pattern(None, None, node, None), limits.inbound))
    groups = inbound_groups(viewer, node, limits) if inbound else ()
    graph_size = count(store, COUNT_GRAPH, "g", node) if store.contains_named_graph(node) else None
    return Description(
        iri=iri,
        title=title(viewer, node, quotes),
        types=tuple(s.other for s in statements if s.predicate.value == RDF_TYPE),
        statements=statements,
        inbound=tuple(Statement(viewer.view(q.predicate), viewer.view(q.subject), graph_view(viewer, q)) for q in inbound),
        inbound_total=sum(g.total for g in groups),
        inbound_groups=groups,
        quotes=quotes,
        quote_total=len(spans),
        graph_size=graph_size,
        quads=tuple(outbound) + tuple(evidence_quads(store, spans)),
    )


def inbound_groups(viewer: Viewer, node: NamedNode, limits: Limits) -> tuple[InboundGroup, ...]:
    """Group the links to a resource by property, most frequent first, each with one page of its linking resources."""
    store, offset = viewer.store, limits.page * limits.inbound
    groups = []
    for row in store.query(INBOUND_BY_PREDICATE, substitutions={Variable("o"): node}):
        predicate = row["p"]
        page = store.query(INBOUND_PAGE % (limits.inbound, offset), substitutions={Variable("o"): node, Variable("p"): predicate})
        statements = tuple(Statement(viewer.view(predicate), viewer.view(r["s"]), viewer.view(r["g"])) for r in page)
        groups.append(InboundGroup(viewer.view(predicate), int(row["n"].value), statements, offset))
    return tuple(groups)


def sort_key(quad: Quad) -> tuple[bool, str, str]:
    """Order statements: rdf:type first, then by predicate and value."""
    return (quad.predicate.value != RDF_TYPE, quad.predicate.value, quad.object.value)


def outbound_statements(viewer: Viewer, quads: list[Quad]) -> Iterable[Statement]:
    """View the resource's own statements, making numbers readable with their sibling literals."""
    siblings = {q.predicate.value: q.object.value for q in quads if isinstance(q.object, Literal)}
    for q in quads:
        yield Statement(viewer.view(q.predicate), viewer.view(q.object, q.predicate.value, siblings), graph_view(viewer, q))


def graph_view(viewer: Viewer, quad: Quad) -> TermView | None:
    return viewer.view(quad.graph_name) if isinstance(quad.graph_name, NamedNode) else None


def objects(store: Store, subject: NamedNode | BlankNode, predicate: str) -> list:
    """Return the objects of one subject and predicate, in any graph, without duplicates."""
    return list(dict.fromkeys(q.object for q in store.quads_for_pattern(subject, NamedNode(predicate), None, None)))


def first_literal(store: Store, subject: NamedNode | BlankNode, predicate: str) -> str | None:
    found = [o.value for o in objects(store, subject, predicate) if isinstance(o, Literal)]
    return found[0] if found else None


def evidence_spans(store: Store, node: NamedNode, outbound: list[Quad]) -> list[NamedNode | BlankNode]:
    """List the spans that quote the resource (its gx:evidence), or the resource itself when it is a span."""
    spans = [q.object for q in outbound if q.predicate.value == GX + "evidence" and not isinstance(q.object, Literal)]
    if any(q.predicate.value == OA + "hasSelector" for q in outbound):
        spans.insert(0, node)
    return list(dict.fromkeys(spans))


def quote(viewer: Viewer, span: NamedNode | BlankNode, width: int) -> Quote:
    """Find a span's source text and cut the quoted words out of it, with context either side."""
    store = viewer.store
    selectors = objects(store, span, OA + "hasSelector")
    start = selector_value(store, selectors, "start")
    end = selector_value(store, selectors, "end")
    exact = next((v for s in selectors if (v := first_literal(store, s, OA + "exact")) is not None), "")
    source = next(iter(objects(store, span, OA + "hasSource")), None)
    file = source_file(store, source)
    text = first_literal(store, file, GX + "sourceText") if file else None
    before, cut, after = display.in_context(text, start, end, width) if text is not None and None not in (start, end) else ("", exact, "")
    return Quote(
        span=viewer.view(span),
        expression=viewer.view(source) if source else None,
        file=viewer.view(file) if file else None,
        file_name=first_literal(store, file, GX + "fileName") if file else None,
        start=start,
        end=end,
        before=before,
        exact=cut or exact,
        after=after,
        matches=bool(exact) and cut == exact,
    )


def selector_value(store: Store, selectors: list, name: str) -> int | None:
    """Return the integer oa:start or oa:end found on any of a span's selectors."""
    values = [int(v) for s in selectors if (v := first_literal(store, s, OA + name)) is not None and v.lstrip("-").isdigit()]
    return values[0] if values else None


def source_file(store: Store, expression: object) -> NamedNode | BlankNode | None:
    """Return the file embodying an expression that carries the source text."""
    if not isinstance(expression, NamedNode | BlankNode):
        return None
    files = [f for f in objects(store, expression, PREFIXES["eli"] + "is_embodied_by") if isinstance(f, NamedNode | BlankNode)]
    return next((f for f in files if first_literal(store, f, GX + "sourceText") is not None), None)


def quote_order(q: Quote) -> tuple[str, int]:
    return (q.expression.value if q.expression else "", q.start if q.start is not None else -1)


def evidence_quads(store: Store, spans: list[NamedNode | BlankNode]) -> Iterable[Quad]:
    """Yield the statements of each evidence span and its selectors, so the RDF carries the quotes too."""
    for span in spans:
        yield from store.quads_for_pattern(span, None, None, None)
        for selector in objects(store, span, OA + "hasSelector"):
            if isinstance(selector, NamedNode | BlankNode):
                yield from store.quads_for_pattern(selector, None, None, None)


def title(viewer: Viewer, node: NamedNode, quotes: tuple[Quote, ...]) -> str:
    """Name a resource by its label, else by the words it was read from, else by its IRI path."""
    label = viewer.label(node)
    if label:
        return label
    if quotes and quotes[0].exact:
        return display.shorten(quotes[0].exact, 60)
    return node.value.removeprefix(viewer.base + "id/")
