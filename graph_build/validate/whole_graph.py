"""What only the whole graph can show: the shared graphs, a sample of the similarity links, values two documents give one node.

Each document's quads are checked in the worker that made them (build/jobs.py,
with the compiled shapes); :func:`validate_shared` runs on the new store version
before it is switched in, and a failure keeps the switch from happening.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import NamedNode, Quad, Store

from graph_build import iris
from graph_build.store.incremental import link_quads
from graph_build.store.versions import LoadError
from graph_build.validate import shapes
from graph_build.vocab import RDF_TYPE, eli, gx

SIMILARITY_SAMPLE = 2000  # similarity links checked against the shapes per build: all of them up to this many, then evenly spaced
SIMILARITY_SHAPES = frozenset(
    f"gxsh:{name}"
    for name in ("SimilarityLinkShape", "SharedWordingShape", "EvidenceShape", "TextPositionSelectorShape", "TextQuoteSelectorShape", "QuotesMatchSourceShape")
)


def similarity_violations(store: Store, graph: NamedNode, sample: int = SIMILARITY_SAMPLE) -> str | None:
    """Check a sample of the similarity graph's links against the compiled shapes; return the report when one does not conform.

    A large corpus has about 33 similarity quads per link (18.6 million at 10,000
    documents), too many to check whole in a build. Every link is written by the
    same code (diffuse.link_nquads), so a sample catches what that code
    gets wrong: each sampled link is copied into a store in memory with what its
    shapes look at (its two measures' types, and the source text its quotes
    come from) and checked there.
    """
    links = [q.subject for q in store.quads_for_pattern(None, RDF_TYPE, gx.SimilarityLink, graph)]
    step = max(1, -(-len(links) // sample))
    copy = Store()
    referred: set[NamedNode] = set()  # the measures and expressions the sampled links point at
    copy.extend([quad for link in links[::step] for quad in link_quads(store, link, graph, referred)])
    copy.extend([quad for node in referred for quad in context_quads(store, node)])
    return shapes.report([found for found in shapes.broken(copy) if found[0].shape in SIMILARITY_SHAPES])


def context_quads(store: Store, node: NamedNode) -> Iterator[Quad]:
    """Yield what the similarity shapes need of a measure or expression: its types, and an expression's files with their source text."""
    yield from store.quads_for_pattern(node, RDF_TYPE, None, None)
    for embodied in store.quads_for_pattern(node, eli.is_embodied_by, None, None):
        yield embodied
        yield from store.quads_for_pattern(embodied.object, gx.sourceText, None, None)


# Values that two documents may each give one shared node, where the shapes allow one (sh:maxCount 1).
CONFLICTS = {
    "a high-tech zone has two levels (gx:zoneLevel)": "SELECT ?node WHERE { ?node gx:zoneLevel ?a , ?b FILTER(?a != ?b) } LIMIT 5",
    "a document has two 文号 (eli:id_local)": "SELECT ?node WHERE { ?node eli:id_local ?a , ?b FILTER(?a != ?b) } LIMIT 5",
    "a zone has two inProvince (gx:inProvince)": "SELECT ?node WHERE { ?node gx:inProvince ?a , ?b FILTER(?a != ?b) } LIMIT 5",
}


def validate_shared(directory: Path) -> None:
    """Check what per-document validation cannot see: the shared graphs, and conflicting values across documents."""
    store = Store.read_only(str(directory))
    similarity = NamedNode(iris.SIMILARITY_GRAPH)
    shared = [g for g in store.named_graphs() if isinstance(g, NamedNode) and not g.value.startswith(iris.ID + "doc/") and g != similarity]
    report = shapes.report(shapes.broken(store, graphs=shared)) or similarity_violations(store, similarity)
    if report:
        raise LoadError("the shared graphs do not conform to ontology/shapes.ttl:\n" + report)
    prefixes = "PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#> PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"
    for problem, query in CONFLICTS.items():
        nodes = [row["node"].value for row in store.query(prefixes + query, use_default_graph_as_union=True)]
        if nodes:
            raise LoadError(f"the built graph does not conform to ontology/shapes.ttl: {problem}: {', '.join(nodes)}")
