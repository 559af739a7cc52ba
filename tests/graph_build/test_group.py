"""Stage group: duplicates by content, even across scripts and corrupted names."""

from __future__ import annotations

from graph_build.group import jaccard, shingle_set


def test_five_files_make_four_works(works) -> None:  # type: ignore[no-untyped-def]
    assert len(works) == 4
    merged = [w for w in works if len(w.work.expressions) == 2]
    assert len(merged) == 1
    yunnan = merged[0].work
    assert [e.name for e in yunnan.expressions] == ["002_eb9a3bdd4a792803.txt", "000_eca2655ae364cb45.txt"]
    assert [e.script for e in yunnan.expressions] == ["zh-Hans", "zh-Hant"]
    assert yunnan.slug == "yunzhengfa-2020-36"


def test_two_yunnan_documents_are_not_merged(works) -> None:  # type: ignore[no-untyped-def]
    expressions = {e.name: e for w in works for e in w.work.expressions}
    same = jaccard(shingle_set(expressions["000_eca2655ae364cb45.txt"]), shingle_set(expressions["002_eb9a3bdd4a792803.txt"]))
    other = jaccard(shingle_set(expressions["003_dfccf8ca3c3cbe5b.txt"]), shingle_set(expressions["002_eb9a3bdd4a792803.txt"]))
    assert same > 0.8
    assert other < 0.2
