"""Tests of the gaoxin-kg ontology, its SHACL shapes and the HermiT consistency check."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef

from tests.ontology.reasoning import ConsistencyError, check_consistency

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY = ROOT / "ontology" / "gaoxin.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
README = ROOT / "ontology" / "README.md"
SAMPLE = Path(__file__).with_name("sample.ttl")

GX = Namespace("https://w3id.org/gaoxin-kg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
ONTOLOGY_IRI = URIRef("https://w3id.org/gaoxin-kg/ontology")
ID = "https://w3id.org/gaoxin-kg/id/"
MEASURE = URIRef(ID + "doc/yunzhengfa-2020-36/part/2-1")
INCENTIVE = URIRef(ID + "doc/yunzhengfa-2020-36/incentive/2-1-1")

BUILT_IN_ANNOTATIONS = (RDFS.label, RDFS.comment)
DECLARATION_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDFS.Datatype)

GX_CLASSES = ("Province", "HighTechZone", "Section", "Measure", "Incentive", "Grant", "QuantitativeTarget", "NumericProvision", "BuildRun")
GX_OBJECT_PROPERTIES = (
    "status",
    "evidence",
    "responsibleOrganization",
    "mentionsOrganization",
    "mentionsZone",
    "prioritisesIndustry",
    "inMeasure",
    "providesIncentive",
    "recipientType",
    "frequency",
    "payer",
    "inProvince",
    "zoneLevel",
    "priorityIndustry",
)
GX_DATATYPE_PROPERTIES = (
    "provinceEvidence",
    "script",
    "fileName",
    "sha256",
    "encoding",
    "sourceText",
    "droppedLineCount",
    "path",
    "recipientText",
    "amountYuan",
    "minimumYuan",
    "maximumYuan",
    "ratePercent",
    "amountText",
    "minimumText",
    "maximumText",
    "rateBase",
    "currency",
    "payerText",
    "incentiveKind",
    "shortName",
    "indicator",
    "comparator",
    "numericValue",
    "unit",
    "targetYear",
    "provisionKind",
    "softwareVersion",
    "inputDigest",
)
GX_KINDS = (
    {GX[name]: OWL.Class for name in GX_CLASSES}
    | {GX[name]: OWL.ObjectProperty for name in GX_OBJECT_PROPERTIES}
    | {GX[name]: OWL.DatatypeProperty for name in GX_DATATYPE_PROPERTIES}
    | {GX.GBT2260Code: RDFS.Datatype}
)


@cache
def ontology() -> Graph:
    """Parse the ontology once."""
    return Graph().parse(ONTOLOGY, format="turtle")


def sample() -> Graph:
    """Parse a fresh copy of the sample data."""
    return Graph().parse(SAMPLE, format="turtle")


def declared_terms() -> list[URIRef]:
    """List every IRI the ontology declares as a class, property or datatype."""
    graph = ontology()
    return sorted({s for t in DECLARATION_TYPES for s in graph.subjects(RDF.type, t) if isinstance(s, URIRef)})


def short(term: URIRef) -> str:
    """Name a term by its local part, for test ids."""
    return ontology().namespace_manager.normalizeUri(term)


# ---- the ontology itself ----------------------------------------------------


def test_ontology_header() -> None:
    """Check the ontology IRI, version, bilingual title and description, and licence."""
    graph = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    assert graph.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    assert graph.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {value.language for value in graph.objects(ONTOLOGY_IRI, prop)} == {"zh-Hans", "en"}


@pytest.mark.parametrize("term", sorted(GX_KINDS), ids=short)
def test_gx_term_is_declared(term: URIRef) -> None:
    """Check each gx term of the data model is declared with its OWL kind."""
    assert (term, RDF.type, GX_KINDS[term]) in ontology()


@pytest.mark.parametrize("term", sorted(set(declared_terms()) | set(GX_KINDS)), ids=short)
def test_term_has_labels_and_comment(term: URIRef) -> None:
    """Check each declared term has labels in zh-Hans and en and an English comment."""
    graph = ontology()
    missing = {"zh-Hans", "en"} - {label.language for label in graph.objects(term, RDFS.label)}
    assert not missing, f"{short(term)} lacks an rdfs:label in {sorted(missing)}"
    comments = {comment.language for comment in graph.objects(term, RDFS.comment)}
    assert "en" in comments, f"{short(term)} lacks an English rdfs:comment"


def gx_individuals() -> list[URIRef]:
    """List the concepts and concept schemes the ontology itself defines."""
    return sorted(s for s in ontology().subjects(RDF.type, OWL.NamedIndividual) if isinstance(s, URIRef))


@pytest.mark.parametrize("individual", gx_individuals(), ids=short)
def test_gx_concept_has_labels_and_comment(individual: URIRef) -> None:
    """Check each gx concept and scheme has skos:prefLabel in zh-Hans and en and an English comment."""
    graph = ontology()
    assert {label.language for label in graph.objects(individual, SKOS.prefLabel)} == {"zh-Hans", "en"}
    assert any(comment.language == "en" for comment in graph.objects(individual, RDFS.comment))


def test_external_terms_have_no_domain_or_range() -> None:
    """Check the ontology restates no domain or range of a reused term."""
    graph = ontology()
    constrained = {term for prop in (RDFS.domain, RDFS.range) for term in graph.subjects(prop, None)}
    assert sorted(short(term) for term in constrained if isinstance(term, URIRef) and not term.startswith(str(GX))) == []


def test_offset_unit_is_stated() -> None:
    """Check oa:start, oa:end and the README say what offsets count."""
    graph = ontology()
    for term in (OA.start, OA.end):
        comment = " ".join(str(c) for c in graph.objects(term, RDFS.comment) if c.language == "en")
        assert "Unicode code points" in comment and "[start, end)" in comment and "gx:sourceText" in comment
    assert "code point" in README.read_text(encoding="utf-8")


def test_sample_uses_only_declared_terms() -> None:
    """Check every class and property of the sample is declared, with a fitting kind."""
    graph = ontology()
    kinds = {term: set(graph.objects(term, RDF.type)) for term in declared_terms()}
    undeclared = set()
    for _, predicate, obj in sample():
        if predicate in BUILT_IN_ANNOTATIONS:
            continue
        if predicate == RDF.type:
            if OWL.Class not in kinds.get(obj, set()):
                undeclared.add(f"class {obj}")
            continue
        wanted = _property_kinds(obj)
        if not kinds.get(predicate, set()) & wanted:
            undeclared.add(f"property {predicate}")
    assert sorted(undeclared) == []


def _property_kinds(obj: object) -> set[URIRef]:
    """Return the property kinds that may carry an object like obj."""
    if isinstance(obj, Literal):
        return {OWL.DatatypeProperty, OWL.AnnotationProperty}
    return {OWL.ObjectProperty, OWL.AnnotationProperty}


def test_sample_quotes_are_python_slices_of_source_text() -> None:
    """Check each sample quote is sourceText[start:end] in Python str indices."""
    graph = sample()
    (text,) = (str(value) for value in graph.objects(None, GX.sourceText))
    quotes = graph.query(
        """SELECT ?start ?end ?exact WHERE {
               ?span oa:hasSelector ?p , ?q . ?p oa:start ?start ; oa:end ?end . ?q oa:exact ?exact }""",
        initNs={"oa": OA},
    )
    assert len(quotes) == 7
    for start, end, exact in quotes:
        assert text[int(start) : int(end)] == str(exact)


# ---- reasoning ----------------------------------------------------------------


def test_ontology_and_sample_are_consistent() -> None:
    """Check HermiT finds the ontology plus sample consistent."""
    check_consistency(ONTOLOGY, sample().serialize(format="nt"))


INCONSISTENT = {
    "measure-also-incentive": ((MEASURE, RDF.type, GX.Incentive), "disjoint"),
    "frequency-on-measure": ((MEASURE, GX.frequency, GX.Annual), "disjoint"),
    "amount-not-decimal": ((INCENTIVE, GX.amountYuan, Literal("一千万")), "outside its range"),
    "two-amounts": ((INCENTIVE, GX.amountYuan, Literal("5", datatype=XSD.decimal)), "functional"),
}


@pytest.mark.parametrize(("triple", "cause"), INCONSISTENT.values(), ids=INCONSISTENT.keys())
def test_reasoner_detects_inconsistent_sample(triple: tuple[URIRef, URIRef, object], cause: str) -> None:
    """Check HermiT rejects a sample with one contradicting triple, and the error names it."""
    graph = sample()
    graph.add(triple)
    with pytest.raises(ConsistencyError, match="inconsistent") as raised:
        check_consistency(ONTOLOGY, graph.serialize(format="nt"))
    assert cause in str(raised.value) and str(triple[0]) in str(raised.value)


# ---- SHACL ----------------------------------------------------------------------


def validate(data: Graph, **options: object) -> tuple[bool, str]:
    """Validate data against the shapes, returning conformance and the report text."""
    shapes = Graph().parse(SHAPES, format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, **options)
    return bool(conforms), str(text)


@pytest.mark.parametrize("mode", ["data-only", "ontology-in-data", "ontology-rdfs"])
def test_sample_conforms(mode: str) -> None:
    """Check the sample conforms alone, merged with the ontology (as the store holds it), and under RDFS inference."""
    data = sample()
    if mode == "ontology-in-data":
        data += ontology()
    options = {"ont_graph": ontology(), "inference": "rdfs"} if mode == "ontology-rdfs" else {}
    conforms, report = validate(data, **options)
    assert conforms, report


PREFIXES = """
PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

BROKEN = {
    "incentive-without-frequency": (
        "DELETE { ?i gx:frequency ?f } WHERE { ?i a gx:Incentive ; gx:frequency ?f }",
        "gx:frequency",
    ),
    "evidence-without-exact": (
        "DELETE { ?q oa:exact ?x } WHERE { ?q a oa:TextQuoteSelector ; oa:exact ?x }",
        "oa:exact",
    ),
    "evidence-without-position": (
        "DELETE { ?e oa:hasSelector ?p } WHERE { ?e oa:hasSelector ?p . ?p a oa:TextPositionSelector }",
        "oa:TextPositionSelector",
    ),
    "quote-off-by-one": (
        "DELETE { ?p oa:start ?s } INSERT { ?p oa:start ?n } WHERE {"
        " ?p oa:start ?s ; oa:end ?e FILTER (?e = 173) BIND (STRDT(STR(?s - 1), xsd:nonNegativeInteger) AS ?n) }",
        "is not the source text",
    ),
    "document-with-an-organisation-as-jurisdiction": (  # a document may have no jurisdiction (none found), never one that is no place
        "DELETE { ?w eli:jurisdiction ?p } INSERT { ?w eli:jurisdiction ?o } WHERE { ?w eli:jurisdiction ?p ; eli:passed_by ?o }",
        "eli:jurisdiction",
    ),
    "document-final-and-draft": (
        "INSERT { ?w gx:status gx:Draft } WHERE { ?w gx:status gx:Final }",
        "gx:status",
    ),
    "cited-without-number": (
        "DELETE { ?w eli:id_local ?n ; eli:title ?t } WHERE { ?d eli:cites ?w . ?w eli:id_local ?n OPTIONAL { ?w eli:title ?t } }",
        "eli:id_local",
    ),
    "expression-script-en": (
        'DELETE { ?e gx:script ?s } INSERT { ?e gx:script "en" } WHERE { ?e gx:script ?s }',
        'Literal("en")',
    ),
    "format-without-source-text": (
        "DELETE { ?f gx:sourceText ?t } WHERE { ?f gx:sourceText ?t }",
        "gx:sourceText",
    ),
    "measure-without-path": (
        "DELETE { ?m gx:path ?p } WHERE { ?m a gx:Measure ; gx:path ?p }",
        "gx:path",
    ),
    "amount-negative": (
        'DELETE { ?i gx:amountYuan ?a } INSERT { ?i gx:amountYuan "-1"^^xsd:decimal } WHERE { ?i gx:amountYuan ?a }',
        "gx:amountYuan",
    ),
    "rate-over-100": (
        'INSERT { ?i gx:ratePercent "150"^^xsd:decimal } WHERE { ?i a gx:Incentive }',
        "gx:ratePercent",
    ),
    "amount-without-currency": (
        "DELETE { ?i gx:currency ?c } WHERE { ?i gx:currency ?c }",
        "gx:currency",
    ),
    "incentive-without-build-run": (
        "DELETE { ?i prov:wasGeneratedBy ?r } WHERE { ?i a gx:Incentive ; prov:wasGeneratedBy ?r }",
        "prov:wasGeneratedBy",
    ),
    "target-bad-comparator": (
        'DELETE { ?t gx:comparator ?c } INSERT { ?t gx:comparator "≥" } WHERE { ?t a gx:QuantitativeTarget ; gx:comparator ?c }',
        "gx:comparator",
    ),
    "zone-label-not-zh-Hans": (
        'DELETE { ?z skos:prefLabel ?l } INSERT { ?z skos:prefLabel "Kunming"@en } WHERE { ?z a gx:HighTechZone ; skos:prefLabel ?l }',
        "skos:prefLabel",
    ),
}


@pytest.mark.parametrize(("update", "expected"), BROKEN.values(), ids=BROKEN.keys())
def test_broken_sample_does_not_conform(update: str, expected: str) -> None:
    """Check a sample broken by one update fails validation, naming what broke."""
    data = sample()
    before = set(data)
    data.update(PREFIXES + update)
    assert set(data) != before, "the update changed nothing"
    conforms, report = validate(data)
    assert not conforms
    assert expected in report, report
