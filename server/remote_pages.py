"""Fetch what a resource page reads from a remote endpoint in two requests, then let the page's procedures read it locally.

`server.describe`, `server.reader` and `server.summary` walk a resource with many small look-ups
(its statements, the labels and codes of every term shown, evidence spans, selectors and source
text, a document's outline and marks, a province's tables). Against a remote endpoint each
look-up would be a round trip. Instead `prepared` answers each procedure from a `Neighbourhood`:
an in-memory pyoxigraph store holding the quads the procedures can read, plus the rows of the
SELECTs they run (`server.remote_folds`), fetched with ONE SELECT: a UNION of the patterns below
and of those SELECTs, the resource's IRI written by pyoxigraph's N-Triples writer. So a resource
page costs two requests to the engine:

1. `resolve`: a witness quad per reading of the path, and how many links point at each
   reading by each property (describe's ``INBOUND_BY_PREDICATE``);
2. `describe`: the page's quads and counts, one page of inbound links per property (the same
   rule as the embedded store: ``RESOURCE_INBOUND_CAP`` links per property, ``?_page=`` for the
   next), the labels of every term shown, and, in the same request, what the reader (a
   document's text, outline and marks) or the summary (a province, measure or similarity link)
   will ask. The reader's and summary's procedures, called next for the same page, are
   answered from it (`Recent`: kept a few seconds).

A procedure called without the request before it (its result evicted from the cache while
the other's was kept) costs one request more.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyoxigraph import Literal, NamedNode, Quad, Store

from graph_build.iris import ONTOLOGY_GRAPH
from graph_build.vocab import GX, PREFIXES, sparql_prefixes

from . import describe, reader, remote_folds, sparql_text, summary
from .remote_folds import Fold, Row


class Results(Protocol):
    """Where SELECTs are answered: `server.remote.Endpoint`."""

    def results(self, sparql: str) -> Any: ...


ELI = PREFIXES["eli"]
LABELS = " ".join(f"<{p}>" for p in (*describe.LABEL_PREDICATES, describe.NOTATION))
EVIDENCE = f"<{GX}evidence>?"  # the resource's spans, or the resource itself when it is a span
SOURCE = f"<{describe.OA}hasSource>"
FILE = f"<{ELI}is_embodied_by>"
FILE_FACTS = f"<{GX}sourceText> <{GX}fileName>"
QUAD_VARIABLES = ("s", "p", "o", "g", "inbound", "size")


def work_of(node: str, work: str) -> str:
    """Return a pattern binding `work` to the document a page reads: the resource itself, or the work an expression realizes."""
    return f"{node} <{ELI}realizes>? {work} . {work} a <{ELI}LegalResource> ."


# -- the first request: which resource, and how many links point at it by each property -------------------------------------


def witness(node: str) -> str:
    """Return a pattern giving one quad that mentions `node` as subject, object or graph name, if any."""
    return (f"{{ SELECT ?s ?p ?o ?g WHERE {{ {{ GRAPH ?g {{ {node} ?p ?o }} BIND({node} AS ?s) }} "
            f"UNION {{ GRAPH ?g {{ ?s ?p {node} }} BIND({node} AS ?o) }} UNION {{ GRAPH {node} {{ ?s ?p ?o }} BIND({node} AS ?g) }} }} LIMIT 1 }}")


def inbound_counts(nodes: Sequence[NamedNode]) -> Fold:
    """Fold describe's count of inbound links by property, for every candidate resource at once."""
    return Fold(describe.INBOUND_BY_PREDICATE, remote_folds.values("o", nodes))


# -- the second request: the page ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundPage:
    """One page of the links pointing at a resource by one property."""

    predicate: NamedNode
    limit: int
    offset: int

    def fold(self, node: NamedNode) -> Fold:
        """Fold describe's query for this page, bound to the resource and the property."""
        return Fold(describe.INBOUND_PAGE % (self.limit, self.offset), f"VALUES (?o ?p) {{ ({node} {self.predicate}) }}")

    def terms(self, node: str) -> str:
        """Return a pattern binding ?t to the linking resources and graphs this page shows."""
        page = (f"{{ SELECT ?s0 ?g0 WHERE {{ GRAPH ?g0 {{ ?s0 {self.predicate} {node} }} }} "
                f"ORDER BY ?s0 ?g0 LIMIT {self.limit} OFFSET {self.offset} }}")
        return f"{{ {page} VALUES ?k {{ 1 2 }} BIND(IF(?k = 1, ?s0, ?g0) AS ?t) }}"


def outbound(node: str, row_cap: int, v: str = "") -> str:
    """Return the subquery of the resource's own statements (?p ?o ?g, each name suffixed with `v`)."""
    return f"{{ SELECT ?p{v} ?o{v} ?g{v} WHERE {{ GRAPH ?g{v} {{ {node} ?p{v} ?o{v} }} }} LIMIT {row_cap} }}"


def shown(node: str, row_cap: int, pages: Sequence[InboundPage], predicates: Sequence[NamedNode], reader: bool = True) -> str:
    """Return a pattern binding ?t to every term the page names: the resource, its predicates, objects, graphs, inbound links,
    spans, sources, files, and the statements of the document it reads."""
    branches = [
        f"{{ BIND({node} AS ?t) }}",
        f"{{ {outbound(node, row_cap, '0')} VALUES ?k {{ 1 2 3 }} BIND(IF(?k = 1, ?p0, IF(?k = 2, ?o0, ?g0)) AS ?t) }}",
        f"{{ {node} {EVIDENCE} ?t }}", f"{{ {node} {EVIDENCE}/{SOURCE} ?t }}", f"{{ {node} {EVIDENCE}/{SOURCE}/{FILE} ?t }}",
        *([f"{{ {work_of(node, '?w0')} GRAPH ?g0 {{ ?w0 ?p0 ?t }} }}"] if reader else []),
        *(page.terms(node) for page in pages),
    ]
    branches += [f"{{ BIND({predicate} AS ?t) }}" for predicate in predicates]  # not one VALUES branch: Virtuoso 7.2 drops it in a UNION
    return " UNION ".join(branches)


def page_quads(node: str, row_cap: int, pages: Sequence[InboundPage], predicates: Sequence[NamedNode] = (), reader: bool = True) -> list[str]:
    """Return the UNION branches giving every quad the page's procedures read about `node` (`predicates`: those linking to it,
    `reader`: the document it reads too), and its two counts."""
    terms = f"{{ SELECT DISTINCT ?s WHERE {{ {{ {shown(node, row_cap, pages, predicates, reader)} }} FILTER(isIRI(?t)) BIND(?t AS ?s) }} }}"
    named = (f"{{ {{ VALUES ?p {{ {LABELS} }} GRAPH ?g {{ ?s ?p ?o }} }} "  # labels and codes
             f"UNION {{ BIND(<{describe.RDF_TYPE}> AS ?p) BIND(<{ONTOLOGY_GRAPH}> AS ?g) GRAPH ?g {{ ?s ?p ?o }} }} }}")  # declared terms
    work = work_of(node, "?w")
    documents = [
        f"{{ {{ SELECT ?s ?p ?o ?g WHERE {{ {work_of(node, '?s')} GRAPH ?g {{ ?s ?p ?o }} }} LIMIT {row_cap} }} }}",  # the document read
        f"{{ {work} ?w <{ELI}is_realized_by> ?s . VALUES ?p {{ {FILE} <{GX}script> }} GRAPH ?g {{ ?s ?p ?o }} }}",  # its expressions
        f"{{ {work} ?w <{ELI}is_realized_by>/{FILE} ?s . VALUES ?p {{ <{ELI}is_exemplified_by> {FILE_FACTS} }} GRAPH ?g {{ ?s ?p ?o }} }}",
    ]
    return [
        f"{{ {outbound(node, row_cap)} BIND({node} AS ?s) }}",
        f"{{ {{ SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p {node} }} }} LIMIT 1 }} BIND({node} AS ?o) }}",  # is anything linking here
        f"{{ {node} <{GX}evidence> ?s . GRAPH ?g {{ ?s ?p ?o }} }}",  # the spans' own statements
        f"{{ {node} {EVIDENCE}/<{describe.OA}hasSelector> ?s . GRAPH ?g {{ ?s ?p ?o }} }}",  # their selectors
        f"{{ {node} {EVIDENCE}/{SOURCE} ?s . VALUES ?p {{ {FILE} }} GRAPH ?g {{ ?s ?p ?o }} }}",  # expression -> file
        f"{{ {node} {EVIDENCE}/{SOURCE}/{FILE} ?s . VALUES ?p {{ {FILE_FACTS} }} GRAPH ?g {{ ?s ?p ?o }} }}",  # the file's text and name
        *(documents if reader else []),
        f"{{ {terms} {named} }}",  # the shown terms' labels, codes and declarations, the terms listed once
        f"{{ SELECT (COUNT(*) AS ?inbound) WHERE {{ GRAPH ?g1 {{ ?s1 ?p1 {node} }} }} }}",
        f"{{ SELECT (COUNT(*) AS ?size) WHERE {{ GRAPH {node} {{ ?s2 ?p2 ?o2 }} }} }}",
    ]


def page_folds(node: NamedNode, base: str, pages: Sequence[InboundPage], document: bool = True) -> list[Fold]:
    """Fold the SELECTs the page's procedures run: its inbound pages, the reader's outline and marks (`document`), the summary's tables."""
    folds = [page.fold(node) for page in pages]
    if document:
        folds.append(Fold(reader.SPANS, f"{work_of(str(node), '?fold_work')} ?fold_work <{ELI}is_realized_by> ?expression ."))
        folds.append(Fold(reader.PARTS, work_of(str(node), "?work")))
    found = summary.kind(node.value, base)
    if found:
        variable, queries = summary.BOUND_QUERIES[found]
        folds.extend(Fold(sparql_prefixes() + query, remote_folds.values(variable, [node])) for query in queries)
    if found == "similarity":
        sides = f"{node} <{describe.OA}hasTarget>/<{GX}evidence>/{SOURCE} ?expression ."
        folds.append(Fold(sparql_prefixes() + summary.SOURCE_TEXT, sides))
    return folds


def inbound_pages(node: NamedNode, counts: Sequence[Row], limits: describe.Limits) -> list[InboundPage]:
    """List the inbound pages `describe` will show: one per property that has links beyond the page's offset."""
    offset = limits.page * limits.inbound
    return [InboundPage(row["p"], limits.inbound, offset) for row in counts if row["o"] == node and int(row["n"].value) > offset]


# -- one request, read into a neighbourhood ----------------------------------------------------------------------------------


def compose(quads: Sequence[str], folds: Sequence[Fold]) -> str:
    """Write the one SELECT: the quads' branches (DISTINCT) and each fold as a branch tagged with its number in ?fold."""
    names = dict.fromkeys([*QUAD_VARIABLES, "fold", *(name for fold in folds for name in fold.variables)])
    branches = [f"{{ SELECT DISTINCT {' '.join('?' + n for n in QUAD_VARIABLES)} WHERE {{ {' UNION '.join(quads)} }} }}"] if quads else []
    branches += [f"{{ {{ {fold.subquery()} }} BIND({number} AS ?fold) }}" for number, fold in enumerate(folds)]
    return f"{prologue(folds)}SELECT {' '.join('?' + n for n in names)} WHERE {{ {' UNION '.join(branches)} }}"


def prologue(folds: Sequence[Fold]) -> str:
    """Merge the folds' PREFIX declarations into one prologue (a prefix declared twice must name the same namespace)."""
    merged: dict[str, str] = {}
    for fold in folds:
        for prefix, iri in sparql_text.prefixes_and_base(sparql_text.blank(fold.prologue))[0].items():
            if merged.setdefault(prefix, iri) != iri:
                raise ValueError(f"the folded queries declare the prefix {prefix}: as both <{merged[prefix]}> and <{iri}>")
    return "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in merged.items())


@dataclass(frozen=True)
class Neighbourhood:
    """The quads around one resource, held locally, with the counts only the endpoint knows and the folded queries' rows (a `ReadableStore`)."""

    store: Store
    counts: dict[str, int]
    node: NamedNode | None = None
    answers: dict[str, tuple[Fold, list[Row]]] = field(default_factory=dict)

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any, graph_name: Any = None) -> Iterator[Quad]:
        return self.store.quads_for_pattern(subject, predicate, object, graph_name)

    def contains_named_graph(self, graph_name: Any) -> bool:
        if graph_name == self.node and "size" in self.counts:
            return self.counts["size"] > 0
        return self.store.contains_named_graph(graph_name)

    def query(self, query: str, substitutions: Any = None, **options: Any) -> Any:
        """Answer the page's two counts from the endpoint's figures, a folded query from its rows; run anything else on the local quads."""
        named = {describe.COUNT_INBOUND: "inbound", describe.COUNT_GRAPH: "size"}.get(query)
        if named is not None and named in self.counts:
            return [{"n": Literal(str(self.counts[named]), datatype=NamedNode(PREFIXES["xsd"] + "integer"))}]
        if query in self.answers:
            fold, rows = self.answers[query]
            return remote_folds.answer(fold, rows, substitutions)
        return self.store.query(query, substitutions=substitutions, **options)

    def __len__(self) -> int:
        return len(self.store)


def fetch(endpoint: Results, quads: Sequence[str], folds: Sequence[Fold], node: NamedNode | None = None) -> Neighbourhood:
    """Run one composed SELECT and hold its quads, counts and folded rows locally."""
    store, counts = Store(), {}
    answers: dict[str, tuple[Fold, list[Row]]] = {fold.key: (fold, []) for fold in folds}
    for row in endpoint.results(compose(quads, folds)):
        if row["fold"] is not None:
            fold = folds[int(row["fold"].value)]
            answers[fold.key][1].append(remote_folds.rows_of(fold, row))
        elif None not in (row["s"], row["p"], row["o"], row["g"]):
            store.add(Quad(row["s"], row["p"], row["o"], row["g"]))
        for name in ("inbound", "size"):
            if row["fold"] is None and row[name] is not None:
                counts[name] = int(row[name].value)
    return Neighbourhood(store, counts, node, answers)


# -- what one page's request fetched for the next ----------------------------------------------------------------------------


class Recent:
    """Keep what a page's request fetched for the procedures the same page calls next: a few entries, each for `ttl` seconds."""

    def __init__(self, size: int = 64, ttl: float = 10.0) -> None:
        self.size, self.ttl = size, ttl
        self._entries: OrderedDict[tuple[str, str], tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, key: tuple[str, str], value: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get(self, key: tuple[str, str]) -> Any:
        with self._lock:
            found = self._entries.get(key)
        return found[1] if found and time.monotonic() - found[0] <= self.ttl else None


def named(iri: str) -> NamedNode | None:
    try:
        return NamedNode(iri)
    except ValueError:
        return None


def prepared(endpoint: Results, procedure: str, arguments: tuple[Any, ...], row_cap: int, recent: Recent) -> Neighbourhood | None:
    """Return what a resource page's procedure reads, fetched in the page's requests; None for other procedures."""
    if procedure == "resolve":
        return resolved(endpoint, arguments, recent)
    if procedure == "describe":
        iri, base, limits = arguments
        return page(endpoint, NamedNode(iri), base, limits, row_cap, recent)
    if procedure in ("read", "summarise"):
        iri, base = (arguments[1] or arguments[0], arguments[2]) if procedure == "read" else arguments  # read(work, expression, base)
        found = recent.get(("page", iri))  # not `or`: an empty neighbourhood is falsy (len 0) yet the answer
        if found is None or procedure == "read" and reader.PARTS not in found.answers:
            found = page(endpoint, NamedNode(iri), base, None, row_cap, recent, document=procedure == "read")
        return found
    return None


def reads_a_document(iri: str, base: str) -> bool:
    """Tell whether a page may open the document reader: a work (id/doc/X) or an expression (id/doc/X/zh-hans), by graph_build/iris.py's paths.

    >>> [reads_a_document("https://w3id.org/gaoxin-kg/id/doc/a" + p, "https://w3id.org/gaoxin-kg/") for p in ("", "/zh-hant", "/graph", "/part/2")]
    [True, True, False, False]
    """
    parts = iri[len(base) + 3 :].split("/") if iri.startswith(base + "id/") else []
    return len(parts) in (2, 3) and parts[0] == "doc" and parts[-1] != "graph"


def resolved(endpoint: Results, arguments: tuple[Any, ...], recent: Recent) -> Neighbourhood:
    """Fetch a witness quad for each reading of a path and the inbound counts of each; keep the counts for the page's describe."""
    id_base, readings = arguments
    nodes = [n for n in (named(id_base + path) for path, _ in readings) if n is not None]
    if not nodes:
        return Neighbourhood(Store(), {})
    fold = inbound_counts(nodes)
    found = fetch(endpoint, [witness(str(n)) for n in nodes], [fold])
    for node in nodes:
        recent.put(("inbound", node.value), [row for row in found.answers[fold.key][1] if row["o"] == node])
    return found


def page(endpoint: Results, node: NamedNode, base: str, limits: describe.Limits | None, row_cap: int, recent: Recent,
         document: bool | None = None) -> Neighbourhood:
    """Fetch everything one page's procedures read about `node` in one request (its inbound pages when `limits` are given, the
    document it reads when `document`, by default when its path names a document)."""
    document = reads_a_document(node.value, base) if document is None else document
    counts_fold = inbound_counts([node])
    counts: list[Row] = []
    if limits is not None:
        counts = recent.get(("inbound", node.value))
        if counts is None:  # not resolved just before: one request more
            counts = fetch(endpoint, [], [counts_fold]).answers[counts_fold.key][1]
    pages = inbound_pages(node, counts, limits) if limits is not None else []
    predicates = [row["p"] for row in counts if row["o"] == node]
    found = fetch(endpoint, page_quads(str(node), row_cap, pages, predicates, document), page_folds(node, base, pages, document), node)
    found.answers[counts_fold.key] = (counts_fold, counts)
    links = found.answers[pages[0].fold(node).key][1] if pages else []  # every inbound page shares one query text
    found.store.extend(Quad(row["s"], row["p"], row["o"], row["g"]) for row in links)
    recent.put(("page", node.value), found)
    return found
