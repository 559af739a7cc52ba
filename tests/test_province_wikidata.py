"""The Wikidata items of the 31 provinces: each from a stored, licensed source, cited in its row, never guessed."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from graph_build import reference

SCRIPT = Path(__file__).parents[1] / "data" / "reference" / "make_province_wikidata.py"


def script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_province_wikidata", SCRIPT)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_every_province_has_its_own_item_and_cites_where_it_came_from() -> None:
    provinces = reference.provinces()
    assert len({p.wikidata for p in provinces if p.wikidata}) == 31
    for province in provinces:
        assert re.fullmatch(r"Q[1-9][0-9]*", province.wikidata), province
        assert "dr5hn/countries-states-cities-database csv/states.csv (ODbL-1.0) at 7fda0afd, row CN-" in province.source, province


# fmt: off
def test_the_items_checked_before_this_table_kept_their_values() -> None:
    by_name = {p.name: p.wikidata for p in reference.provinces()}
    assert (by_name["河北省"], by_name["云南省"], by_name["甘肃省"]) == ("Q21208", "Q43194", "Q42392")


def test_a_name_whose_rows_disagree_gets_no_item() -> None:
    rows = [
        {"native": "云南省", "wikiDataId": "Q43194", "iso3166_2": "CN-YN"},
        {"native": "重庆市", "wikiDataId": "Q11725", "iso3166_2": "CN-CQ"},
        {"native": "重庆市", "wikiDataId": "Q17917", "iso3166_2": "CN-CQ"},
        {"native": "台湾", "wikiDataId": "", "iso3166_2": "CN-TW"},
    ]
    assert script().items_by_name(rows) == {"云南省": ("Q43194", "CN-YN")}
# fmt: on


def test_a_province_the_source_does_not_name_keeps_an_empty_cell() -> None:
    table = [{"name": "北京市", "wikidata": "Q1", "source": "x"}]
    assert script().filled(table, {})[0]["wikidata"] == ""
