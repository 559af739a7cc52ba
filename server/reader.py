"""Gather a document for reading: its metadata, its outline, and one expression's text with every quoted fact marked.

`read()` runs in a query process (`server.procedures`), like `server.describe`.
The text shown is the source file's own text (``gx:sourceText``); every mark is an
evidence span the graph holds (``oa:start``/``oa:end``, Python code points), so
nothing on the page is found by the server: it only shows what the build recorded.
Lines the cleaner dropped (site chrome, spam) are the file's ``gx:droppedSpan``
spans when the graph holds them; the page folds them away.

`nest()` turns the text and its spans into a tree of `Piece`s that a template
renders without logic: a span that crosses another's boundary is cut at it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Store, Variable

from graph_build.vocab import GX, PREFIXES

from .describe import TermView, Viewer, first_literal, objects

ELI = PREFIXES["eli"]
# What a mark is, read from the IRI the builder minted for it (graph_build/iris.py).
FACT_KINDS = {"incentive": "incentive", "target": "target", "provision": "provision", "part": "part"}
ENTITY_KINDS = {"org": "department", "zone": "zone", "industry": "industry", "doc": "document"}
KIND_NAMES = {
    "incentive": "激励 incentive", "target": "目标 target", "provision": "数量条款 provision", "department": "部门 department",
    "zone": "园区 zone", "industry": "产业 industry", "document": "文件 document", "dropped": "剔除的网站文字 dropped site text",
}
SPANS = """PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?expression ?thing ?start ?end WHERE {
  GRAPH ?g { ?span oa:hasSource ?expression ; oa:hasSelector ?selector . ?selector oa:start ?start ; oa:end ?end }
  GRAPH ?h { { ?thing gx:evidence ?span } UNION { ?thing gx:droppedSpan ?span } }
}"""
PARTS = """PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
SELECT DISTINCT ?work ?part ?path ?number ?heading ?measure WHERE { GRAPH ?g {
  ?part eli:is_part_of ?work ; gx:path ?path .
  OPTIONAL { ?part eli:number ?number } OPTIONAL { ?part eli:title ?heading }
  BIND(EXISTS { ?part a gx:Measure } AS ?measure)
} }"""


@dataclass(frozen=True)
class Mark:
    """One span of the text to mark: what it is (`kind`), what it links to, and its anchor id on the page."""

    start: int
    end: int
    kind: str
    href: str | None = None
    label: str | None = None
    anchor: str | None = None


@dataclass(frozen=True)
class Piece:
    """A run of plain text (`mark` None) or a marked span holding further pieces."""

    text: str = ""
    mark: Mark | None = None
    children: tuple[Piece, ...] = ()

    @property
    def holds_marks(self) -> bool:
        """Tell whether marks stand inside this one: then it cannot be one link (HTML forbids a link in a link)."""
        return any(child.mark is not None for child in self.children)


@dataclass(frozen=True)
class Part:
    """One heading of the outline: its path (2.3), printed number, heading, anchor and page."""

    path: str
    number: str
    heading: str
    href: str
    anchor: str
    measure: bool

    @property
    def depth(self) -> int:
        return self.path.count(".")


@dataclass(frozen=True)
class Expression:
    """One script version of the document, with its page on this server."""

    iri: str
    script: str
    href: str
    file: str
    source_url: str | None
    file_name: str | None


@dataclass(frozen=True)
class Reading:
    """A document ready to read: metadata, outline, and the text of one expression cut into marked pieces."""

    work: str
    expression: Expression
    others: tuple[Expression, ...]
    metadata: tuple[tuple[str, tuple[TermView, ...]], ...]
    outline: tuple[Part, ...]
    pieces: tuple[Piece, ...]
    counts: tuple[tuple[str, int], ...]
    dropped: int
    anchored: bool  # the text holds the outline's anchors (else the contents link to each part's page)


# fmt: off
METADATA = (
    ("文号 Number", ELI + "id_local"), ("发文机关 Issued by", ELI + "passed_by"), ("文种 Type", ELI + "type_document"),
    ("成文日期 Dated", ELI + "date_document"), ("发布日期 Published", ELI + "date_publication"),
    ("适用地区 Jurisdiction", ELI + "jurisdiction"), ("状态 Status", GX + "status"),
    ("贯彻落实 Implements", ELI + "ensures_implementation_of"), ("引用 Cites", ELI + "cites"),
)
# fmt: on


def read(store: Store, work_iri: str, expression_iri: str | None, base: str, row_cap: int = 10_000) -> Reading | None:
    """Read a work in one of its expressions (the one most facts quote, unless named); None if it has no text."""
    viewer, work = Viewer(store, base), NamedNode(work_iri)
    expressions = [expression_of(viewer, node) for node in objects(store, work, ELI + "is_realized_by") if isinstance(node, NamedNode)]
    expressions = [e for e in expressions if e is not None]
    if not expressions:
        return None
    spans = spans_by_expression(store, [NamedNode(e.iri) for e in expressions], base)
    chosen = next((e for e in expressions if e.iri == expression_iri), None) or max(expressions, key=lambda e: (len(spans[e.iri]), e.script == "zh-Hans"))
    text = first_literal(store, NamedNode(chosen.file), GX + "sourceText") or ""
    marks = [with_line_end(m, text) for m in spans[chosen.iri]]
    return Reading(
        work=work_iri,
        expression=chosen,
        others=tuple(e for e in expressions if e.iri != chosen.iri),
        metadata=tuple((name, tuple(viewer.view(o) for o in objects(store, work, predicate))) for name, predicate in METADATA),
        outline=outline(store, work, base),
        pieces=nest(text, marks),
        counts=tuple((KIND_NAMES[k], n) for k in KIND_NAMES if (n := sum(m.kind == k for m in marks))),
        dropped=sum(m.kind == "dropped" for m in marks),
        anchored=any(m.kind == "part" for m in marks),
    )


def with_line_end(mark: Mark, text: str) -> Mark:
    """Let a dropped line take its line break and the blank lines after it, so folding it away leaves no gap.

    >>> with_line_end(Mark(0, 2, "dropped"), "甲乙\\n \\n丙").end
    5
    """
    if mark.kind != "dropped":
        return mark
    end = mark.end
    while end < len(text) and text[end] in " \t\r\n\u3000":
        end += 1
    return Mark(mark.start, end, mark.kind)


def expression_of(viewer: Viewer, node: NamedNode) -> Expression | None:
    """View one expression: its script, page, the file name and the page it was scraped from."""
    store = viewer.store
    file = next((f for f in objects(store, node, ELI + "is_embodied_by") if isinstance(f, NamedNode)), None)
    if file is None:
        return None
    source = next((o.value for o in objects(store, file, ELI + "is_exemplified_by") if isinstance(o, NamedNode)), None)
    script = first_literal(store, node, GX + "script") or ""
    return Expression(node.value, script, viewer.href(node), file.value, source, first_literal(store, file, GX + "fileName"))


def spans_by_expression(store: Store, expressions: Sequence[NamedNode], base: str) -> dict[str, list[Mark]]:
    """List the marks on each expression's text: every evidence span, classified by the thing it is evidence of."""
    found: dict[str, list[Mark]] = {e.value: [] for e in expressions}
    for expression in expressions:
        for row in store.query(SPANS, substitutions={Variable("expression"): expression}):
            mark = mark_of(row["thing"], int(row["start"].value), int(row["end"].value), base)
            if mark is not None:
                found[expression.value].append(mark)
    return {k: sorted(set(v), key=lambda m: (m.start, -m.end, m.kind, m.href or "", m.label or "")) for k, v in found.items()}


def mark_of(thing: object, start: int, end: int, base: str) -> Mark | None:
    """Classify a quoted thing by its IRI (graph_build/iris.py), or None for what the reader does not mark.

    >>> mark_of(NamedNode("https://w3id.org/gaoxin-kg/id/doc/a/incentive/2-1-1"), 3, 9, "https://w3id.org/gaoxin-kg/").kind
    'incentive'
    >>> mark_of(NamedNode("https://w3id.org/gaoxin-kg/id/doc/a/part/2-1"), 0, 9, "https://w3id.org/gaoxin-kg/").anchor
    'part-2-1'
    >>> mark_of(NamedNode("https://w3id.org/gaoxin-kg/id/doc/a/zh-hans/file"), 0, 9, "https://w3id.org/gaoxin-kg/").kind
    'dropped'
    >>> mark_of(NamedNode("https://w3id.org/gaoxin-kg/id/doc/a/part/2-1/instrument/x"), 0, 9, "https://w3id.org/gaoxin-kg/") is None
    True
    >>> mark_of(NamedNode("https://w3id.org/gaoxin-kg/id/similarity/a/1/b/2/shared/1"), 0, 9, "https://w3id.org/gaoxin-kg/") is None
    True
    """
    if not isinstance(thing, NamedNode) or not thing.value.startswith(base + "id/"):
        return None
    path = thing.value[len(base) + 3 :].split("/")
    href = "/" + thing.value[len(base) :]
    if path[0] == "doc" and len(path) >= 4 and path[-1] == "file":
        return Mark(start, end, "dropped")
    if path[0] == "doc" and len(path) == 4 and path[2] in FACT_KINDS:
        kind = FACT_KINDS[path[2]]
        return Mark(start, end, kind, href, anchor=f"part-{path[3]}" if kind == "part" else None)
    if path[0] == "doc" and len(path) == 2 or path[0] in ENTITY_KINDS and path[0] != "doc":
        return Mark(start, end, ENTITY_KINDS[path[0]], href)
    return None


def nest(text: str, marks: Iterable[Mark]) -> tuple[Piece, ...]:
    """Cut a text into pieces, each mark holding the marks inside it; a mark crossing an outer one's end is cut there.

    >>> [(p.text, p.mark and p.mark.kind) for p in nest("甲乙丙丁", [Mark(1, 3, "zone")])]
    [('甲', None), ('', 'zone'), ('丁', None)]
    >>> inner = nest("甲乙丙丁", [Mark(0, 4, "part"), Mark(1, 2, "zone")])[0].children
    >>> [(p.text, p.mark and p.mark.kind) for p in inner]
    [('甲', None), ('', 'zone'), ('丙丁', None)]
    """
    ordered = sorted(marks, key=lambda m: (m.start, -m.end, m.kind, m.href or "", m.label or ""))  # one order whatever the hash seed
    return tuple(pieces(text, 0, len(text), ordered))


def pieces(text: str, start: int, end: int, marks: list[Mark]) -> Iterable[Piece]:
    """Yield the pieces of text[start:end] given the marks (sorted by start, longest first) that begin inside it."""
    at, i = start, 0
    while i < len(marks):
        mark = marks[i]
        if mark.start < at or mark.start >= end:
            i += 1
            continue
        stop = min(mark.end, end)
        inside = [m for m in marks[i + 1 :] if m.start < stop]
        if mark.start > at:
            yield Piece(text[at : mark.start])
        yield Piece(mark=mark, children=tuple(pieces(text, mark.start, stop, inside)))
        at, i = stop, i + 1 + len(inside)
    if at < end:
        yield Piece(text[at:end])


def outline(store: Store, work: NamedNode, base: str) -> tuple[Part, ...]:
    """List the document's sections and measures in reading order."""
    rows = store.query(PARTS, substitutions={Variable("work"): work})
    parts = [
        Part(
            path=row["path"].value,
            number=row["number"].value if row["number"] else "",
            heading=row["heading"].value if isinstance(row["heading"], Literal) else "",
            href="/" + row["part"].value[len(base) :],
            anchor="part-" + row["path"].value.replace(".", "-"),
            measure=row["measure"].value == "true",
        )
        for row in rows
    ]
    return tuple(sorted(parts, key=lambda p: tuple(int(n) if n.isdigit() else 0 for n in p.path.split("."))))
