"""Check with the HermiT reasoner that the ontology and a data graph are consistent.

owlready2 does not read Turtle, so rdflib turns the ontology into N-Triples
and both graphs are loaded into a fresh owlready2 world. HermiT accepts only literals whose datatype is in
the OWL 2 datatype map; the graph uses ``xsd:date`` (ELI dates), ``xsd:gYear``
(target years) and ``gx:GBT2260Code`` (province codes), which are not, so
HermiT runs with ``--ignoreUnsupportedDatatypes`` and treats those values as
opaque. Their form is SHACL's business (``ontology/shapes.ttl``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import owlready2
from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # rdflib's closed XSD namespace warns under doctest collection
ONTOLOGY_IRI = "https://w3id.org/gaoxin-kg/ontology"
DATA_IRI = "https://w3id.org/gaoxin-kg/id/"
MAX_REPORTED = 10


class ConsistencyError(RuntimeError):
    """The ontology plus data has no model, a class is unsatisfiable, or HermiT failed."""


def check_consistency(ontology_ttl: Path, data_ntriples: str) -> None:
    """Raise ConsistencyError, naming the problem, unless HermiT finds ontology and data consistent."""
    ontology = Graph().parse(ontology_ttl, format="turtle")
    world = owlready2.World()
    try:
        _load(world, ONTOLOGY_IRI, ontology.serialize(format="nt"))
        _load(world, DATA_IRI, data_ntriples)
        _run_hermit(world, ontology, data_ntriples)
        _require_satisfiable(world)
    finally:
        world.close()


def _load(world: owlready2.World, iri: str, ntriples: str) -> None:
    """Load N-Triples into the world as the ontology named iri."""
    source = io.BytesIO(ntriples.encode("utf-8"))
    world.get_ontology(iri).load(fileobj=source, format="ntriples")


def _run_hermit(world: owlready2.World, ontology: Graph, data_ntriples: str) -> None:
    """Run HermiT over the world, turning its failures into ConsistencyError."""
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True)
    except owlready2.OwlReadyInconsistentOntologyError:
        data = Graph().parse(data=data_ntriples, format="nt")
        causes = list(_likely_causes(ontology, data))[:MAX_REPORTED]
        detail = "; ".join(causes) or "no disjoint types or ill-typed values found by the quick check"
        raise ConsistencyError(f"HermiT: ontology + data are inconsistent. Likely cause: {detail}") from None
    except owlready2.OwlReadyJavaError as error:
        raise ConsistencyError(f"HermiT failed: {error}") from None


def _require_satisfiable(world: owlready2.World) -> None:
    """Raise if HermiT classified any class as equivalent to owl:Nothing."""
    unsatisfiable = sorted(cls.iri for cls in world.inconsistent_classes())
    if unsatisfiable:
        raise ConsistencyError(f"HermiT: unsatisfiable classes: {', '.join(unsatisfiable)}")


def _likely_causes(ontology: Graph, data: Graph) -> Iterator[str]:
    """Yield individuals with disjoint types, values outside a datatype range, or two values of a functional property."""
    yield from _disjoint_types(ontology, data)
    yield from _ill_typed_values(ontology, data)
    yield from _functional_clashes(ontology, data)


def _disjoint_types(ontology: Graph, data: Graph) -> Iterator[str]:
    """Yield each individual whose asserted or domain/range-implied classes are disjoint."""
    pairs = _disjoint_pairs(ontology)
    for individual, classes in _implied_classes(ontology, data).items():
        for a, b in combinations(sorted(classes), 2):
            if frozenset((a, b)) in pairs:
                yield f"<{individual}> is both <{a}> and <{b}>, which are disjoint"


def _disjoint_pairs(ontology: Graph) -> set[frozenset[Node]]:
    """Return every pair of classes the ontology declares disjoint."""
    pairs = {frozenset(pair) for pair in ontology.subject_objects(OWL.disjointWith)}
    for group in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(ontology, ontology.value(group, OWL.members)))
        pairs.update(frozenset(pair) for pair in combinations(members, 2))
    return pairs


def _implied_classes(ontology: Graph, data: Graph) -> dict[Node, set[Node]]:
    """Map each data node to its named classes: asserted, by domain and range, and their superclasses."""
    classes: dict[Node, set[Node]] = {}
    for subject, predicate, obj in data:
        if predicate == RDF.type:
            classes.setdefault(subject, set()).add(obj)
            continue
        classes.setdefault(subject, set()).update(_named(ontology.objects(predicate, RDFS.domain)))
        if not isinstance(obj, Literal):
            classes.setdefault(obj, set()).update(_named(ontology.objects(predicate, RDFS.range)))
    return {node: _superclasses(ontology, found) for node, found in classes.items()}


def _named(nodes: Iterator[Node]) -> set[Node]:
    """Keep the IRIs among class expressions."""
    return {node for node in nodes if isinstance(node, URIRef)}


def _superclasses(ontology: Graph, classes: set[Node]) -> set[Node]:
    """Close a set of classes under rdfs:subClassOf to named superclasses."""
    closed = set(classes)
    for cls in classes:
        closed.update(_named(ontology.transitive_objects(cls, RDFS.subClassOf)))
    return closed


def _ill_typed_values(ontology: Graph, data: Graph) -> Iterator[str]:
    """Yield literals whose datatype cannot belong to their data property's declared range."""
    for prop in ontology.subjects(RDF.type, OWL.DatatypeProperty):
        datatype = ontology.value(prop, RDFS.range)
        if not isinstance(datatype, URIRef):
            continue
        for subject, value in data.subject_objects(prop):
            if isinstance(value, Literal) and not _fits(value, datatype):
                yield f"<{subject}> <{prop}> {value.n3()} is outside its range <{datatype}>"


def _functional_clashes(ontology: Graph, data: Graph) -> Iterator[str]:
    """Yield subjects with two different literal values of a functional data property."""
    for prop in ontology.subjects(RDF.type, OWL.FunctionalProperty):
        if (prop, RDF.type, OWL.DatatypeProperty) not in ontology:
            continue
        for subject in set(data.subjects(prop, None)):
            values = {value for value in data.objects(subject, prop) if isinstance(value, Literal)}
            if len(values) > 1:
                yield f"<{subject}> has {len(values)} values of functional <{prop}>"


def _fits(value: Literal, datatype: URIRef) -> bool:
    """Tell whether a literal's datatype lies within a declared XSD range."""
    actual = value.datatype or (RDF.langString if value.language else XSD.string)
    if actual == datatype:
        return True
    if datatype == RDF.PlainLiteral:
        return actual in (XSD.string, RDF.langString)
    return datatype == XSD.decimal and actual in _INTEGER_TYPES


_INTEGER_TYPES = {XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.long, XSD.int}
