"""Stage 7, extract: incentives, departments, zones, industries, targets and provisions.

The rules live in incentives.py (money) and mentions.py (everything else);
this stage runs them over every measure of a work's primary expression and
re-cuts each span from the source text, so quotes are the words as written.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from graph_build.extract.incentives import find_incentives
from graph_build.extract.mentions import find_departments, find_industries, find_provisions, find_targets, find_zones
from graph_build.records import Extraction, Segment, Span, Work
from graph_build.research.instruments import code_instruments
from graph_build.text.segment import leaves

Item = TypeVar("Item")


def extract(work: Work, segments: tuple[Segment, ...]) -> Extraction:
    """Extract every fact from the measures of a work's primary expression."""
    text, source = work.primary.analysis, work.primary.text
    measures = leaves(segments)

    def run(finder) -> tuple:  # type: ignore[no-untyped-def]
        return tuple(requote(item, source) for measure in measures for item in finder(text, measure))

    return Extraction(
        incentives=run(find_incentives),
        departments=run(find_departments),
        zones=run(find_zones),
        industries=run(find_industries),
        targets=run(find_targets),
        provisions=run(find_provisions),
        instruments=code_instruments(work, segments),
    )


def requote(item: Item, source: str) -> Item:
    """Re-cut an item's span from the source text, so its quote is the text as written."""
    span: Span = item.span  # type: ignore[attr-defined]
    return replace(item, span=Span.of(source, span.start, span.end))  # type: ignore[type-var]
