"""Zones in the sentences of real replies, bulletins and plans (development corpus), one rule a row.

Each row is a sentence as the analysis view has it (simplified script) and the zones
it names; the rules are 公文 conventions (lists of cities with a count, renamed
zones, the kinds of high-tech zone), not the wording of one document.
"""

from __future__ import annotations

import pytest

from graph_build.extract.mentions import find_zones
from graph_build.records import Segment, Span


def zones_in(text: str) -> list[str]:
    segment = Segment("1", 1, None, None, Span.of(text, 0, len(text)))
    return [z.name for z in find_zones(text, segment)]


# fmt: off
ROWS = [
    # 辽宁 2017 规划: two lists of cities, each closed by a count and a level
    ("目前,全省有沈阳、大连、鞍山8个国家级高新区和抚顺、丹东、铁岭7个省级高新区,国家级高新区数量居于全国前列。",
     ["沈阳高新区", "大连高新区", "鞍山高新区", "抚顺高新区", "丹东高新区", "铁岭高新区"]),
    # 国函〔1992〕169号: 在…等N个城市建立国家高新技术产业开发区
    ("同意在苏州、无锡、常州、佛山等二十五个城市建立国家高新技术产业开发区。",
     ["苏州高新区", "无锡高新区", "常州高新区", "佛山高新区"]),
    # 国函 2018: a zone upgraded and given a new name; the old name is no zone mention
    ("同意潜江高新技术产业园区升级为国家高新技术产业开发区,定名为潜江高新技术产业开发区。", ["潜江高新区"]),
    # 闽政文〔2012〕444号: renamed
    ("同意将福建南靖高新技术产业园区更名为漳州高新技术产业园区。", ["漳州高新技术产业园区"]),
    # 国函 2018: 申报 A 为 B
    ("你省关于申报潜江高新技术产业园区为国家高新技术产业开发区的请示收悉。", []),
    # 皖 2019 通报: a province and a city before the kind
    ("安徽阜阳界首高新技术产业开发区、安徽黄山高新技术产业开发区综合排名提升。", ["阜阳界首高新区", "黄山高新区"]),
    # 国函 2018: a county-level city inside a prefecture
    ("同意九江共青城高新技术产业园区升级为国家高新技术产业开发区,定名为九江共青城高新技术产业开发区。", ["九江共青城高新区"]),
    # 河南 2011 通报: 高新技术产业集聚区
    ("授予郑州高新技术产业集聚区等10个产业集聚区称号。", ["郑州高新技术产业集聚区"]),
    # 国务院公报 2022: the agricultural kind keeps its words
    ("同意将黑龙江建三江国家农业科技园区建设为黑龙江佳木斯国家农业高新技术产业示范区。", ["佳木斯国家农业高新技术产业示范区"]),
    # 广西 2021: the province's zones as a whole are no zone; 会同 (together with) is no county here
    ("大力激发广西高新技术产业开发区创新活力。", []),
    ("省科技厅会同高新区管委会组织实施。", []),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), ROWS)
def test_zones_in_real_sentences(text: str, expected: list[str]) -> None:
    assert zones_in(text) == expected


@pytest.mark.xfail(strict=True, reason="a city's former name (襄樊, now 襄阳) is not in the gazetteer's names")
def test_gap_former_city_name_in_a_list() -> None:
    assert zones_in("同意在襄樊、株洲等二十五个城市建立国家高新技术产业开发区。") == ["襄樊高新区", "株洲高新区"]


@pytest.mark.xfail(strict=True, reason="经济开发区 and 工业园区 are left out, even when a reply makes them 民营科技园")
def test_gap_other_kinds_of_zone() -> None:
    assert zones_in("同意南昌昌东工业园区为省级民营科技园。") == ["南昌昌东工业园区"]
