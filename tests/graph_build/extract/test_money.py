"""Tests for graph_build.extract.money: reading sums of money as exact yuan."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph_build.extract.money import find_money, parse_money

MULTIPLIERS = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}

# fmt: off
PARSED = [
    ("1000万元", "10000000"),
    ("5000万元", "50000000"),
    ("200万元", "2000000"),
    ("1.5亿元", "150000000"),
    ("20万元", "200000"),
    ("300万", "3000000"),
    ("5万元", "50000"),
    ("500元", "500"),
    ("0.5万元", "5000"),
    ("1,000万元", "10000000"),
    ("5千万元", "50000000"),
    ("一千万元", "10000000"),
    ("两亿元", "200000000"),
    ("二十万元", "200000"),
    ("十万元", "100000"),
    ("一百零五万元", "1050000"),
    ("一亿五千万元", "150000000"),
    ("千亿", "100000000000"),
]

NOT_MONEY = ["500", "万元", "元", "", "1.2.3万元", "12三万元", "30%", "10万人", "abc元"]

FOUND = [
    ("对高新区内新认定的国家重点实验室给予1000万元一次性补助", ["1000万元"]),
    ("对新认定的高新技术企业、省级科技创新型企业分别给予一次性奖补20万元、5万元", ["20万元", "5万元"]),
    ("对进入全国排名前40、年度排名提升10位以上的国家高新区分别一次性给予1000万元、500万元研发经费支持", ["1000万元", "500万元"]),
    ("给予最高300万资金支持,带动10万人就业,培育1万家企业", ["300万"]),
    ("最高奖励300万,每年安排5亿元专项资金", ["300万", "5亿元"]),
    ("2023年高新区数量达到20家,占比30%", []),
]
# fmt: on


@pytest.mark.parametrize(("surface", "yuan"), PARSED)
def test_parse_money_reads_yuan(surface: str, yuan: str) -> None:
    money = parse_money(surface)
    assert money is not None
    assert money.surface == surface
    assert money.yuan == Decimal(yuan)
    assert isinstance(money.yuan, Decimal)


@pytest.mark.parametrize("surface", NOT_MONEY)
def test_parse_money_refuses_non_money(surface: str) -> None:
    assert parse_money(surface) is None


@given(
    n=st.decimals(min_value=0, max_value=10**12, places=4, allow_nan=False, allow_infinity=False),
    unit=st.sampled_from(sorted(MULTIPLIERS)),
)
def test_parse_money_scales_any_decimal(n: Decimal, unit: str) -> None:
    money = parse_money(format(n, "f") + unit)
    assert money is not None
    assert money.yuan == n * MULTIPLIERS[unit]


@pytest.mark.parametrize(("text", "surfaces"), FOUND)
def test_find_money_finds_sums_only(text: str, surfaces: list[str]) -> None:
    found = find_money(text, 0, len(text))
    assert [money.surface for _, _, money in found] == surfaces
    for start, end, money in found:
        assert text[start:end] == money.surface


def test_find_money_keeps_to_the_range_and_whole_text_offsets() -> None:
    text = "给予100万元补助;给予200万元奖励"
    found = find_money(text, 10, len(text))
    assert [(start, end, money.yuan) for start, end, money in found] == [(12, 17, Decimal(2_000_000))]
