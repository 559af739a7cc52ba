"""Research features run over the whole corpus at build time: instrument coding report, scheme and similarity links."""

from __future__ import annotations

import dataclasses
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

from pyoxigraph import Quad

from graph_build.build.cache import Cache, builder_digest
from graph_build.build.events import Events, MeasureUncoded, SimilarityLinked, ignore
from graph_build.records import AnnotatedWork, BuildRun
from graph_build.research import instruments, similarity


@dataclass(frozen=True)
class WorkTexts:
    """What the cross-work stages need of one annotated work: its normalised measures, its source text, its uncoded measures."""

    slug: str
    script: str
    source: str  # the primary expression's text, which the shared wording quotes
    measures: tuple[similarity.MeasureText, ...]  # offsets held as arrays, so a large corpus fits in memory
    uncoded: tuple[str, ...]  # paths of the measures no instrument cue was found in


def work_texts(annotated: AnnotatedWork) -> WorkTexts:
    """Keep what the research stages read of one annotated work (a worker returns it; the cache keeps it)."""
    primary = annotated.work.primary
    measures = tuple(compact(m) for m in similarity.work_measure_texts(annotated))
    uncoded = tuple(instruments.uncoded(annotated.segments, annotated.extraction.instruments))
    return WorkTexts(annotated.work.slug, primary.script, primary.text, measures, uncoded)


def compact(measure: similarity.MeasureText) -> similarity.MeasureText:
    """Hold a measure's offsets as 32-bit arrays rather than tuples of Python ints."""
    return dataclasses.replace(measure, starts=array("I", measure.starts), ends=array("I", measure.ends))  # type: ignore[arg-type]


@dataclass(frozen=True)
class ResearchGraph:
    """What the research stages add to the graph: the instrument scheme, and the similarity links held as arrays until loading."""

    scheme: list[Quad]
    links: similarity.Links
    sources: dict[str, tuple[str, str]]  # per work slug: its primary script and source text
    run: BuildRun
    cached_as: str | None = None  # the cache key the links are kept under, for the cache's prune

    def link_blocks(self) -> Iterator[similarity.LinkBlock]:
        """Yield each similarity link for the loader (which patches the graph link by link)."""
        return similarity.similarity_blocks(self.links, self.sources, self.run)


def research_graph(works: list[AnnotatedWork], run: BuildRun, events: Events = ignore) -> ResearchGraph:
    """Report measures without an instrument cue, link similar measures, and return what the scheme and the links add to the graph."""
    return corpus_graph([work_texts(w) for w in works], run, events)


def corpus_graph(works: list[WorkTexts], run: BuildRun, events: Events = ignore, cache: Cache | None = None) -> ResearchGraph:
    """Do what :func:`research_graph` does, from the works' kept texts; with a cache, take the links from it when no measure's normalised text changed."""
    for work in works:
        for path in work.uncoded:
            events(MeasureUncoded(work.slug, path))
    links, cached_as = remembered_links(similarity.linked_measures(m for work in works for m in work.measures), cache)
    events(SimilarityLinked(len(links.pairs), similarity.THRESHOLD))
    sources = {work.slug: (work.script, work.source) for work in works}
    return ResearchGraph(list(instruments.scheme_quads()), links, sources, run, cached_as)


def remembered_links(measures: list[similarity.MeasureText], cache: Cache | None) -> tuple[similarity.Links, str | None]:
    """Link the measures, or take their links from the cache when the same keys and normalised texts were linked before; return the cache key.

    Exact: the links (pairs, scores, shared blocks in the normalised texts) are a function of the measures' keys
    and normalised texts alone (similarity.links_key), and the spans are cut from this build's offsets and source
    texts (similarity.links_of). A revision that changes amounts, dates or place names keeps every normalised text
    (digits and places are masked), and so the whole stage. A changed wording relinks the whole corpus: the idf is
    taken over every distinct text, so one new text changes the weight of its n-grams in every vector that has them
    (most, for its common n-grams) and with it their scores and the top k of every measure near them.
    """
    if cache is None:
        return similarity.similarity_links(measures), None
    entry = similarity.links_key(measures, builder_digest())
    found = cache.get("similarity", entry)
    if found is None:
        found = similarity.found_links(measures)
        cache.put("similarity", entry, found)
    return similarity.links_of(measures, *found), entry
