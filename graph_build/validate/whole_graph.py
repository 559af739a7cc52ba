"""What only the whole graph can show: the shared graphs, a sample of the similarity links, values two documents give one node.

Each document's quads are checked in the worker that made them (build/jobs.py,
with the compiled shapes); :func:`validate_shared` runs on the new store version
before it is switched in, and a failure keeps the switch from happening.

The shared graphs (~50,000 quads at 1,000 documents: reference, entities,
ontology, build, queries) are copied into a store in memory and checked there:
the same compiled queries over the same quads, but Oxigraph answers them over
its in-memory store's union in 0.2 s where the on-disk store's list of named
graphs took 11 s (contended). A patched version (store/incremental.py) samples
its similarity links among those it wrote, not the whole graph
(:func:`similarity_violations`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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


def similarity_violations(store: Store, graph: NamedNode, sample: int = SIMILARITY_SAMPLE, among: Sequence[NamedNode] | None = None) -> str | None:
    """Check a sample of the similarity graph's links (or of the links `among`) against the compiled shapes; return the report when one does not conform.

    A large corpus has about 33 similarity quads per link (18.6 million at 10,000
    documents), too many to check whole in a build. Every link is written by the
    same code (diffuse.link_nquads), so a sample catches what that code
    gets wrong: each sampled link is copied into a store in memory with what its
    shapes look at (its two measures' types, and the source text its quotes
    come from) and checked there.

    A patched version passes `among`: the links whose digest changed or that are new (incremental.changed_links).
    Sampling among them alone is as sound as sampling the whole graph: every other link is the base version's
    link with the same digest, which covers everything its quads say but the build run (the two measures, the
    score, the shared passages, their source text's offsets and script: similarity.link_digest), and the measures'
    types and source text its shapes also read belong to the same unchanged inputs. The base version was checked
    the same way before it was switched in, so the links it shares with the new one stay checked; the links the
    patch wrote come from the same code and are the ones a fault in this build would show in.
    """
    links = list(among) if among is not None else [q.subject for q in store.quads_for_pattern(None, RDF_TYPE, gx.SimilarityLink, graph)]
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


def validate_shared(directory: Path, links: Sequence[str] | None = None) -> None:
    """Check what per-document validation cannot see: the shared graphs, and conflicting values across documents.

    `links`, for a patched version, are the IRIs of the similarity links the patch wrote: the sample is drawn from them.
    """
    store = Store.read_only(str(directory))
    similarity = NamedNode(iris.SIMILARITY_GRAPH)
    shared = [g for g in store.named_graphs() if isinstance(g, NamedNode) and not g.value.startswith(iris.ID + "doc/") and g != similarity]
    copy = Store()  # the quads keep their graphs; the checks below read the copy's union, as they read these graphs on disk
    copy.bulk_extend(quad for graph in shared for quad in store.quads_for_pattern(None, None, None, graph))
    among = None if links is None else [NamedNode(iri) for iri in links]
    report = shapes.report(shapes.broken(copy)) or similarity_violations(store, similarity, among=among)
    if report:
        raise LoadError("the shared graphs do not conform to ontology/shapes.ttl:\n" + report)
    prefixes = "PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#> PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"
    for problem, query in CONFLICTS.items():
        nodes = [row["node"].value for row in store.query(prefixes + query, use_default_graph_as_union=True)]
        if nodes:
            raise LoadError(f"the built graph does not conform to ontology/shapes.ttl: {problem}: {', '.join(nodes)}")
