"""The build report: every event is one line, whatever characters its file names and quotes hold."""

from __future__ import annotations

import io

import pytest

from gaoxin_kg.report import BuildReport, line
from graph_build.build.events import (
    AnnotationRefused,
    BuildEvent,
    EntrySkipped,
    FileRejected,
    FileWarning,
    LineDropped,
    MeasureUncoded,
    ReferenceGap,
    StoreSwitching,
    WorksMerged,
)

HOSTILE = "坏\n  rejected 伪造.txt\x1b[2J\x9b1m\u202e\u2028"  # a line break, ESC and CSI sequences, a bidi override, a line separator
SHOWN = "坏\\n  rejected 伪造.txt\\x1b[2J\\x9b1m\\u202e\\u2028"

# fmt: off
EVENTS: list[tuple[BuildEvent, str]] = [
    (FileRejected(HOSTILE, "empty file"), f"  rejected {SHOWN}: empty file"),
    (EntrySkipped(HOSTILE, "a named pipe (FIFO), not a regular file: skipped"), f"  skipped {SHOWN}: a named pipe (FIFO), not a regular file: skipped"),
    (AnnotationRefused(HOSTILE + ":3", "segments[0].span.start", "expected a whole number, got 1.5"),
     f"  refused annotation {SHOWN}:3: segments[0].span.start: expected a whole number, got 1.5"),
    (AnnotationRefused("a.yaml:6", "", "alias *a: annotation files hold plain data, without aliases"),
     "  refused annotation a.yaml:6: alias *a: annotation files hold plain data, without aliases"),
    (LineDropped(HOSTILE, 4, "site chrome", "首页\x1b]0;title\x07"), f"  dropped {SHOWN}:4 (site chrome): 首页\\x1b]0;title\\x07"),
    (FileWarning(HOSTILE, None, "HTML page converted to text"), f"  warning {SHOWN}: HTML page converted to text"),
    (WorksMerged((HOSTILE, "b.txt"), "gansu-1"), f"  merged {SHOWN}, b.txt into one work: gansu-1"),
    (MeasureUncoded("gansu-1", "2.1"), "  no instrument cue found: gansu-1 measure 2.1"),
    (ReferenceGap("zone", "某\n高新区", "add it to data/reference/zones.csv"), "  zone 某\\n高新区: add it to data/reference/zones.csv"),
    (StoreSwitching("var/store.versions/20261206T031700-f0234a25"), "  switching the store link to var/store.versions/20261206T031700-f0234a25"),
]
# fmt: on


@pytest.mark.parametrize(("event", "expected"), EVENTS)
def test_each_event_is_one_escaped_line(event: BuildEvent, expected: str) -> None:
    assert line(event) == expected


def test_the_report_prints_one_line_per_event_and_sends_refusals_to_standard_error() -> None:
    out, err = io.StringIO(), io.StringIO()
    report = BuildReport(out, err)
    for event, _ in EVENTS:
        report(event)
    printed = err.getvalue().splitlines() + out.getvalue().splitlines()
    assert len(printed) == len(EVENTS)
    assert not any(character in "".join(printed) for character in "\x1b\x9b\u202e\u2028\x07")
    assert [text for text in err.getvalue().splitlines() if text.startswith("  rejected ")] == [f"  rejected {SHOWN}: empty file"]
    assert any(text.startswith("  skipped ") for text in err.getvalue().splitlines())
    assert any(text.startswith("  refused annotation ") for text in err.getvalue().splitlines())
    assert report.rejected == 1
