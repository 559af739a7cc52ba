"""The map of China on the home page and the province pages: 31 provinces drawn, coloured by a figure of the graph."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from selenium.webdriver.common.by import By

from server import choropleth
from tests.server.conftest import screenshot

MAP = Path(__file__).parents[2] / "server" / "static" / "map.json"
SEED_DOCUMENTS = {"530000": "2", "130000": "1", "620000": "1"}  # 云南 2 (one work, two scripts, counted once), 河北 1, 甘肃 1


def fills(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-code="([0-9]{6})" d="[^"]*" fill="(#[0-9a-f]{6})"', page))


def test_the_shapes_file_has_the_31_provinces_and_its_source() -> None:
    drawing = json.loads(MAP.read_text(encoding="utf-8"))
    assert len(drawing["provinces"]) == 31 and all(p["d"].startswith("M") for p in drawing["provinces"].values())
    assert "MIT" in drawing["source"] and "MIT License" in (MAP.parent / "map.LICENSE").read_text(encoding="utf-8")
    assert {o["name"] for o in drawing["others"]} == {"台湾", "香港", "澳门"}


def test_the_home_page_colours_the_provinces_with_documents(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    coloured = {code: fill for code, fill in fills(page).items() if fill != choropleth.NO_VALUE}
    assert len(fills(page)) == 31 and set(coloured) == set(SEED_DOCUMENTS)
    assert coloured["530000"] == choropleth.COLOURS[-1] and coloured["130000"] == coloured["620000"] != coloured["530000"]
    assert '<a href="/id/province/yunnan"><path class="map-province"' in page


@pytest.mark.parametrize(("figure", "expected"), [
    ("incentives", {"530000", "620000", "130000"}),
    ("yuan", {"530000", "620000"}),  # 河北's incentives in the seeds name no fixed sum
])
def test_another_figure_colours_other_provinces(client: FlaskClient, figure: str, expected: set[str]) -> None:
    page = client.get("/", query_string={"_map": figure}).get_data(as_text=True)
    assert {code for code, fill in fills(page).items() if fill != choropleth.NO_VALUE} == expected
    assert 'aria-current="true" class="current"' in page and f"?_map={figure}" in page


def test_the_yuan_figure_is_summed_in_wan_yuan(client: FlaskClient) -> None:
    page = client.get("/", query_string={"_map": "yuan"}).get_data(as_text=True)
    table = page.split('<details class="map-table">')[1]
    assert re.search(r"云南省</a></td><td class=\"number\">[0-9,]+ 万元", table)


def test_a_province_page_marks_its_province(client: FlaskClient) -> None:
    page = client.get("/page/province/hebei").get_data(as_text=True)
    assert 'class="map-province highlighted" data-code="130000"' in page and page.count("highlighted") == 1


def test_the_map_in_chromium(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    for width in (1366, 390):
        browser.set_window_size(width, 1000)
        browser.get(live_server + "/")
        provinces = browser.find_elements(By.CSS_SELECTOR, "svg.map-svg path.map-province")
        assert len(provinces) == 31
        drawn = [p for p in provinces if p.size["width"] > 0 and p.size["height"] > 0]
        assert len(drawn) == 31  # every province has a visible shape
        colours = {p.get_attribute("data-code"): p.value_of_css_property("fill") for p in provinces}
        assert colours["530000"] == "rgb(8, 81, 156)" and colours["110000"] == "rgb(243, 244, 246)"
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        browser.execute_script("document.querySelector('.china-map').scrollIntoView()")
        screenshot(browser, f"map-home-{width}")
    browser.set_window_size(1366, 1000)
    browser.get(live_server + "/page/province/yunnan?_map=incentives")
    outline = browser.find_element(By.CSS_SELECTOR, "svg.map-svg path.map-outline")
    assert outline.size["width"] > 0
    browser.execute_script("document.querySelector('.china-map').scrollIntoView()")
    screenshot(browser, "map-province-yunnan-1366")
    browser.set_window_size(1280, 1000)
