"""Stage segment: sections, items, sub-items and headed paragraphs, nested."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from graph_build.records import Segment, Span
from graph_build.text.segment import leaves, numbering, unit_ends
from tests.conftest import work_by_file


def test_yunnan_outline(works) -> None:  # type: ignore[no-untyped-def]
    segments = work_by_file(works, "002_eb9a3bdd4a792803.txt").segments
    by_path = {s.path: s for s in segments}
    assert by_path["2.1"].number == "（一）"
    assert by_path["2.1"].heading.quote == "集聚高端创新资源"
    assert by_path["7.2"].number == "（二十一）"
    assert len(leaves(segments)) == 22


def test_hebei_three_levels_and_headed_paragraphs(works) -> None:  # type: ignore[no-untyped-def]
    segments = {s.path: s for s in work_by_file(works, "004_f2cc480d52bcecb0.txt").segments}
    assert segments["2.1.5"].number == "5." and segments["2.1.5"].heading.quote == "引進培養一流創新人才"
    assert segments["1.2.1"].level == 4 and segments["1.2.1"].heading.quote == "堅持集聚資源,創新發展"


def test_draft_headed_paragraphs(works) -> None:  # type: ignore[no-untyped-def]
    segments = {s.path: s for s in work_by_file(works, "003_dfccf8ca3c3cbe5b.txt").segments}
    assert segments["2.2.1"].heading.quote == "加强关键核心技术攻关"
    assert segments["2.2.1"].number is None


def test_segment_spans_quote_their_text(works) -> None:  # type: ignore[no-untyped-def]
    for work in works:
        for segment in work.segments:
            segment.span.check(work.work.primary.text)


def test_numbering_ignores_years() -> None:
    assert numbering("2028年,全省高新区") == (None, None)


# ---- linear in the number of measures (issue 13: one measure 10,000 times); bench/segment_scale.py times it ----

PATHS = st.lists(st.lists(st.integers(1, 3), min_size=1, max_size=4).map(lambda parts: ".".join(map(str, parts))), max_size=40, unique=True)
STARTS = st.lists(st.integers(1, 4), max_size=40).map(lambda levels: [(10 * k, 10 * k + 5, level, None) for k, level in enumerate(levels)])


@given(PATHS)
def test_leaves_are_the_segments_no_other_path_extends(paths: list[str]) -> None:
    segments = tuple(Segment(path, path.count(".") + 1, None, None, Span(0, 1, "x")) for path in paths)
    expected = tuple(s for s in segments if not any(o.path.startswith(s.path + ".") for o in segments))  # the definition, quadratic
    assert leaves(segments) == expected


@given(STARTS)
def test_each_unit_ends_at_the_next_start_of_its_level_or_above(starts: list[tuple[int, int, int, None]]) -> None:
    expected = [next((s2 for s2, _, l2, _ in starts[k + 1 :] if l2 <= level), 999) for k, (_, _, level, _) in enumerate(starts)]  # quadratic
    assert unit_ends(starts, 999) == expected

