"""The SPARQL 1.1 Service Description of /sparql: what a GET without a query answers (in RDF).

See https://www.w3.org/TR/sparql11-service-description/. The default dataset is
described with its named graphs and their sizes, counted once per store version.
"""

from __future__ import annotations

from flask import current_app
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from graph_build.vocab import PREFIXES

from . import executor

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"
XSD_INTEGER = NamedNode(PREFIXES["xsd"] + "integer")
RDF_TYPE = NamedNode(PREFIXES["rdf"] + "type")
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD")
GRAPHS_QUERY = "SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
SD_PREFIXES = {"sd": SD, "formats": FORMATS, "void": VOID, "dcterms": PREFIXES["dcterms"], "xsd": PREFIXES["xsd"]}


def sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def count(n: int) -> Literal:
    return Literal(str(n), datatype=XSD_INTEGER)


def describe(endpoint: str, media_type: str) -> bytes:
    """Serialize the service description of the endpoint at `endpoint` in an RDF media type."""
    service = BlankNode()
    triples = [
        Triple(service, RDF_TYPE, sd("Service")),
        Triple(service, sd("endpoint"), NamedNode(endpoint)),
        Triple(service, NamedNode(PREFIXES["dcterms"] + "title"), Literal("gaoxin-kg SPARQL endpoint (read-only)", language="en")),
        Triple(service, NamedNode(PREFIXES["dcterms"] + "title"), Literal("高新区政策知识图谱 SPARQL 查询端点（只读）", language="zh-Hans")),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        *[Triple(service, sd("resultFormat"), NamedNode(FORMATS + name)) for name in RESULT_FORMATS],
    ]
    if current_app.config["SERVICE_ALLOW"]:
        triples.append(Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    triples += dataset_triples(service, named_graphs())
    form = RdfFormat.from_media_type(media_type) or RdfFormat.TURTLE
    return serialize(triples, format=form, prefixes=SD_PREFIXES) or b""


def dataset_triples(service: BlankNode, graphs: list[tuple[str, int]]) -> list[Triple]:
    """Describe the default dataset: a default graph (the union) and each named graph with its size."""
    dataset, default = BlankNode(), BlankNode()
    triples = [
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), default),
        Triple(default, RDF_TYPE, sd("Graph")),
        Triple(default, NamedNode(VOID + "triples"), count(sum(n for _, n in graphs))),
    ]
    for iri, size in graphs:
        named, graph = BlankNode(), BlankNode()
        triples += [
            Triple(dataset, sd("namedGraph"), named),
            Triple(named, RDF_TYPE, sd("NamedGraph")),
            Triple(named, sd("name"), NamedNode(iri)),
            Triple(named, sd("graph"), graph),
            Triple(graph, RDF_TYPE, sd("Graph")),
            Triple(graph, NamedNode(VOID + "triples"), count(size)),
        ]
    return triples


def named_graphs() -> list[tuple[str, int]]:
    """Return the named graphs and their triple counts, counted once per graph version (the snapshot's memo)."""
    return executor.snapshot().remember("sd_graphs", count_graphs)


def count_graphs() -> list[tuple[str, int]]:
    """Count the triples of each named graph, through the executor."""
    return [(row["g"].value, int(row["triples"].value)) for row in executor.select(GRAPHS_QUERY, row_cap=1_000_000)]
