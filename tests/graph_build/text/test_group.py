"""Stage group: duplicates by content, even across scripts and corrupted names."""

from __future__ import annotations

from graph_build.text.group import jaccard, shingle_set


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


def test_minhash_candidates_find_the_seed_duplicates(works) -> None:  # type: ignore[no-untyped-def]
    from graph_build.text.group import candidate_pairs, fingerprint

    expressions = sorted(((e, i) for w in works for e, i in zip(w.work.expressions, w.work.identities, strict=True)), key=lambda pair: pair[0].name)
    prints = [fingerprint(e, i) for e, i in expressions]
    names = [e.name for e, _ in expressions]
    pairs = {(names[j], names[i]) for i, j in candidate_pairs(prints)}
    assert ("000_eca2655ae364cb45.txt", "002_eb9a3bdd4a792803.txt") in pairs


def test_a_generated_near_duplicate_pair_is_grouped_and_others_are_not(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sys
    from pathlib import Path

    from graph_build.build import driver

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    import corpus

    corpus.write(60, tmp_path, seed=1)
    works = driver.works(tmp_path)
    groups = sorted(tuple(e.name for e in w.expressions) for w in works if len(w.expressions) > 1)
    # Two revised drafts without 文号 (grouped by wording alone) and two copies under other chrome (by 文号).
    assert groups == [
        ("doc00003.txt", "doc00003-copy.txt"),
        ("doc00007.txt", "doc00007-rev.txt"),
        ("doc00043.txt", "doc00043-copy.txt"),
        ("doc00057.txt", "doc00057-rev.txt"),
    ]
