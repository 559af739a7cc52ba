"""Summaries that open an entity's page: a province's documents, counts, largest sums and zones; a measure's incentives;
a similarity link's two measures side by side with the wording they share marked.

`summarise()` runs in a query process (`server.procedures`), like `server.describe`: a few SPARQL
queries with the entity bound by substitution, read into frozen `Section`s of `Cell`s that
``_summary.html`` renders without logic. What kind of entity an IRI names is read from the path
`graph_build/iris.py` minted it under.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Store, Variable

from graph_build.vocab import sparql_prefixes

from . import display
from .reader import Mark, Piece, nest
from .result_table import wan_yuan

FREQUENCIES = {"OneTime": "一次性 one-time", "Annual": "每年 annual", "UnspecifiedFrequency": "未说明 unspecified"}


@dataclass(frozen=True)
class Cell:
    """One value of a summary table: its text, a link, and a title shown on hover (the exact yuan of a sum)."""

    text: str
    href: str | None = None
    title: str | None = None
    css: str = ""


@dataclass(frozen=True)
class Section:
    """One table of a summary: a heading, column headers and rows; `total` when the rows shown are not all."""

    heading: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Side:
    """One measure of a similarity link: where it stands and its text with the shared wording marked."""

    document: Cell
    measure: Cell
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class Summary:
    """What opens an entity's page: figures, tables, and for a similarity link its two sides."""

    figures: tuple[tuple[str, str], ...] = ()
    sections: tuple[Section, ...] = ()
    sides: tuple[Side, ...] = ()
    score: str | None = None


PROVINCE_COUNTS = """SELECT ?province (COUNT(DISTINCT ?document) AS ?documents) (COUNT(DISTINCT ?measure) AS ?measures)
  (COUNT(DISTINCT ?incentive) AS ?incentives) WHERE {
  ?document eli:jurisdiction ?province ; eli:is_realized_by ?expression .
  OPTIONAL { ?measure a gx:Measure ; eli:is_part_of ?document . OPTIONAL { ?incentive gx:inMeasure ?measure } }
} GROUP BY ?province"""
PROVINCE_DOCUMENTS = """SELECT ?province ?document (SAMPLE(?t) AS ?title) (SAMPLE(?n) AS ?number) (SAMPLE(?d) AS ?date) WHERE {
  ?document eli:jurisdiction ?province ; eli:is_realized_by ?expression .
  OPTIONAL { ?document eli:title ?t } OPTIONAL { ?document eli:id_local ?n }
  OPTIONAL { ?document eli:date_document ?signed } OPTIONAL { ?document eli:date_publication ?published }
  BIND(COALESCE(?signed, ?published) AS ?d)
} GROUP BY ?province ?document ORDER BY DESC(?date) ?title LIMIT 50"""
PROVINCE_INCENTIVES = """SELECT ?province ?incentive ?yuan ?sum_kind ?recipient ?frequency ?quote WHERE {
  ?incentive gx:inMeasure/eli:is_part_of ?document ; gx:evidence/oa:hasSelector/oa:exact ?quote .
  ?document eli:jurisdiction ?province .
  OPTIONAL { ?incentive gx:amountYuan ?amount } OPTIONAL { ?incentive gx:maximumYuan ?maximum } OPTIONAL { ?incentive gx:minimumYuan ?minimum }
  OPTIONAL { ?incentive gx:recipientText ?recipient } OPTIONAL { ?incentive gx:frequency ?frequency }
  BIND(COALESCE(?amount, ?maximum, ?minimum) AS ?yuan) FILTER(BOUND(?yuan))
  BIND(IF(BOUND(?amount), "", IF(BOUND(?maximum), "最高 up to ", "不少于 at least ")) AS ?sum_kind)
} ORDER BY DESC(?yuan) ?incentive LIMIT 10"""
PROVINCE_ZONES = """SELECT ?province ?zone (SAMPLE(?label) AS ?name) (COUNT(DISTINCT ?measure) AS ?measures) WHERE {
  ?zone gx:inProvince ?province ; a gx:HighTechZone . OPTIONAL { ?zone skos:prefLabel ?label }
  OPTIONAL { ?measure gx:mentionsZone ?zone }
} GROUP BY ?province ?zone ORDER BY DESC(?measures) ?name"""
MEASURE_INCENTIVES = """SELECT ?measure ?incentive ?amount ?maximum ?minimum ?rate ?recipient ?kind ?frequency ?quote WHERE {
  ?incentive gx:inMeasure ?measure ; gx:evidence/oa:hasSelector/oa:exact ?quote .
  OPTIONAL { ?incentive gx:amountYuan ?amount } OPTIONAL { ?incentive gx:maximumYuan ?maximum } OPTIONAL { ?incentive gx:minimumYuan ?minimum }
  OPTIONAL { ?incentive gx:ratePercent ?rate } OPTIONAL { ?incentive gx:recipientText ?recipient }
  OPTIONAL { ?incentive gx:incentiveKind ?kind } OPTIONAL { ?incentive gx:frequency ?frequency }
} ORDER BY ?incentive"""
MEASURE_SIMILAR = """SELECT ?measure ?link ?other ?score ?path ?heading ?document ?document_title WHERE {
  ?link a gx:SimilarityLink ; oa:hasTarget ?measure , ?other ; gx:similarityScore ?score . FILTER(?other != ?measure)
  ?other gx:path ?path ; eli:is_part_of ?document . OPTIONAL { ?other eli:title ?heading }
  OPTIONAL { ?document eli:title ?document_title }
} ORDER BY DESC(?score) ?other LIMIT 20"""
LINK_SIDES = """SELECT ?link ?score ?measure ?path ?heading ?document ?title ?expression ?start ?end WHERE {
  ?link gx:similarityScore ?score ; oa:hasTarget ?measure .
  ?measure gx:path ?path ; eli:is_part_of ?document ; gx:evidence ?span .
  OPTIONAL { ?measure eli:title ?heading } OPTIONAL { ?document eli:title ?title }
  ?span oa:hasSource ?expression ; oa:hasSelector ?selector . ?selector oa:start ?start ; oa:end ?end .
} ORDER BY ?measure"""
LINK_SHARED = """SELECT ?link ?expression ?start ?end WHERE {
  ?link gx:sharedWording/gx:evidence ?span .
  ?span oa:hasSource ?expression ; oa:hasSelector ?selector . ?selector oa:start ?start ; oa:end ?end .
}"""
SOURCE_TEXT = "SELECT ?expression ?text WHERE { ?expression eli:is_embodied_by/gx:sourceText ?text }"


# What each kind of summary asks, with the variable bound to the entity (server/remote_pages.py sends them in the page's request);
# a similarity link also asks SOURCE_TEXT for each side's expression.
BOUND_QUERIES = {
    "province": ("province", (PROVINCE_COUNTS, PROVINCE_DOCUMENTS, PROVINCE_INCENTIVES, PROVINCE_ZONES)),
    "measure": ("measure", (MEASURE_INCENTIVES, MEASURE_SIMILAR)),
    "similarity": ("link", (LINK_SIDES, LINK_SHARED)),
}


def kind(iri: str, base: str) -> str | None:
    """Tell which summary a resource gets from the path its IRI was minted under: "province", "measure", "similarity" or None.

    >>> [kind("https://w3id.org/gaoxin-kg/id/" + p, "https://w3id.org/gaoxin-kg/") for p in ("province/gansu", "doc/a/part/2-1", "zone/x")]
    ['province', 'measure', None]
    """
    first = iri[len(base) + 3 :].split("/")[0] if iri.startswith(base + "id/") else ""
    if first == "province":
        return "province"
    if first == "doc" and "/part/" in iri and "/instrument/" not in iri:
        return "measure"
    if first == "similarity" and "/shared/" not in iri:
        return "similarity"
    return None


def summarise(store: Store, iri: str, base: str, row_cap: int = 10_000) -> Summary | None:
    """Summarise a province, a measure or a similarity link; None for any other resource."""
    summaries = {"province": province, "measure": measure, "similarity": similarity}
    found = kind(iri, base)
    return summaries[found](store, NamedNode(iri), base) if found else None


def select(store: Store, query: str, variable: str, node: NamedNode) -> list:
    """Run one summary query over the union of the graphs with one variable bound."""
    return list(store.query(sparql_prefixes() + query, substitutions={Variable(variable): node}, use_default_graph_as_union=True))


def value(term: object) -> str:
    return term.value if term is not None else ""  # type: ignore[attr-defined]


def link(term: object, text: str, base: str) -> Cell:
    return Cell(text or value(term), display.local_href(value(term), base) if isinstance(term, NamedNode) else None)


def money(yuan: object, prefix: str = "") -> Cell:
    """Show a sum in 万元 with the exact yuan on hover."""
    if not isinstance(yuan, Literal):
        return Cell("")
    return Cell(prefix + wan_yuan(yuan.value), title=f"{display.format_number(yuan.value)} 元", css="number money")


def frequency(term: object) -> str:
    return FREQUENCIES.get(value(term).rsplit("#", 1)[-1], "") if term is not None else ""


def province(store: Store, node: NamedNode, base: str) -> Summary:
    """Summarise a province: its counts, its documents, its largest sums, its zones."""
    counts = select(store, PROVINCE_COUNTS, "province", node)
    figures = tuple((name, value(counts[0][key])) for name, key in (("文件 documents", "documents"), ("措施 measures", "measures"),
                                                                    ("激励 incentives", "incentives"))) if counts else ()
    documents = [
        (link(r["document"], value(r["title"]), base), Cell(value(r["number"])), Cell(value(r["date"])))
        for r in select(store, PROVINCE_DOCUMENTS, "province", node)
    ]
    incentives = [
        (money(r["yuan"], value(r["sum_kind"])), Cell(value(r["recipient"])), Cell(frequency(r["frequency"])), link(r["incentive"], value(r["quote"]), base))
        for r in select(store, PROVINCE_INCENTIVES, "province", node)
    ]
    zones = [(link(r["zone"], value(r["name"]), base), Cell(value(r["measures"]), css="number")) for r in select(store, PROVINCE_ZONES, "province", node)]
    sections = (
        documents_section(documents, int(figures[0][1]) if figures else 0),
        Section("金额最大的激励 Largest sums", ("金额 sum", "受助对象 recipient", "频次 frequency", "原文 quote"), tuple(incentives)),
        Section("园区 Zones", ("园区 zone", "提及措施 measures naming it"), tuple(zones)),
    )
    return Summary(figures=(*figures, ("园区 zones", str(len(zones)))), sections=tuple(s for s in sections if s.rows))


def documents_section(documents: list[tuple[Cell, ...]], total: int) -> Section:
    """List a province's newest documents (PROVINCE_DOCUMENTS' LIMIT); past it, say how many there are and where the rest are."""
    if total <= len(documents):
        return Section("政策文件 Documents", ("文件 document", "文号 number", "日期 date"), tuple(documents))
    note = (f"最新的 {len(documents)} 件；全部 {total:,} 件见下方“被引用”的 eli:jurisdiction。 "
            f"The {len(documents)} newest; all {total:,} are under Inbound links below (eli:jurisdiction), page by page.")
    return Section("政策文件 Documents", ("文件 document", "文号 number", "日期 date"), tuple(documents), total, note)


def measure(store: Store, node: NamedNode, base: str) -> Summary:
    """Summarise a measure: its incentives inline, and the measures elsewhere that say the same."""
    incentives = [
        (
            money(r["amount"]) if r["amount"] else money(r["maximum"], "最高 up to ") if r["maximum"] else money(r["minimum"], "不少于 at least "),
            Cell(f"{value(r['rate'])} %" if r["rate"] else ""),
            Cell(value(r["recipient"])),
            Cell(value(r["kind"])),
            Cell(frequency(r["frequency"])),
            link(r["incentive"], value(r["quote"]), base),
        )
        for r in select(store, MEASURE_INCENTIVES, "measure", node)
    ]
    similar = [
        (Cell(value(r["score"]), display.local_href(value(r["link"]), base), css="number"), link(r["document"], value(r["document_title"]), base),
         link(r["other"], f"{value(r['path'])} {value(r['heading'])}", base))
        for r in select(store, MEASURE_SIMILAR, "measure", node)
    ]
    sections = (
        Section("激励 Incentives", ("金额 sum", "比例 rate", "受助对象 recipient", "方式 kind", "频次 frequency", "原文 quote"), tuple(incentives)),
        Section("他处相似措施 Similar measures elsewhere", ("相似度 similarity", "文件 document", "措施 measure"), tuple(similar)),
    )
    return Summary(sections=tuple(s for s in sections if s.rows))


def similarity(store: Store, node: NamedNode, base: str) -> Summary | None:
    """Lay out a similarity link's two measures side by side, the wording they share marked in each."""
    rows = select(store, LINK_SIDES, "link", node)
    if not rows:
        return None
    shared = [(value(r["expression"]), int(value(r["start"])), int(value(r["end"]))) for r in select(store, LINK_SHARED, "link", node)]
    sides = []
    for r in rows:
        expression, start, end = value(r["expression"]), int(value(r["start"])), int(value(r["end"]))
        texts = select(store, SOURCE_TEXT, "expression", NamedNode(expression))
        text = value(texts[0]["text"])[start:end] if texts else ""
        marks = [Mark(s - start, e - start, "shared") for x, s, e in shared if x == expression and start <= s and e <= end]
        document = link(r["document"], value(r["title"]), base)
        sides.append(Side(document, link(r["measure"], f"{value(r['path'])} {value(r['heading'])}", base), nest(text, marks)))
    return Summary(sides=tuple(sides), score=value(rows[0]["score"]))
