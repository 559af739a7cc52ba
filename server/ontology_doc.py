"""Read ontology/gaoxin.ttl into documentation records: each class, property, datatype and individual with its labels and axioms.

Anchors: a gx term's anchor is its local name (``gx:Incentive`` → ``#Incentive``,
so ``https://w3id.org/gaoxin-kg/ontology#Incentive`` is ``/ontology#Incentive``);
a reused term's anchor is its prefixed name (``#eli:LegalResource``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store, parse

from graph_build.vocab import GX, PREFIXES

from . import display

OWL, RDFS, RDF, SKOS = PREFIXES["owl"], PREFIXES["rdfs"], PREFIXES["rdf"], PREFIXES["skos"]
ONTOLOGY_IRI = "https://w3id.org/gaoxin-kg/ontology"
# (key, heading, the rdf:type that puts a term in the section), in page order
SECTIONS = (
    ("classes", "类 Classes", OWL + "Class"),
    ("object-properties", "对象属性 Object properties", OWL + "ObjectProperty"),
    ("datatype-properties", "数据属性 Datatype properties", OWL + "DatatypeProperty"),
    ("annotation-properties", "注释属性 Annotation properties", OWL + "AnnotationProperty"),
    ("datatypes", "数据类型 Datatypes", RDFS + "Datatype"),
    ("individuals", "个体与概念 Individuals and concepts", OWL + "NamedIndividual"),
)
# (heading, predicate, whether the relation is read backwards: terms that point at this one)
RELATIONS = (
    ("上位类 subclass of", RDFS + "subClassOf", False),
    ("下位类 subclasses", RDFS + "subClassOf", True),
    ("上位属性 subproperty of", RDFS + "subPropertyOf", False),
    ("下位属性 subproperties", RDFS + "subPropertyOf", True),
    ("定义域 domain", RDFS + "domain", False),
    ("值域 range", RDFS + "range", False),
    ("逆属性 inverse of", OWL + "inverseOf", False),
    ("类型 types", RDF + "type", False),
    ("所属概念体系 in scheme", SKOS + "inScheme", False),
    ("概念 concepts", SKOS + "inScheme", True),
)
CHARACTERISTICS = {OWL + "FunctionalProperty": "functional", OWL + "InverseFunctionalProperty": "inverse functional", OWL + "TransitiveProperty": "transitive"}
SECTION_TYPES = frozenset(t for _, _, t in SECTIONS)


@dataclass(frozen=True, order=True)
class Ref:
    """A link to a term: its prefixed name and where it is documented."""

    name: str
    href: str


@dataclass(frozen=True)
class Relation:
    """One row of a term's documentation: a heading and its values, each a union of one or more terms."""

    heading: str
    values: tuple[tuple[Ref, ...], ...]


@dataclass(frozen=True)
class OntologyTerm:
    """A documented term: its IRI, anchor, labels, comments, characteristics and relations."""

    iri: str
    anchor: str
    name: str
    labels: tuple[tuple[str, str], ...]  # (language, label)
    comments: tuple[tuple[str, str], ...]
    characteristics: tuple[str, ...]
    relations: tuple[Relation, ...]


@dataclass(frozen=True)
class OntologySection:
    key: str
    heading: str
    terms: tuple[OntologyTerm, ...]


@dataclass(frozen=True)
class OntologyDoc:
    """The ontology's metadata and its terms by section."""

    iri: str
    version: str | None
    titles: tuple[tuple[str, str], ...]
    descriptions: tuple[tuple[str, str], ...]
    license: str | None
    sections: tuple[OntologySection, ...]


def turtle() -> bytes:
    """Return the ontology as written, comments and all."""
    return resources.files("ontology").joinpath("gaoxin.ttl").read_bytes()


def shapes() -> bytes:
    """Return the SHACL shapes as written."""
    return resources.files("ontology").joinpath("shapes.ttl").read_bytes()


def load() -> Store:
    """Parse the ontology into a small in-memory store."""
    store = Store()
    store.extend(parse(turtle(), format=RdfFormat.TURTLE, base_iri=ONTOLOGY_IRI))
    return store


def anchor(iri: str) -> str:
    """Name a term's place on the page.

    >>> anchor("https://w3id.org/gaoxin-kg/ontology#Incentive")
    'Incentive'
    >>> anchor("http://data.europa.eu/eli/ontology#LegalResource")
    'eli:LegalResource'
    """
    return iri.removeprefix(GX) if iri.startswith(GX) else (display.compact(iri) or iri)


def literals(store: Store, node: NamedNode | BlankNode, *predicates: str) -> tuple[tuple[str, str], ...]:
    """Return (language, text) of the literal values of some predicates, zh-Hans first, then English."""
    found = {
        (o.language or "", o.value)
        for p in predicates
        for q in store.quads_for_pattern(node, NamedNode(p), None, None)
        if isinstance(o := q.object, Literal)
    }
    return tuple(sorted(found, key=lambda f: (display.LANGUAGE_RANK.get(f[0], 2), f)))


def declared(store: Store) -> set[str]:
    """Return the IRIs of every term the ontology declares."""
    return {q.subject.value for t in SECTION_TYPES for q in store.quads_for_pattern(None, NamedNode(RDF + "type"), NamedNode(t), None)
            if isinstance(q.subject, NamedNode)}


def ref(iri: str, known: set[str]) -> Ref:
    """Link a term to its anchor on this page when the ontology declares it, else to its IRI."""
    return Ref(display.compact(iri) or iri, "#" + anchor(iri) if iri in known else iri)


def union_members(store: Store, node: NamedNode | BlankNode) -> list[NamedNode | BlankNode]:
    """Return the members of an owl:unionOf class expression, or the node itself when it is named."""
    head = next((q.object for q in store.quads_for_pattern(node, NamedNode(OWL + "unionOf"), None, None)), None)
    if head is None:
        return [node]
    members = []
    while isinstance(head, BlankNode):
        members += [q.object for q in store.quads_for_pattern(head, NamedNode(RDF + "first"), None, None)]
        head = next((q.object for q in store.quads_for_pattern(head, NamedNode(RDF + "rest"), None, None)), None)
    return members


def relation(store: Store, node: NamedNode, heading: str, predicate: str, backwards: bool, known: set[str]) -> Relation:
    """Collect one relation of a term, unions spelled out, section types left out of rdf:type."""
    if backwards:
        others = [q.subject for q in store.quads_for_pattern(None, NamedNode(predicate), node, None)]
    else:
        others = [q.object for q in store.quads_for_pattern(node, NamedNode(predicate), None, None)]
    values = {
        tuple(ref(m.value, known) for m in union_members(store, other) if isinstance(m, NamedNode))
        for other in others
        if not (predicate == RDF + "type" and (other.value in SECTION_TYPES or other.value in CHARACTERISTICS))
    }
    return Relation(heading, tuple(sorted(v for v in values if v)))


def term(store: Store, node: NamedNode, known: set[str]) -> OntologyTerm:
    """Document one term."""
    types = {q.object.value for q in store.quads_for_pattern(node, NamedNode(RDF + "type"), None, None)}
    relations = (relation(store, node, heading, p, backwards, known) for heading, p, backwards in RELATIONS)
    return OntologyTerm(
        iri=node.value,
        anchor=anchor(node.value),
        name=display.compact(node.value) or node.value,
        labels=literals(store, node, RDFS + "label", SKOS + "prefLabel"),
        comments=literals(store, node, RDFS + "comment"),
        characteristics=tuple(sorted(CHARACTERISTICS[t] for t in types if t in CHARACTERISTICS)),
        relations=tuple(r for r in relations if r.values),
    )


def section(store: Store, key: str, heading: str, kind: str, known: set[str]) -> OntologySection:
    """Document every term of one kind, gx terms first, then reused ones, by name."""
    nodes = {q.subject for q in store.quads_for_pattern(None, NamedNode(RDF + "type"), NamedNode(kind), None) if isinstance(q.subject, NamedNode)}
    ordered = sorted(nodes, key=lambda n: (not n.value.startswith(GX), display.compact(n.value) or n.value))
    return OntologySection(key, heading, tuple(term(store, n, known) for n in ordered))


def document() -> OntologyDoc:
    """Read the ontology into its documentation."""
    store, node = load(), NamedNode(ONTOLOGY_IRI)
    known = declared(store)
    license_ = next((q.object.value for q in store.quads_for_pattern(node, NamedNode(PREFIXES["dcterms"] + "license"), None, None)), None)
    return OntologyDoc(
        iri=ONTOLOGY_IRI,
        version=next((v for _, v in literals(store, node, OWL + "versionInfo")), None),
        titles=literals(store, node, PREFIXES["dcterms"] + "title"),
        descriptions=literals(store, node, PREFIXES["dcterms"] + "description"),
        license=license_,
        sections=tuple(section(store, key, heading, kind, known) for key, heading, kind in SECTIONS),
    )
