"""Shared wording in compiled code finds the blocks difflib finds, on every pair of seed measures and on edge cases."""

from __future__ import annotations

import difflib
import itertools

import numpy as np
import pytest

# fmt: off
from graph_build.research import similarity, wording

# fmt: off
EDGES = [
    ("支持高新区以揭榜挂帅等方式组织开展关键核心技术攻关", "支持#高新区以揭榜制等方式组织开展关键技术攻关和成果转化应用"),
    ("申请工作许可的年龄可放宽至0岁", "申请工作许可的年龄可放宽至0岁"),           # identical
    ("高新区高新区高新区高新区", "高新区高新区"),                                 # repeats: ties go to the earliest start
    ("甲乙丙丁戊己庚辛壬癸子丑", "子丑甲乙丙丁戊己庚辛"),                         # a crossing block is not a second passage
    ("对认定的国家级科技企业孵化器给予0万元奖励", "对新认定的国家级众创空间给予0万元奖励"),  # two passages, both sides
    ("短", "短句"),                                                            # shorter than SHARED_MIN
    ("", "高新区"),
]
# fmt: on


def difflib_blocks(a: str, b: str, minimum: int) -> list[tuple[int, int, int]]:
    """The two longest of difflib's matching blocks of at least `minimum` characters, in reading order (the definition)."""
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sorted((m.a, m.b, m.size) for m in sorted((m for m in blocks if m.size >= minimum), key=lambda m: (-m.size, m.a))[: wording.PASSAGES])


def found(texts: list[str], pairs: list[tuple[int, int]], minimum: int) -> list[list[tuple[int, int, int]]]:
    blocks = wording.shared_blocks(texts, np.array(pairs), minimum).tolist()
    return [[tuple(b) for b in pair if b[2]] for pair in blocks]


@pytest.mark.parametrize(("a", "b"), EDGES)
@pytest.mark.parametrize("minimum", [1, 2, similarity.SHARED_MIN])
def test_edge_cases_give_difflibs_blocks(a: str, b: str, minimum: int) -> None:
    assert found([a, b], [(0, 1), (1, 0)], minimum) == [difflib_blocks(a, b, minimum), difflib_blocks(b, a, minimum)]


def test_every_pair_of_seed_measures_gives_difflibs_blocks(works) -> None:  # type: ignore[no-untyped-def]
    texts = sorted({m.text for m in similarity.measure_texts(works) if m.text})
    pairs = list(itertools.combinations(range(len(texts)), 2))
    expected = [difflib_blocks(texts[u], texts[v], similarity.SHARED_MIN) for u, v in pairs]
    assert found(texts, pairs, similarity.SHARED_MIN) == expected
    assert sum(len(e) == 2 for e in expected) > 10


def test_no_pairs_give_no_blocks() -> None:
    assert wording.shared_blocks(["甲乙"], np.empty((0, 2), dtype=np.int64), 1).shape == (0, wording.PASSAGES, 3)
