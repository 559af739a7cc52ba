"""Describe the dataset in VoID and DCAT: counts and partitions of the store, its endpoint, dumps and vocabularies.

The counts are computed once per store version and kept as JSON beside the dumps
(`dump_files`); the description itself is built per request, because its URLs
(endpoint, dumps) are absolute URLs of the server that was asked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Variable

from graph_build.vocab import GX, ID, PREFIXES

from . import dump_files, executor
from .dump_files import DumpFile
from .graph import Snapshot

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
DCTERMS = PREFIXES["dcterms"]
XSD = PREFIXES["xsd"]
RDF_TYPE = NamedNode(PREFIXES["rdf"] + "type")
IANA = "https://www.iana.org/assignments/media-types/"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
VOCABULARIES = (PREFIXES["eli"], PREFIXES["org"], PREFIXES["skos"], PREFIXES["oa"], PREFIXES["prov"], GX)
VOID_PREFIXES = {"void": VOID, "dcat": DCAT, "spdx": SPDX, "dcterms": DCTERMS, "xsd": XSD, "rdfs": PREFIXES["rdfs"]}
TITLES = (("高新区政策知识图谱", "zh-Hans"), ("gaoxin-kg: a knowledge graph of Chinese high-tech zone policies", "en"))
DESCRIPTIONS = (
    ("中国各省促进高新技术产业开发区（高新区）发展的政策文件、措施、激励、目标与数值规定，每条陈述都指向其所依据的原文。", "zh-Hans"),
    (
        "Chinese provincial policy documents on high-tech industrial development zones (高新区): measures, incentives, targets and "
        "numeric provisions, every statement pointing back to the exact words it was read from.",
        "en",
    ),
)
STATS_FILE = "void-stats.json"
STATS_ROW_CAP = 1_000_000  # every class and property is counted, however many
# On a remote engine only the project's graphs are counted, all named under ID (one per document, graph/build, graph/ontology,
# ...): the engine holds graphs of its own (Virtuoso's system graphs: 2,496 triples more than the seed graph's). The embedded
# store holds nothing else, and counting it without the filter takes a fifth of the time (measured on the seed graph).
OURS = f'FILTER(STRSTARTS(STR(?g), "{ID}"))'
TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {ours} }}"
DISTINCT_SUBJECTS = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {ours} }}"
CLASSES = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} {ours} }} GROUP BY ?c ORDER BY ?c"
PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {ours} }} GROUP BY ?p ORDER BY ?p"
FIRST_OF_CLASS = "SELECT ?s ?c WHERE {{ GRAPH ?g {{ ?s a ?c }} {ours} }} ORDER BY ?s LIMIT 1"
FIRST_DOCUMENT = "SELECT ?s WHERE {{ GRAPH ?g {{ ?s <http://data.europa.eu/eli/ontology#is_realized_by> ?e }} {ours} }} ORDER BY ?s LIMIT 1"


@dataclass(frozen=True)
class Stats:
    """What the store holds: counts, class and property partitions, example resources."""

    triples: int
    distinct_subjects: int
    classes: dict[str, int]
    properties: dict[str, int]
    examples: list[str]


@dataclass(frozen=True)
class Links:
    """The absolute URLs the description points at."""

    dataset: str
    sparql: str
    dumps_page: str
    dumps: list[tuple[DumpFile, str]]


def count_rows(query: str, key: str) -> dict[str, int]:
    """Run a (?key, ?n) counting query into a dict."""
    return {row[key].value: int(row["n"].value) for row in executor.select(query, row_cap=STATS_ROW_CAP)}


def first(query: str, substitutions: dict | None = None) -> list[str]:
    return [row["s"].value for row in executor.select(query, substitutions)]


def compute_stats(remote: bool = False) -> Stats:
    """Count what the current graph holds, through the executor (on a remote engine, in the project's graphs only)."""
    ours = OURS if remote else ""
    incentive = {Variable("c"): NamedNode(GX + "Incentive")}
    return Stats(
        triples=int(executor.select(TRIPLES.format(ours=ours))[0]["n"].value),
        distinct_subjects=int(executor.select(DISTINCT_SUBJECTS.format(ours=ours))[0]["n"].value),
        classes=count_rows(CLASSES.format(ours=ours), "c"),
        properties=count_rows(PROPERTIES.format(ours=ours), "p"),
        examples=first(FIRST_DOCUMENT.format(ours=ours)) + first(FIRST_OF_CLASS.format(ours=ours), incentive),
    )


def stats(snapshot: Snapshot, directory: Path | None) -> Stats:
    """Return the statistics of a graph version, computed once: kept in the snapshot's memo and, for a store, as JSON beside its dumps."""
    if directory is None:
        return snapshot.remember("void_stats", lambda: compute_stats(snapshot.remote))

    def read_or_compute() -> Stats:
        content = dump_files.write_bytes(lambda: json.dumps(compute_stats(snapshot.remote).__dict__, ensure_ascii=False, indent=1).encode("utf-8"))
        path = dump_files.ensure(directory, STATS_FILE, content)
        return Stats(**json.loads(path.read_text(encoding="utf-8")))

    return snapshot.remember("void_stats", read_or_compute)


def integer(value: int, datatype: str = "integer") -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + datatype))


def description(facts: Stats, links: Links, uri_space: str) -> list[Quad]:
    """Describe the dataset in VoID and DCAT."""
    dataset = NamedNode(links.dataset)
    quads = [Quad(dataset, RDF_TYPE, NamedNode(VOID + "Dataset")), Quad(dataset, RDF_TYPE, NamedNode(DCAT + "Dataset"))]
    quads += [Quad(dataset, NamedNode(DCTERMS + "title"), Literal(t, language=lang)) for t, lang in TITLES]
    quads += [Quad(dataset, NamedNode(DCTERMS + "description"), Literal(t, language=lang)) for t, lang in DESCRIPTIONS]
    quads += [Quad(dataset, NamedNode(DCTERMS + "license"), NamedNode(LICENSE))]
    quads += [Quad(dataset, NamedNode(VOID + "sparqlEndpoint"), NamedNode(links.sparql))]
    quads += [Quad(dataset, NamedNode(VOID + "uriSpace"), Literal(uri_space))]
    quads += [Quad(dataset, NamedNode(VOID + "vocabulary"), NamedNode(v)) for v in VOCABULARIES]
    quads += [Quad(dataset, NamedNode(VOID + "exampleResource"), NamedNode(e)) for e in facts.examples]
    quads += [Quad(dataset, NamedNode(VOID + name), integer(value)) for name, value in counts(facts)]
    quads += partitions(dataset, "classPartition", "class", "entities", facts.classes)
    quads += partitions(dataset, "propertyPartition", "property", "triples", facts.properties)
    for dump, url in links.dumps:
        quads += distribution(dataset, dump, url)
    return quads


def counts(facts: Stats) -> list[tuple[str, int]]:
    return [("triples", facts.triples), ("distinctSubjects", facts.distinct_subjects), ("classes", len(facts.classes)),
            ("properties", len(facts.properties))]


def partitions(dataset: NamedNode, link: str, key: str, measure: str, sizes: dict[str, int]) -> list[Quad]:
    """Describe one partition per class or property, with its entity or triple count."""
    quads = []
    for iri, size in sizes.items():
        part = BlankNode()
        quads += [Quad(dataset, NamedNode(VOID + link), part), Quad(part, NamedNode(VOID + key), NamedNode(iri))]
        quads += [Quad(part, NamedNode(VOID + measure), integer(size))]
    return quads


def distribution(dataset: NamedNode, dump: DumpFile, url: str) -> list[Quad]:
    """Describe one dump as a void:dataDump and a dcat:Distribution."""
    node = BlankNode()
    return [
        Quad(dataset, NamedNode(VOID + "dataDump"), NamedNode(url)),
        Quad(dataset, NamedNode(DCAT + "distribution"), node),
        Quad(node, RDF_TYPE, NamedNode(DCAT + "Distribution")),
        Quad(node, NamedNode(DCTERMS + "title"), Literal(f"{dump.spec.title}, gzip")),
        Quad(node, NamedNode(DCAT + "downloadURL"), NamedNode(url)),
        Quad(node, NamedNode(DCAT + "mediaType"), NamedNode(IANA + dump.spec.media_type)),
        Quad(node, NamedNode(DCAT + "compressFormat"), NamedNode(IANA + "application/gzip")),
        Quad(node, NamedNode(DCAT + "byteSize"), integer(dump.size, "nonNegativeInteger")),
        Quad(node, NamedNode(DCTERMS + "license"), NamedNode(LICENSE)),
        *checksum(node, dump.sha256),
    ]


def checksum(distribution_node: BlankNode, sha256: str) -> list[Quad]:
    """Describe a file's SHA-256 the DCAT 3 way, with an spdx:Checksum."""
    node = BlankNode()
    return [
        Quad(distribution_node, NamedNode(SPDX + "checksum"), node),
        Quad(node, RDF_TYPE, NamedNode(SPDX + "Checksum")),
        Quad(node, NamedNode(SPDX + "algorithm"), NamedNode(SPDX + "checksumAlgorithm_sha256")),
        Quad(node, NamedNode(SPDX + "checksumValue"), Literal(sha256, datatype=NamedNode(XSD + "hexBinary"))),
    ]
