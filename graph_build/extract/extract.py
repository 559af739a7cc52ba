"""Stage 7, extract: incentives, departments, zones, industries, targets, provisions and zone approvals.

The rules live in incentives.py (money) and mentions.py (everything else);
this stage runs them over every measure of a work's primary expression and
re-cuts each span from the source text, so quotes are the words as written.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TypeVar

from graph_build.extract.approvals import find_approvals
from graph_build.extract.incentives import find_incentives
from graph_build.extract.mentions import find_departments, find_industries, find_provisions, find_targets, find_zones
from graph_build.records import Extraction, Segment, Span, Work, ZoneApproval, ZoneMention
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
        zones=tuple(requote(zone, source) for zone in document_zones(work, segments)),
        industries=run(find_industries),
        targets=run(find_targets),
        provisions=run(find_provisions),
        instruments=code_instruments(work, segments),
        approvals=tuple(requote(approval, source) for approval in document_approvals(work, segments)),
    )


def body_segment(work: Work) -> Segment:
    """The body of a work's primary expression as one segment with the path "" (no part of the outline)."""
    text, clean = work.primary.analysis, work.primary.clean
    return Segment("", 0, None, None, Span.of(text, clean.body_start, clean.body_end))


def document_approvals(work: Work, segments: tuple[Segment, ...]) -> tuple[ZoneApproval, ...]:
    """Find the zone approvals anywhere in the body, each in the innermost part holding it ("" outside every part)."""
    found = [replace(a, measure=innermost(segments, a.span)) for a in find_approvals(work.primary.analysis, body_segment(work))]
    in_parts = {(a.action, a.zone) for a in found if a.measure}
    return tuple(a for a in found if a.measure or (a.action, a.zone) not in in_parts)  # a reply's title repeats what its body grants


def document_zones(work: Work, segments: tuple[Segment, ...]) -> tuple[ZoneMention, ...]:
    """Find the zones named anywhere in the body (title, preamble, lead paragraphs, measures), each in the innermost part holding it.

    A zone named outside every part (a 批复's title, a preamble) belongs to the document: its measure is "".
    """
    text = work.primary.analysis
    zones = find_zones(text, body_segment(work))
    full_names = short_names(text, zones)
    return tuple(replace(zone, name=full_names.get(zone.name, zone.name), measure=innermost(segments, zone.span)) for zone in zones)


def short_names(text: str, zones: tuple[ZoneMention, ...]) -> dict[str, str]:
    """Map the short names a text declares to the zones they stand for: "十堰高新技术产业园区(以下简称十堰高新区)"."""
    names = {}
    for before, after in zip(zones, zones[1:], strict=False):
        between = text[before.span.end : after.span.start]
        if re.fullmatch(r"\((?:以下)?简称", between) and after.name != before.name:
            names[after.name] = before.name
    return names


def innermost(segments: tuple[Segment, ...], span: Span) -> str:
    """Return the path of the deepest segment holding a span, or "" when none does."""
    holding = [s.path for s in segments if s.span.start <= span.start and span.end <= s.span.end]
    return max(holding, key=lambda path: path.count("."), default="")


def requote(item: Item, source: str) -> Item:
    """Re-cut an item's span from the source text, so its quote is the text as written."""
    span: Span = item.span  # type: ignore[attr-defined]
    return replace(item, span=Span.of(source, span.start, span.end))  # type: ignore[type-var]
