"""The research graph: similarity links written as N-Quads lines say exactly what pyoxigraph quads built term by term say."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from graph_build import iris
from graph_build.build.cache import Cache
from graph_build.records import BuildRun, SimilarityLink, Span
from graph_build.research import corpus, instruments, similarity
from graph_build.store import incremental
from graph_build.vocab import RDF_TYPE, gx, oa, prov, xsd

RUN = BuildRun("https://w3id.org/gaoxin-kg/id/build/test", "0" * 64, "2026-11-21T00:00:00+00:00", "test")


@pytest.fixture(scope="module")
def graph(works) -> corpus.ResearchGraph:  # type: ignore[no-untyped-def]
    return corpus.research_graph(works, RUN)


def expected_quads(links: list[SimilarityLink], sources: dict[str, tuple[str, str]]) -> Iterator[Quad]:
    """Build the similarity graph with pyoxigraph terms, one quad at a time (the reference the N-Quads writer must equal)."""
    graph = NamedNode(iris.SIMILARITY_GRAPH)
    for item in links:
        node = NamedNode(iris.similarity_link(item.left, item.right))
        for predicate, obj in [(RDF_TYPE, gx.SimilarityLink), (RDF_TYPE, oa.Annotation), (oa.motivatedBy, oa.linking),
                               (oa.hasTarget, NamedNode(iris.part(*item.left))), (oa.hasTarget, NamedNode(iris.part(*item.right))),
                               (gx.similarityScore, Literal(str(item.score), datatype=xsd.decimal)), (gx.similarityMethod, similarity.METHOD),
                               (prov.wasGeneratedBy, NamedNode(RUN.iri))]:
            yield Quad(node, predicate, obj, graph)
        for k, shared in enumerate(item.shared, start=1):
            passage = NamedNode(f"{node.value}/shared/{k}")
            yield from (Quad(node, gx.sharedWording, passage, graph), Quad(passage, RDF_TYPE, gx.SharedWording, graph),
                        Quad(passage, gx.position, Literal(str(k), datatype=xsd.integer), graph))
            for side, key, span in (("left", item.left, shared.left), ("right", item.right, shared.right)):
                yield from span_quads(passage, NamedNode(f"{passage.value}/{side}"), iris.expression(key[0], sources[key[0]][0]), span, graph)


def span_quads(subject: NamedNode, node: NamedNode, expression: str, span: Span, graph: NamedNode) -> Iterator[Quad]:
    position, quote = NamedNode(node.value + "/position"), NamedNode(node.value + "/quote")
    yield from (Quad(subject, gx.evidence, node, graph), Quad(node, RDF_TYPE, oa.SpecificResource, graph))
    yield Quad(node, oa.hasSource, NamedNode(expression), graph)
    for selector, kind in ((position, oa.TextPositionSelector), (quote, oa.TextQuoteSelector)):
        yield from (Quad(node, oa.hasSelector, selector, graph), Quad(selector, RDF_TYPE, kind, graph))
    yield from (Quad(position, oa.start, Literal(str(span.start), datatype=xsd.integer), graph),
                Quad(position, oa.end, Literal(str(span.end), datatype=xsd.integer), graph), Quad(quote, oa.exact, Literal(span.quote), graph))


def test_nquads_say_what_quads_built_term_by_term_say(graph: corpus.ResearchGraph) -> None:
    written = list(parse("".join(block.nquads() for block in graph.link_blocks()).encode("utf-8"), format=RdfFormat.N_QUADS))
    expected = list(expected_quads(list(graph.links.records()), graph.sources))
    assert len(written) == len(set(written)) == len(expected)
    assert set(written) == set(expected)
    assert graph.scheme == list(instruments.scheme_quads())


def test_every_chunk_holds_whole_lines_and_every_link_its_digest(graph: corpus.ResearchGraph, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(incremental, "LINKS_PER_CHUNK", 7)
    chunks = list(incremental.streamed_links(graph.link_blocks(), tmp_path))
    assert len(chunks) > 3 and all(chunk.endswith(b" .\n") for chunk in chunks if chunk)
    assert set(incremental.read_digests(tmp_path)) == {iris.similarity_link(link.left, link.right) for link in graph.links.records()}


def test_quotes_with_quotation_marks_and_line_breaks_are_escaped() -> None:
    source = '甲"乙\\丙\n丁戊己庚辛壬癸'
    starts, ends = (0, 2, 4, 6, 7, 8, 9, 10), (1, 3, 5, 7, 8, 9, 10, 11)
    measures = [similarity.MeasureText((slug, "1"), "Hans", source, "甲乙丙丁戊己庚辛", starts, ends) for slug in ("a", "b")]
    links = similarity.similarity_links(measures)
    lines = "".join(block.nquads() for block in similarity.similarity_blocks(links, {"a": ("Hans", source), "b": ("Hans", source)}, RUN))
    (quote,) = [q.object for q in parse(lines.encode("utf-8"), format=RdfFormat.N_QUADS) if q.predicate == oa.exact and q.subject.value.endswith("left/quote")]
    assert quote == Literal(source[:11])


def test_links_records_are_the_links_diffuse_gives(graph: corpus.ResearchGraph, works) -> None:  # type: ignore[no-untyped-def]
    assert list(graph.links.records()) == similarity.diffuse(works)
    assert len(graph.links.pairs) == 47


def test_the_links_of_unchanged_normalised_texts_come_from_the_cache_and_a_changed_text_relinks(works, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    texts = [corpus.work_texts(w) for w in works]
    cache = Cache(tmp_path)
    first = corpus.corpus_graph(texts, RUN, cache=cache)
    assert first.cached_as is not None and cache.get("similarity", first.cached_as) is not None
    linked = similarity.found_links
    monkeypatch.setattr(similarity, "found_links", lambda *a, **k: pytest.fail("relinked although no normalised text changed"))
    again = corpus.corpus_graph(texts, RUN, cache=cache)
    assert again.cached_as == first.cached_as
    assert list(again.links.records()) == list(first.links.records())
    monkeypatch.setattr(similarity, "found_links", linked)
    measure = texts[0].measures[0]
    changed = [dataclasses.replace(texts[0], measures=(dataclasses.replace(measure, text=measure.text + "另行"), *texts[0].measures[1:])), *texts[1:]]
    relinked = corpus.corpus_graph(changed, RUN, cache=cache)
    assert relinked.cached_as != first.cached_as
