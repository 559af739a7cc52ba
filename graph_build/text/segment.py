"""Stage 6, segment: the numbered outline of a document, nested.

Chinese policy documents number their parts 第一章/第一部分 (chapters and parts),
第一条 (articles, as in 条例 and 办法) or 一、 (sections), （一） (items) and
1. (sub-items); an unnumbered reply or bulletin is one measure; some items hold unnumbered paragraphs that open with a short
headed sentence ("深化管理体制改革。…"). Each unit becomes a Segment whose path
counts its position among its siblings ("2.1" is the first item of the second
section), whatever the printed numbers say.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from graph_build.records import Expression, Segment, Span
from graph_build.text.clean import SIGNATURE_DATE

NUMBERED = (
    (0, re.compile(r"^第[一二三四五六七八九十]{1,3}(?:章|部分|编)(?=\s|$|[\u4e00-\u9fff])")),
    (1, re.compile(r"^第[一二三四五六七八九十百零〇]{1,5}条(?=\s|$|[\u4e00-\u9fff(])")),
    (1, re.compile(r"^[一二三四五六七八九十]{1,3}、")),
    (2, re.compile(r"^\([一二三四五六七八九十]{1,3}\)")),
    (3, re.compile(r"^\d{1,2}[.、](?!\d)")),
)
HEADED = re.compile(r"^[^。,;:]{2,18}(?:,[^。,;:]{2,10})?。")
HEADED_LEVEL = 4
HEADING_MAX = 40


def segment(expression: Expression) -> tuple[Segment, ...]:
    """Split the body of an expression into nested numbered and headed segments."""
    view, text = expression.analysis, expression.text
    lines = content_lines(view, expression.clean.body_start, expression.clean.body_end)
    starts = [(s, e, level, number) for s, e in lines if (found := numbering(view[s:e]))[0] is not None for level, number in [found]]
    starts = add_headed_paragraphs(view, lines, starts)
    end = lines[-1][1] if lines else expression.clean.body_end
    if not starts and lines:
        return (whole_body(text, view, lines, end),)
    return tuple(make_segments(text, view, starts, end))


def whole_body(text: str, view: str, lines: list[tuple[int, int]], end: int) -> Segment:
    """Make an unnumbered document's body (a 批复, 通报 or 函) one measure: from its first sentence, the title line left out."""
    start = next((s for s, e in lines if "。" in view[s:e]), lines[0][0])
    return Segment("1", 1, None, None, trimmed(text, start, end))


def content_lines(view: str, start: int, end: int) -> list[tuple[int, int]]:
    """List the stripped (start, end) offsets of the body's lines, stopping at the signature."""
    lines, offset = [], start
    for raw in view[start:end].split("\n"):
        stripped = raw.strip()
        if stripped:
            left = offset + len(raw) - len(raw.lstrip())
            lines.append((left, left + len(stripped)))
        offset += len(raw) + 1
    return drop_signature(view, lines)


def drop_signature(view: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cut the signature block (issuer line, date, "此件公开发布") from the end of the lines."""
    for i in range(len(lines) - 1, max(len(lines) - 5, -1), -1):
        if SIGNATURE_DATE.match(view[lines[i][0] : lines[i][1]]):
            issuer = i - 1 if i > 0 and len(view[lines[i - 1][0] : lines[i - 1][1]]) <= 30 else i
            return lines[:issuer]
    return lines


def numbering(line: str) -> tuple[int, str] | tuple[None, None]:
    """Return the level and printed number a line opens with, if any.

    >>> numbering("(一)集聚高端创新资源。")
    (2, '(一)')
    >>> numbering("13.大力培育新兴产业。")
    (3, '13.')
    >>> numbering("2025年目标")
    (None, None)
    """
    for level, pattern in NUMBERED:
        match = pattern.match(line)
        if match:
            return level, match.group(0)
    return None, None


def add_headed_paragraphs(
    view: str, lines: list[tuple[int, int]], starts: list[tuple[int, int, int, str]]
) -> list[tuple[int, int, int, str | None]]:
    """Add the headed paragraphs of units that have two or more and no numbered children."""
    numbered_at = {s for s, _, _, _ in starts}
    line_starts = [ls for ls, _ in lines]  # in order: each unit's lines are found by bisection, so the pass stays linear
    result: list[tuple[int, int, int, str | None]] = list(starts)
    for k, (s, _, level, _) in enumerate(starts):
        following = starts[k + 1][0] if k + 1 < len(starts) else None
        if following is not None and starts[k + 1][2] > level:
            continue
        within = lines[bisect_right(line_starts, s) : len(lines) if following is None else bisect_left(line_starts, following)]
        inner = [(ls, le) for ls, le in within if ls not in numbered_at]
        headed = [(ls, le) for ls, le in inner if HEADED.match(view[ls:le]) and le - ls > 40]
        if len(headed) >= 2:
            result += [(ls, le, HEADED_LEVEL, None) for ls, le in headed]
    return sorted(result)


def make_segments(text: str, view: str, starts: list[tuple[int, int, int, str | None]], end: int) -> list[Segment]:
    """Turn the numbered line starts into nested segments with ordinal paths."""
    segments, stack = [], []  # stack of (level, path) of the open ancestors
    counters: dict[str, int] = {}
    stops = unit_ends(starts, end)
    for k, (s, e, level, number) in enumerate(starts):
        while stack and stack[-1][0] >= level:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        counters[parent] = counters.get(parent, 0) + 1
        path = f"{parent}.{counters[parent]}" if parent else str(counters[parent])
        stack.append((level, path))
        printed = text[s : s + len(number)] if number else None  # the number as written, full-width or not
        segments.append(Segment(path, level, printed, heading(text, view, s, e, number), trimmed(text, s, stops[k])))
    return segments


def unit_ends(starts: list[tuple[int, int, int, str | None]], end: int) -> list[int]:
    """Return where each unit ends: at the next start of its level or above, else at `end` (one pass, open units on a stack).

    >>> unit_ends([(0, 5, 1, "一、"), (6, 9, 2, "(一)"), (10, 14, 2, "(二)"), (15, 20, 1, "二、")], 30)
    [15, 10, 15, 30]
    """
    stops, open_units = [end] * len(starts), []  # open_units: indexes of units not yet closed, levels increasing
    for k, (start, _, level, _) in enumerate(starts):
        while open_units and starts[open_units[-1]][2] >= level:
            stops[open_units.pop()] = start
        open_units.append(k)
    return stops


def heading(text: str, view: str, start: int, end: int, number: str | None) -> Span | None:
    """Cut the heading after the number: up to the first 。, or the whole line of a section."""
    begin = start + len(number or "")
    stop = view.find("。", begin, end)
    stop = end if stop == -1 else stop
    if stop - begin > HEADING_MAX or stop <= begin:
        return None
    return Span.of(text, begin, stop)


def trimmed(text: str, start: int, end: int) -> Span:
    """Cut a span without trailing white space."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span.of(text, start, end)


def leaves(segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
    """Return the segments that have no children: the measures.

    A segment has children when its path is a proper prefix of another's; collecting every
    path's prefixes once keeps this linear in the number of segments (a document of 10,000
    measures compared each with all the others).

    >>> [s.path for s in leaves(tuple(Segment(p, 1, None, None, Span(0, 0, "")) for p in ("1", "1.1", "2", "3.1.1")))]
    ['1.1', '2', '3.1.1']
    """
    parents = {s.path[:k] for s in segments for k, char in enumerate(s.path) if char == "."}
    return tuple(s for s in segments if s.path not in parents)
