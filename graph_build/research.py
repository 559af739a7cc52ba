"""Research features run over the whole corpus at build time: instrument coding report, scheme and similarity links."""

from __future__ import annotations

from collections.abc import Callable

from pyoxigraph import Quad

from . import diffuse, instruments
from .records import AnnotatedWork, BuildRun


def research_quads(works: list[AnnotatedWork], run: BuildRun, report: Callable[[str], None]) -> list[Quad]:
    """Report measures without an instrument cue, link similar measures, and return the scheme's and the links' quads."""
    for annotated in works:
        for path in instruments.uncoded(annotated.segments, annotated.extraction.instruments):
            report(f"  no instrument cue found: {annotated.work.slug} measure {path}")
    links = diffuse.diffuse(works)
    report(f"  similarity: {len(links)} links between measures of different works (cosine ≥ {diffuse.THRESHOLD})")
    return [*instruments.scheme_quads(), *diffuse.similarity_quads(links, works, run)]
