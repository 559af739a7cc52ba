"""The scale corpus: deterministic for a seed, and real work for the extractor and the group stage."""

from __future__ import annotations

import sys
from pathlib import Path

from graph_build.build import driver

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import corpus  # noqa: E402


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    assert list(corpus.corpus(12, seed=3)) == list(corpus.corpus(12, seed=3))
    assert list(corpus.corpus(12, seed=3)) != list(corpus.corpus(12, seed=4))


def test_extractor_finds_documents_incentives_and_duplicates(tmp_path: Path) -> None:
    files = corpus.write(60, tmp_path, seed=0)
    works = driver.annotated_works(tmp_path, reviewed=False)
    assert files > 60 and len(works) == 60
    assert all(w.work.identities[0].province_code for w in works)
    assert sum(len(w.extraction.incentives) for w in works) > 60 * 5
    merged = {w.work.slug: [e.name for e in w.work.expressions] for w in works if len(w.work.expressions) > 1}
    assert ["doc00007.txt", "doc00007-rev.txt"] in merged.values()  # a revised draft without 文号: by wording
    assert ["doc00003.txt", "doc00003-copy.txt"] in merged.values()  # scraped twice: by 文号


def test_every_range_has_its_floor_below_its_cap(tmp_path: Path) -> None:
    """A seed's range (分档给予20-500万元) gets a new floor and cap in that order, never 100-20万元.

    Issue 15: 1,492 of 10,000 documents broke gx:minimumYuan sh:lessThanOrEquals gx:maximumYuan.
    """
    corpus.write(60, tmp_path, seed=0)
    works = driver.annotated_works(tmp_path, reviewed=False)
    ranges = [i for w in works for i in w.extraction.incentives if i.minimum and i.maximum]
    assert len(ranges) > 5
    assert [i.span.quote for i in ranges if i.minimum.yuan > i.maximum.yuan] == []
