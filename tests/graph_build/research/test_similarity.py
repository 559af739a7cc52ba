"""Diffusion: measures of different works that say the same thing are linked, deterministically, with their shared wording."""

from __future__ import annotations

import difflib
import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest

from graph_build.build import driver
from graph_build.records import SimilarityLink
from graph_build.research import similarity

DATA = Path(__file__).parents[3] / "tests" / "data" / "seeds"
AGE_LIMIT = (("jizhengzi-2020-52", "2.1.5"), ("yunzhengfa-2020-36", "2.2"))  # 境外高端人才 … 申请工作许可的年龄可放宽至65岁
JIEBANG = (("yunnan-cd827caa", "2.2.1"), ("yunzhengfa-2020-36", "2.4"))  # 揭榜制 / 揭榜挂帅 … 关键核心技术攻关
# fmt: off
UNRELATED = [
    (("yunzhengfa-2020-36", "2.2"), ("jizhengzi-2020-52", "2.6.3")),   # talent vs. credit and guarantees
    (("gansu-44eca80e", "1.1"), ("yunnan-cd827caa", "2.2.1")),         # founding national zones vs. key technologies
    (("jizhengzi-2020-52", "2.6.4"), ("yunnan-cd827caa", "2.5.3")),    # green zones vs. offshore incubators
    (("yunzhengfa-2020-36", "6.3"), ("gansu-44eca80e", "3.2")),        # science finance vs. training talent
]
# fmt: on
FAKE_NATIONAL = """国务院关于促进测试园区高质量发展的若干意见
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
（虚构测试文本）为检验相似措施关联，编写本虚构测试文件，提出以下意见。
一、集聚创新人才
（一）放宽外籍人才年龄限制。在国家高新区内企业工作的境外高端人才，经市级以上人民政府科技行政部门（外国人来华工作管理部门）批准，申请工作许可的年龄可放宽至65岁。
（二）组织关键核心技术攻关。支持高新区以“揭榜挂帅”等方式组织开展关键核心技术攻关，面向国内外征集解决方案。
二、丰富园区生活
（三）举办园区运动会。每年春季举办一次园区职工运动会，评选优秀志愿者，丰富职工业余生活。
国务院
2099年1月1日
"""


@pytest.fixture(scope="module")
def links(works) -> list[SimilarityLink]:  # type: ignore[no-untyped-def]
    return similarity.diffuse(works)


def pairs(links: list[SimilarityLink]) -> dict[tuple, SimilarityLink]:
    return {(link.left, link.right): link for link in links}


def test_age_limit_for_foreign_talent_is_linked_across_yunnan_and_hebei(links) -> None:  # type: ignore[no-untyped-def]
    link = pairs(links)[AGE_LIMIT]
    assert link.score >= similarity.THRESHOLD
    assert any("65歲" in s.left.quote and "65岁" in s.right.quote for s in link.shared)


def test_jiebang_measures_are_linked(links) -> None:  # type: ignore[no-untyped-def]
    link = pairs(links)[JIEBANG]
    assert any("关键核心技术" in s.left.quote for s in link.shared)


@pytest.mark.parametrize(("a", "b"), UNRELATED)
def test_unrelated_measures_are_not_linked(links, a, b) -> None:  # type: ignore[no-untyped-def]
    assert tuple(sorted((a, b))) not in pairs(links)


def test_links_join_different_works_in_a_fixed_order(links, works) -> None:  # type: ignore[no-untyped-def]
    assert all(link.left[0] != link.right[0] and link.left < link.right for link in links)
    assert links == sorted(links, key=lambda x: (x.left, x.right))
    assert similarity.diffuse(list(reversed(works))) == links


def test_shared_wording_spans_quote_both_sources(links, works) -> None:  # type: ignore[no-untyped-def]
    texts = {w.work.slug: w.work.primary.text for w in works}
    assert all(link.shared for link in links)
    for link in links:
        for shared in link.shared:
            shared.left.check(texts[link.left[0]])
            shared.right.check(texts[link.right[0]])
            assert len(shared.left.quote) >= similarity.SHARED_MIN


def brute_force(works) -> tuple[list, np.ndarray, list[int]]:  # type: ignore[no-untyped-def]
    """Score every pair of seed measures, as diffuse orders them."""
    measures = sorted((m for m in similarity.measure_texts(works) if m.text), key=lambda m: m.key)
    slugs = sorted({m.key[0] for m in measures})
    matrix = similarity.vectors([m.text for m in measures])
    return measures, (matrix @ matrix.T).toarray(), [slugs.index(m.key[0]) for m in measures]


def test_links_are_every_pair_brute_force_finds_when_k_does_not_bind(links, works) -> None:  # type: ignore[no-untyped-def]
    measures, all_scores, work_ids = brute_force(works)
    brute = {(measures[i].key, measures[j].key) for i, j in itertools.combinations(range(len(measures)), 2)
             if work_ids[i] != work_ids[j] and all_scores[i, j] >= similarity.THRESHOLD}
    assert {(link.left, link.right) for link in links} == brute
    assert len(brute) == 47


@pytest.mark.parametrize(("threshold", "k"), [(0.1, 1), (0.05, 2), (0.02, 3)])
def test_each_measure_keeps_its_k_nearest_of_other_works(works, threshold: float, k: int) -> None:  # type: ignore[no-untyped-def]
    measures, all_scores, work_ids = brute_force(works)
    expected = set()
    for i in range(len(measures)):
        ranked = sorted((-all_scores[i, j], j) for j in range(len(measures)) if work_ids[j] != work_ids[i] and all_scores[i, j] >= threshold)
        expected |= {(min(i, j), max(i, j)) for _, j in ranked[:k]}
    found = similarity.nearest([m.text for m in measures], work_ids, threshold, k)
    assert set(found) == expected
    assert len(expected) > 10


def test_identical_measures_collapse_to_k_links_each() -> None:
    text = "支持高新区以揭榜挂帅等方式组织开展关键核心技术攻关"
    found = similarity.nearest([text] * 2000, list(range(2000)))
    assert len(found) <= 2000 * similarity.K
    assert {j for (i, j) in found if i == 0} >= {1, 2, 3, 4, 5}
    assert {i for (i, j) in found if j == 1999} == {0, 1, 2, 3, 4}
    assert set(found.values()) == {1.0}


def test_frequent_ngrams_make_no_candidates_but_still_count_in_the_score(works) -> None:  # type: ignore[no-untyped-def]
    measures, all_scores, work_ids = brute_force(works)
    matrix = similarity.vectors([m.text for m in measures])
    every = similarity.candidate_pairs(matrix, np.array(work_ids), similarity.THRESHOLD, df_cap=len(measures), per_row=len(measures))
    rare = similarity.candidate_pairs(matrix, np.array(work_ids), similarity.THRESHOLD, df_cap=2, per_row=len(measures))
    assert 0 < len(rare) < len(every) / 4
    assert np.allclose(similarity.scores(matrix, rare), all_scores[rare[:, 0], rare[:, 1]], atol=1e-5)


def test_shared_wording_is_the_two_longest_matching_blocks(links, works) -> None:  # type: ignore[no-untyped-def]
    texts = {m.key: m.text for m in similarity.measure_texts(works)}
    for link in links:
        blocks = difflib.SequenceMatcher(None, texts[link.left], texts[link.right], autojunk=False).get_matching_blocks()
        longest = sorted((b for b in blocks if b.size >= similarity.SHARED_MIN), key=lambda b: (-b.size, b.a))[: similarity.PASSAGES]
        assert similarity.longest_blocks(texts[link.left], texts[link.right]) == sorted((b.a, b.b, b.size) for b in longest)


def test_normalisation_masks_places_digits_and_punctuation(works) -> None:  # type: ignore[no-untyped-def]
    measure = next(m for m in similarity.measure_texts(works) if m.key == ("yunzhengfa-2020-36", "2.2"))
    assert "#高层次人才引进计划" in measure.text and "放宽至0岁" in measure.text
    assert "云南" not in measure.text and "," not in measure.text and "负责" not in measure.text


def test_national_directive_articles_link_to_the_provincial_measures_that_echo_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA / "raw", data / "raw")
    shutil.copytree(DATA / "annotations", data / "annotations")
    (data / "raw" / "900_fake_national.txt").write_text(FAKE_NATIONAL, encoding="utf-8")
    works = driver.annotated_works(data)
    (national,) = [w.work.slug for w in works if w.work.identities[0].national]
    sides = [(a, b) for link in similarity.diffuse(works) for a, b in ((link.left, link.right), (link.right, link.left))]
    linked = {(other, path) for (slug, path), other in sides if slug == national}
    assert (AGE_LIMIT[0], "1.1") in linked and (AGE_LIMIT[1], "1.1") in linked
    assert (JIEBANG[1], "1.2") in linked
    assert not any(path == "2.1" for _, path in linked)  # the sports day echoes nothing


def test_candidates_do_not_depend_on_how_many_rows_are_taken_at_a_time(works, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The rows are searched in blocks (CANDIDATE_ROWS) to bound the product's memory; each row's candidates are its own."""
    measures, _, work_ids = brute_force(works)
    matrix = similarity.vectors([m.text for m in measures])
    whole = similarity.candidate_pairs(matrix, np.array(work_ids), similarity.THRESHOLD, df_cap=5, per_row=3)
    monkeypatch.setattr(similarity, "CANDIDATE_ROWS", 7)
    blocks = similarity.candidate_pairs(matrix, np.array(work_ids), similarity.THRESHOLD, df_cap=5, per_row=3)
    assert len(matrix.indptr) - 1 > 7 * 3 and len(whole) > 10
    assert np.array_equal(whole, blocks)
