"""Place: real issuers and titles of the development corpus, placed in their city, county or province."""

from __future__ import annotations

import pytest

from graph_build import reference
from graph_build.text.place import province_of_zones, zone_place


# fmt: off
@pytest.mark.parametrize(("value", "province", "code"), [
    ("西安市人民政府办公厅",                 None,     "610100"),
    ("深圳市人民代表大会常务委员会",         None,     "440300"),
    ("苏州市人民代表大会常务委员会",         None,     "320500"),
    ("成都市人民政府关于…",                  "510000", "510100"),
    ("江苏省人民政府",                       "320000", None),      # a provincial issuer names no division
    ("省政府关于同意江苏省江阴经济开发区…",  "320000", None),
])
# fmt: on
def test_issuer_or_title_opens_with_a_division(value: str, province: str | None, code: str | None) -> None:
    found = reference.division_at_start(value, province)
    assert (found.code if found else None) == code


# fmt: off
@pytest.mark.parametrize(("words", "code"), [
    ("2017年合肥", "340100"),   # 2017年合肥高新区支持产业发展若干政策措施
    ("江阴",       "320281"),   # 江阴高新区 lies in the county-level city 江阴市
])
# fmt: on
def test_a_zone_lies_in_the_division_its_name_ends_with(words: str, code: str) -> None:
    found = zone_place(words, None)
    assert found is not None and found.code == code


def test_a_title_about_a_provinces_zones_gives_the_province() -> None:
    from graph_build.records import Identity

    found = province_of_zones(Identity(title_text="关于促进广西高新技术产业开发区高质量发展的若干措施"))
    assert found is not None and found.short_name == "广西"
    assert province_of_zones(Identity(title_text="关于加快推进绿色经济发展的措施")) is None
