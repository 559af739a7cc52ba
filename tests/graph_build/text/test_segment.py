"""Stage segment: sections, items, sub-items and headed paragraphs, nested."""

from __future__ import annotations

from graph_build.text.segment import leaves, numbering
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
