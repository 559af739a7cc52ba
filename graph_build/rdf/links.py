"""Links to other datasets: administrative divisions, national classifications and Wikidata, from data/reference.

Two kinds of quads. ``reference_link_quads`` describes what the reference
tables hold whatever the documents say (the divisions with their GB/T 2260
codes, the nine areas of 战略性新兴产业分类(2018), the GB/T 4754-2017 classes).
``document_links`` looks at what the documents produced (zones, industry and
recipient-type concepts) and links each to the tables: a zone to the division it
lies in, an industry to its SEI area and GB/T 4754 class, a recipient type to its
chain of broader types. A concept the tables do not know gets a report line and
no link: nothing is guessed. See "Links to other datasets" in the README.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyoxigraph import Literal, NamedNode, Quad

from graph_build import iris, reference
from graph_build.build.events import Events, ReferenceGap
from graph_build.vocab import RDF_TYPE, dcterms, gx, rdfs, schema, skos

WIKIDATA = "http://www.wikidata.org/entity/"
SEI, GBT4754, DIVISIONS = "sei-2018", "gbt-4754-2017", "divisions"
MATCHES = {"broad": skos.broadMatch, "close": skos.closeMatch}
LEVEL_CLASSES = {"prefecture": gx.PrefectureLevelDivision, "county": gx.CountyLevelDivision}
REFERENCE, ENTITIES = NamedNode(iris.REFERENCE_GRAPH), NamedNode(iris.ENTITIES_GRAPH)


def zh(text: str) -> Literal:
    return Literal(text, language="zh-Hans")


def en(text: str) -> Literal:
    return Literal(text, language="en")


def wikidata(qid: str) -> NamedNode:
    return NamedNode(WIKIDATA + qid)


# ---- what the tables hold ----------------------------------------------------------


def reference_link_quads() -> Iterator[Quad]:
    """Describe the divisions and the classes of the two national classifications."""
    for division in reference.divisions():
        yield from division_quads(division)
    for scheme_name, rows in ((SEI, reference.sei_areas()), (GBT4754, reference.gbt4754_classes())):
        for row in rows:
            yield from class_quads(scheme_name, row)


def division_quads(division: reference.Division) -> Iterator[Quad]:
    """Describe one division: labels, GB/T 2260 code, the division it lies in, Wikidata item where known."""
    node, parent = NamedNode(iris.division(division.code)), NamedNode(iris.place(division.parent))
    for cls in (gx.AdministrativeDivision, LEVEL_CLASSES[division.level], skos.Concept, dcterms.Location):
        yield Quad(node, RDF_TYPE, cls, REFERENCE)
    yield Quad(node, skos.inScheme, NamedNode(iris.scheme(DIVISIONS)), REFERENCE)
    yield Quad(node, skos.prefLabel, zh(division.name), REFERENCE)
    yield Quad(node, rdfs.label, zh(division.name), REFERENCE)
    yield Quad(node, skos.altLabel, zh(division.short_name), REFERENCE)
    yield Quad(node, skos.notation, Literal(division.code, datatype=gx.GBT2260Code), REFERENCE)
    yield Quad(node, skos.broader, parent, REFERENCE)
    yield Quad(node, schema.containedInPlace, parent, REFERENCE)
    yield Quad(node, dcterms.source, Literal(division.source), REFERENCE)
    if division.wikidata:
        yield Quad(node, skos.exactMatch, wikidata(division.wikidata), REFERENCE)


def class_quads(scheme_name: str, row: reference.ClassCode) -> Iterator[Quad]:
    """Describe one class of a classification, under its enclosing class or at the top of the scheme."""
    node, scheme = NamedNode(iris.classified(scheme_name, row.code)), NamedNode(iris.scheme(scheme_name))
    yield Quad(node, RDF_TYPE, skos.Concept, REFERENCE)
    yield Quad(node, skos.inScheme, scheme, REFERENCE)
    for label in (zh(row.label), en(row.label_en)):
        yield Quad(node, skos.prefLabel, label, REFERENCE)
        yield Quad(node, rdfs.label, label, REFERENCE)
    yield Quad(node, skos.notation, Literal(row.code), REFERENCE)
    yield Quad(node, dcterms.source, Literal(row.source), REFERENCE)
    if row.broader:
        yield Quad(node, skos.broader, NamedNode(iris.classified(scheme_name, row.broader)), REFERENCE)
    else:
        yield Quad(node, skos.topConceptOf, scheme, REFERENCE)


# ---- what the documents name --------------------------------------------------------


def document_links(quads: Iterable[Quad], events: Events) -> list[Quad]:
    """Link the zones, industries and recipient types the documents produced to the reference tables."""
    labels = {q.subject.value: q.object.value for q in quads if q.predicate == skos.prefLabel and q.graph_name == ENTITIES}
    schemes = {q.subject.value: q.object.value for q in quads if q.predicate == skos.inScheme and q.graph_name == ENTITIES}
    named = {scheme: {labels[s] for s, sch in schemes.items() if sch == iris.scheme(scheme)} for scheme in ("industry", "recipient-type")}
    zones = {q.subject.value for q in quads if q.predicate == RDF_TYPE and q.object == gx.HighTechZone}
    provinces = {q.subject.value: q.object.value for q in quads if q.predicate == gx.inProvince and q.subject.value in zones}
    links = [*industry_links(named["industry"], events), *recipient_links(named["recipient-type"], events)]
    links += zone_links({z: (labels[z], provinces.get(z)) for z in zones}, events)
    return list(dict.fromkeys(links))


def industry_links(labels: set[str], events: Events) -> Iterator[Quad]:
    """Map each industry the documents name to its SEI area and GB/T 4754 class; relate its variants."""
    table = reference.industry_links()
    for label in sorted(labels):
        row = table.get(label)
        if row is None:
            events(ReferenceGap("industry", label, "not in data/reference/industries.csv"))
            continue
        node = NamedNode(iris.concept("industry", label))
        for scheme_name, code, match in ((SEI, row.sei, row.sei_match), (GBT4754, row.gbt4754, row.gbt4754_match)):
            if code:
                yield Quad(node, MATCHES[match], NamedNode(iris.classified(scheme_name, code)), REFERENCE)
        if row.related in labels:
            yield Quad(node, skos.related, NamedNode(iris.concept("industry", row.related)), REFERENCE)
            yield Quad(NamedNode(iris.concept("industry", row.related)), skos.related, node, REFERENCE)


def recipient_links(labels: set[str], events: Events) -> Iterator[Quad]:
    """Give each recipient type the documents name its chain of broader types, describing the ancestors."""
    table = reference.recipient_types()
    for label in sorted(labels):
        if label not in table:
            events(ReferenceGap("recipient type", label, "has no broader type: not in data/reference/recipient_types.csv"))
            continue
        while label:
            yield from recipient_concept(table[label])
            label = table[label].broader


def recipient_concept(row: reference.RecipientType) -> Iterator[Quad]:
    """Describe a recipient type as the builder's concepts are described, with its English label and broader type."""
    node = NamedNode(iris.concept("recipient-type", row.label))
    yield Quad(node, RDF_TYPE, skos.Concept, ENTITIES)
    yield Quad(node, skos.prefLabel, zh(row.label), ENTITIES)
    yield Quad(node, rdfs.label, zh(row.label), ENTITIES)
    yield Quad(node, skos.inScheme, NamedNode(iris.scheme("recipient-type")), ENTITIES)
    # English as skos:altLabel, not a second prefLabel: queries that join a recipient type's prefLabel keep one row each.
    yield Quad(node, skos.altLabel, en(row.label_en), REFERENCE)
    if row.broader:
        yield Quad(node, skos.broader, NamedNode(iris.concept("recipient-type", row.broader)), REFERENCE)


def zone_links(zones: dict[str, tuple[str, str | None]], events: Events) -> Iterator[Quad]:
    """Place each zone in the division it lies in; give it its official name and Wikidata item where known."""
    codes = {iris.province(p.code): p.code for p in reference.provinces()}
    for iri, (label, province_iri) in sorted(zones.items()):
        division = reference.zone_division(label, codes.get(province_iri or ""))
        if division is None:
            events(ReferenceGap("zone", label, "lies in no known division: add it to data/reference/zones.csv or divisions.csv"))
            continue
        node = NamedNode(iri)
        yield Quad(node, schema.containedInPlace, NamedNode(iris.division(division.code)), REFERENCE)
        row = reference.zone_row(label)
        if row and row.official_name:
            yield Quad(node, skos.altLabel, zh(row.official_name), REFERENCE)
        if row and row.wikidata:
            yield Quad(node, skos.exactMatch, wikidata(row.wikidata), REFERENCE)
