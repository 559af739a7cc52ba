"""The graphs every document's quads refer to: the provinces and country, the builder's SKOS schemes, the ontology, the build run.

These are written once per build into their own named graphs (iris.REFERENCE_GRAPH,
ONTOLOGY_GRAPH, BUILD_GRAPH); the per-document SHACL checks read them as context.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from graph_build import iris, reference
from graph_build.rdf import links
from graph_build.rdf.terms import en, zh
from graph_build.records import BuildRun
from graph_build.vocab import RDF_TYPE, dcterms, gx, prov, rdfs, skos, xsd

SCHEMES = {
    "recipient-type": ("受助对象类型", "Recipient types"),
    "industry": ("产业", "Industries"),
    "document-type": ("文件类型", "Document types"),
    "provinces": ("省级行政区", "Provincial-level divisions (GB/T 2260)"),
    "divisions": ("地级与县级行政区", "Prefecture- and county-level divisions (GB/T 2260)"),
    "sei-2018": ("战略性新兴产业分类(2018)", "Strategic emerging industries classification (2018)"),
    "gbt-4754-2017": ("国民经济行业分类(GB/T 4754-2017)", "Industrial classification for national economic activities (GB/T 4754-2017)"),
    "policy-instrument": ("政策工具", "Policy instruments (Rothwell & Zegveld)"),
}


def reference_quads() -> Iterator[Quad]:
    """Describe the provinces and the builder's SKOS schemes."""
    graph = NamedNode(iris.REFERENCE_GRAPH)
    for name, (label_zh, label_en) in SCHEMES.items():
        scheme = NamedNode(iris.scheme(name))
        yield Quad(scheme, RDF_TYPE, skos.ConceptScheme, graph)
        yield Quad(scheme, skos.prefLabel, zh(label_zh), graph)
        yield Quad(scheme, skos.prefLabel, en(label_en), graph)
    yield from country_quads(graph)
    for province in reference.provinces():
        yield from province_quads(province, graph)


def country_quads(graph: NamedNode) -> Iterator[Quad]:
    """Describe the country, the jurisdiction of national directives (国务院 …)."""
    node = NamedNode(iris.country())
    yield Quad(node, RDF_TYPE, gx.Country, graph)
    yield Quad(node, RDF_TYPE, dcterms.Location, graph)
    for label in (zh("中华人民共和国"), en("People's Republic of China")):
        yield Quad(node, skos.prefLabel, label, graph)
        yield Quad(node, rdfs.label, label, graph)
    yield Quad(node, skos.altLabel, zh("国家"), graph)
    yield Quad(node, skos.exactMatch, NamedNode("http://www.wikidata.org/entity/Q148"), graph)
    yield from links.reference_link_quads()


def province_quads(province: reference.Province, graph: NamedNode) -> Iterator[Quad]:
    """Describe one province: labels, GB/T 2260 code, Wikidata item where known."""
    node = NamedNode(iris.province(province.code))
    yield Quad(node, RDF_TYPE, gx.Province, graph)
    yield Quad(node, RDF_TYPE, skos.Concept, graph)
    yield Quad(node, RDF_TYPE, dcterms.Location, graph)
    yield Quad(node, skos.inScheme, NamedNode(iris.scheme("provinces")), graph)
    for label in (zh(province.name), en(province.name_en)):
        yield Quad(node, skos.prefLabel, label, graph)
        yield Quad(node, rdfs.label, label, graph)
    yield Quad(node, skos.altLabel, zh(province.short_name), graph)
    yield Quad(node, skos.notation, Literal(province.code, datatype=gx.GBT2260Code), graph)
    yield Quad(node, dcterms.source, Literal(province.source), graph)
    if province.wikidata:
        yield Quad(node, skos.exactMatch, NamedNode(f"http://www.wikidata.org/entity/{province.wikidata}"), graph)


def ontology_quads() -> Iterator[Quad]:
    """Load the ontology itself into its own named graph, so SPARQL users can read labels."""
    graph = NamedNode(iris.ONTOLOGY_GRAPH)
    path = resources.files("ontology").joinpath("gaoxin.ttl")
    for triple in parse(path.read_bytes(), format=RdfFormat.TURTLE):
        yield Quad(triple.subject, triple.predicate, triple.object, graph)


def build_quads(run: BuildRun) -> Iterator[Quad]:
    """Describe the build run (PROV-O)."""
    graph, node = NamedNode(iris.BUILD_GRAPH), NamedNode(run.iri)
    yield Quad(node, RDF_TYPE, gx.BuildRun, graph)
    yield Quad(node, RDF_TYPE, prov.Activity, graph)
    yield Quad(node, prov.startedAtTime, Literal(run.started, datatype=xsd.dateTime), graph)
    yield Quad(node, prov.endedAtTime, Literal(datetime.now(UTC).isoformat(timespec="seconds"), datatype=xsd.dateTime), graph)
    yield Quad(node, gx.softwareVersion, Literal(run.software_version), graph)
    yield Quad(node, gx.inputDigest, Literal(run.input_digest), graph)
