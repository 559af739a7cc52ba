"""Tests of the shapes compiled to SPARQL: they must find exactly the focus nodes pySHACL finds.

The reference is pySHACL on the same graph. The graphs are the ontology's
sample (tests/ontology/sample.ttl) broken in every way one triple can break
it: each predicate's triples removed, given a second value, or given a value
of the wrong kind; and the quads the build makes of the seed documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pyshacl
import pytest
import rdflib
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse, serialize
from rdflib import RDF, SH, Graph, Literal, URIRef

from graph_build.build import driver
from graph_build.build.jobs import PLACEHOLDER_RUN, context_quads
from graph_build.rdf.to_rdf import to_rdf
from graph_build.validate.shapes import Compiler, ShapesError, broken, checks, shapes_graph, violations

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "tests" / "ontology" / "sample.ttl"
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")
GX = rdflib.Namespace("https://w3id.org/gaoxin-kg/ontology#")


@cache
def sample_text() -> str:
    """The ontology's sample (it carries the province, build run and concepts its nodes refer to)."""
    return Graph().parse(SAMPLE, format="turtle").serialize(format="nt")


def pyoxigraph_nt(quads: Iterable[Quad]) -> str:
    """Write quads as N-Triples (their graphs merged)."""
    return serialize((Quad(q.subject, q.predicate, q.object) for q in quads), format=RdfFormat.N_TRIPLES).decode("utf-8")


def pyshacl_focus(graph: Graph) -> set[str]:
    """The IRIs pySHACL reports as focus nodes of violations of targeted shapes."""
    _, results, _ = pyshacl.validate(graph, shacl_graph=shapes_graph(), inference="none", allow_warnings=True)
    focus = (results.value(result, SH.focusNode) for result in results.objects(None, SH.result))  # not those of nested sh:detail results
    return {str(node) for node in focus if isinstance(node, URIRef)}


def compiled_focus(graph: Graph, subclasses: bool = True) -> set[str]:
    """The IRIs the compiled checks report, with no cap on how many per check."""
    store = Store()
    store.bulk_load(graph.serialize(format="nt").encode("utf-8"), format=RdfFormat.N_TRIPLES)
    found = set()
    for shape in checks(subclasses):
        for check in shape.checks:
            query = check.query.rsplit(" LIMIT", 1)[0]
            found |= {row["this"].value for row in store.query(query, use_default_graph_as_union=True) if isinstance(row["this"], NamedNode)}
    return found


def mutations() -> dict[str, tuple[str, object]]:
    """Every way to break the sample with one kind of change per predicate: drop its triples, add a second value, give a wrong value."""
    graph = Graph().parse(SAMPLE, format="turtle")
    cases: dict[str, tuple[str, object]] = {}
    for predicate in sorted(set(graph.predicates())):
        name = graph.namespace_manager.normalizeUri(predicate)
        cases[f"drop {name}"] = ("drop", predicate)
        cases[f"second {name}"] = ("second", predicate)
        cases[f"wrong {name}"] = ("wrong", predicate)
    return cases


def mutated(kind: str, predicate: URIRef) -> Graph:
    """Apply one mutation to the sample (with its context)."""
    graph = Graph().parse(data=sample_text(), format="nt")
    triples = sorted(graph.triples((None, predicate, None)))
    if kind == "drop":
        for triple in triples:
            graph.remove(triple)
    elif kind == "second":
        for subject, _, value in triples[:3]:
            graph.add((subject, predicate, Literal(f"{value}-2") if isinstance(value, Literal) else URIRef(f"{value}-2")))
    else:
        for subject, _, value in triples[:3]:
            graph.remove((subject, predicate, value))
            graph.add((subject, predicate, URIRef("https://example.org/wrong") if isinstance(value, Literal) else Literal("错", lang="zh-Hans")))
    return graph


def test_sample_conforms_to_both() -> None:
    """Check the sample, which pySHACL accepts, passes the compiled checks."""
    graph = Graph().parse(data=sample_text(), format="nt")
    assert pyshacl_focus(graph) == set()
    assert compiled_focus(graph) == set()


@pytest.mark.parametrize(("kind", "predicate"), mutations().values(), ids=mutations().keys())
def test_compiled_checks_find_what_pyshacl_finds(kind: str, predicate: URIRef) -> None:
    """Check the compiled shapes report the same focus nodes as pySHACL on a sample broken one way."""
    graph = mutated(kind, predicate)
    assert compiled_focus(graph) == pyshacl_case(kind, predicate)
    assert compiled_focus(graph, subclasses=False) == pyshacl_case(kind, predicate)  # the sample has no rdfs:subClassOf: rdf:type alone must agree


@cache
def pyshacl_case(kind: str, predicate: URIRef) -> frozenset[str]:
    """pySHACL's focus nodes for one mutation, computed once for the two tests that need them."""
    return frozenset(pyshacl_focus(mutated(kind, predicate)))


def test_mutations_break_many_constraints() -> None:
    """Check the mutations above are not vacuous: most of them break the sample for pySHACL."""
    broken_cases = sum(1 for kind, predicate in mutations().values() if pyshacl_case(kind, predicate))  # type: ignore[arg-type]
    assert broken_cases >= len(mutations()) // 2


def nested_selector_forms() -> Graph:
    """The shapes as they were: the evidence shape's qualified selectors also checked each selector's form (sh:node)."""
    graph = Graph()
    for triple in shapes_graph():
        graph.add(triple)
    oa = rdflib.Namespace("http://www.w3.org/ns/oa#")
    gxsh = rdflib.Namespace("https://w3id.org/gaoxin-kg/shapes#")
    for selector, form in ((oa.TextPositionSelector, gxsh.TextPositionSelectorShape), (oa.TextQuoteSelector, gxsh.TextQuoteSelectorShape)):
        (qualified,) = [q for q in graph.objects(None, SH.qualifiedValueShape) if (q, SH["class"], selector) in graph]
        graph.add((qualified, SH.node, form))
    return graph


def test_evidence_checks_selector_forms_once_and_every_mutation_gets_the_same_verdict() -> None:
    """Each selector's form is checked by the shape that targets its class, not again inside the evidence shape (the
    costliest check): a graph breaks the shapes exactly when it broke them with the form nested, for every mutation."""
    nested = tuple(Compiler(nested_selector_forms(), subclasses=False).checks())
    assert sum(len(shape.any_broken) for shape in nested) > sum(len(shape.any_broken) for shape in checks(False))  # the forms were nested back
    verdicts = []
    for kind, predicate in mutations().values():
        store = Store()
        store.bulk_load(mutated(kind, predicate).serialize(format="nt").encode("utf-8"), format=RdfFormat.N_TRIPLES)  # type: ignore[arg-type]
        now = any(store.query(shape.any_broken, use_default_graph_as_union=True) for shape in checks(False))
        before = any(store.query(shape.any_broken, use_default_graph_as_union=True) for shape in nested)
        verdicts.append((now, before))
    assert all(now == before for now, before in verdicts)
    assert sum(now for now, _ in verdicts) >= len(verdicts) // 2  # not vacuous: most mutations break the sample


def test_report_names_shape_constraint_and_node() -> None:
    """Check the report of a sample incentive without a frequency names the shape, the constraint and the incentive."""
    graph = mutated("drop", GX.frequency)
    report = violations(parse(graph.serialize(format="nt").encode("utf-8"), format=RdfFormat.N_TRIPLES))
    assert report is not None
    assert "gxsh:IncentiveShape, gx:frequency sh:minCount 1: https://w3id.org/gaoxin-kg/id/doc/yunzhengfa-2020-36/incentive/2-1-1" in report


def test_sparql_constraint_reports_its_message() -> None:
    """Check a quote that is not the source text at its offsets is reported with the shape's message, its variables filled in."""
    graph = Graph().parse(data=sample_text(), format="nt")
    quote = next(graph.subjects(RDF.type, rdflib.URIRef("http://www.w3.org/ns/oa#TextQuoteSelector")))
    exact = rdflib.URIRef("http://www.w3.org/ns/oa#exact")
    graph.set((quote, exact, Literal("不在原文中的话")))
    store = Store()
    store.bulk_load(graph.serialize(format="nt").encode("utf-8"), format=RdfFormat.N_TRIPLES)
    found = {check.constraint: nodes for check, nodes in broken(store)}
    assert "sh:sparql" in found
    assert "oa:exact is not the source text at [" in found["sh:sparql"][0] and "{?start}" not in found["sh:sparql"][0]


@pytest.fixture(scope="module")
def seed_quads() -> list[list[Quad]]:
    """Each seed document's quads as the build renders them, with their context."""
    works = driver.annotated_works(ROOT / "tests" / "data" / "seeds")
    return [[*to_rdf(work, PLACEHOLDER_RUN), *context_quads()] for work in works]


def test_seed_documents_conform(seed_quads: list[list[Quad]]) -> None:
    """Check every seed document's quads pass the compiled checks."""
    assert [violations(quads) for quads in seed_quads] == [None] * len(seed_quads)


def test_seed_document_broken_like_pyshacl(seed_quads: list[list[Quad]]) -> None:
    """Check a seed document whose spans lose their quote selectors is reported for the same spans by both."""
    quads = seed_quads[0]
    selector = rdflib.URIRef("http://www.w3.org/ns/oa#hasSelector")
    kept = [q for q in quads if not (q.predicate.value == str(selector) and q.object.value.endswith("/quote"))]
    graph = Graph().parse(data=pyoxigraph_nt(kept), format="nt")
    expected = pyshacl_focus(graph)
    assert expected and compiled_focus(graph) == expected


UNSUPPORTED = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:property [ sh:path ex:name ; sh:equals ex:label ] .
"""


def test_unknown_component_is_refused() -> None:
    """Check a constraint the compiler cannot check stops it, naming the shape and the component, instead of being skipped."""
    with pytest.raises(ShapesError, match=r"sh:equals"):
        Compiler(Graph().parse(data=UNSUPPORTED, format="turtle")).checks()


def test_instances_of_subclasses_are_targeted_when_the_data_has_subclass_triples() -> None:
    """Check a measure typed only by a subclass (as with the ontology in the store) is still a focus node, and is reported."""
    measure = "https://w3id.org/gaoxin-kg/id/doc/x/part/1"
    data = f"""<https://example.org/SpecialMeasure> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{GX.Measure}> .
    <{measure}> a <https://example.org/SpecialMeasure> ."""
    store = Store()
    store.bulk_load(data.encode("utf-8"), format=RdfFormat.TURTLE)
    assert any(measure in nodes[0] and check.shape == "gxsh:MeasureShape" for check, nodes in broken(store))
