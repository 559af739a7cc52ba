"""HermiT finds the ontology consistent with a sample of the graph the builder really produces."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, serialize

from graph_build import iris
from tests.ontology.reasoning import check_consistency

SAMPLE_GRAPHS = (iris.graph("yunzhengfa-2020-36"), iris.ENTITIES_GRAPH, iris.REFERENCE_GRAPH, iris.BUILD_GRAPH)


def test_built_sample_is_consistent(store) -> None:  # type: ignore[no-untyped-def]
    triples = [
        Quad(q.subject, q.predicate, q.object)
        for graph in SAMPLE_GRAPHS
        for q in store.quads_for_pattern(None, None, None, NamedNode(graph))
    ]
    assert len(triples) > 1000
    ontology = Path(str(resources.files("ontology").joinpath("gaoxin.ttl")))
    check_consistency(ontology, serialize(triples, format=RdfFormat.N_TRIPLES).decode("utf-8"))
