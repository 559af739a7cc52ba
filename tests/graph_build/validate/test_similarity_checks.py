"""The similarity graph's checks (load.similarity_violations: a sample of links, compiled shapes) pass on the seeds and catch each broken link."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from graph_build import iris
from graph_build.validate.whole_graph import similarity_violations
from graph_build.vocab import RDF_TYPE, gx, oa, xsd

GRAPH = NamedNode(iris.SIMILARITY_GRAPH)


@pytest.fixture()
def writable(built_store: Path, tmp_path: Path) -> Store:
    """A writable copy of the seed store."""
    copy = tmp_path / "store"
    shutil.copytree(built_store.resolve(), copy)
    return Store(str(copy))


def first_link(store: Store) -> NamedNode:
    return next(iter(store.quads_for_pattern(None, None, gx.SimilarityLink, GRAPH))).subject


def test_the_seed_similarity_graph_passes(writable: Store) -> None:
    assert similarity_violations(writable, GRAPH) is None


def test_a_third_target_is_caught(writable: Store) -> None:
    writable.add(Quad(first_link(writable), oa.hasTarget, NamedNode(iris.ID + "doc/elsewhere/part/1"), GRAPH))
    assert "gxsh:SimilarityLinkShape, oa:hasTarget sh:maxCount 2" in (similarity_violations(writable, GRAPH) or "")


def test_a_score_above_one_is_caught(writable: Store) -> None:
    link = first_link(writable)
    writable.remove(next(iter(writable.quads_for_pattern(link, gx.similarityScore, None, GRAPH))))
    writable.add(Quad(link, gx.similarityScore, Literal("1.5", datatype=xsd.decimal), GRAPH))
    assert "gx:similarityScore sh:maxInclusive 1" in (similarity_violations(writable, GRAPH) or "")


def test_a_wrong_quote_is_caught(writable: Store) -> None:
    quote = next(q for q in writable.quads_for_pattern(None, oa.exact, None, GRAPH))
    writable.remove(quote)
    writable.add(Quad(quote.subject, oa.exact, Literal("并非原文"), GRAPH))
    assert "oa:exact is not the source text at" in (similarity_violations(writable, GRAPH) or "")


def test_evidence_without_its_quote_selector_is_caught(writable: Store) -> None:
    quote = next(q for q in writable.quads_for_pattern(None, oa.exact, None, GRAPH))
    writable.remove(quote)
    assert "gxsh:TextQuoteSelectorShape, oa:exact sh:minCount 1" in (similarity_violations(writable, GRAPH) or "")


def test_a_sampled_broken_link_is_caught_when_the_sample_is_smaller_than_the_graph(writable: Store) -> None:
    """Check the sample is spread over the graph: with 5 of the links sampled, a broken fifth-from-last sampled link is still found."""
    links = [q.subject for q in writable.quads_for_pattern(None, RDF_TYPE, gx.SimilarityLink, GRAPH)]
    step = -(-len(links) // 5)
    assert step > 1, "the seed graph should hold more than 5 links"
    broken = links[::step][-1]
    writable.add(Quad(broken, oa.hasTarget, NamedNode(iris.ID + "doc/elsewhere/part/1"), GRAPH))
    assert str(broken.value) in (similarity_violations(writable, GRAPH, sample=5) or "")
