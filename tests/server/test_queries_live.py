"""The home page and the canned-query pages over real HTTP (gunicorn), and in headless Chromium."""

from __future__ import annotations

import csv
import io

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from graph_build import canned
from tests.server.conftest import screenshot

LAB = "https://w3id.org/gaoxin-kg/id/recipient-type/guo-jia-zhong-dian-shi-yan-shi"  # 国家重点实验室
PAGE = "/queries/incentives-for-recipient-type"


def get(base: str, path: str, **kwargs) -> requests.Response:  # type: ignore[no-untyped-def]
    return requests.get(base + path, timeout=30, **kwargs)


def test_list_page_over_http_shows_every_query(live_server: str) -> None:
    response = get(live_server, "/queries")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    for name, query in canned.load_all().items():
        assert f'href="/queries/{name}"' in response.text and query.title_zh in response.text


def test_query_with_a_parameter_over_http(live_server: str) -> None:
    everything = get(live_server, PAGE + ".json").json()["rows"]
    chosen = get(live_server, PAGE + ".json", params={"recipient_type": LAB}).json()["rows"]
    assert len(everything) > len(chosen) == 1
    assert chosen[0]["province"] == "云南省" and chosen[0]["amount_yuan"] == 10000000  # JSON numbers are numbers


def test_csv_and_json_twins_agree_over_http(live_server: str) -> None:
    params = {"recipient_type": LAB}
    from_csv = list(csv.DictReader(io.StringIO(get(live_server, PAGE + ".csv", params=params).content.decode("utf-8-sig"))))
    rows = get(live_server, PAGE, params={**params, "_format": "json"}).json()["rows"]
    from_json = [{k: "" if v is None or v == "" else str(v) for k, v in row.items()} for row in rows]  # typed JSON, text CSV
    assert from_csv == from_json


def test_page_links_its_twins_in_headers_over_http(live_server: str) -> None:
    response = get(live_server, PAGE, params={"recipient_type": LAB}, headers={"Accept": "text/html"})
    links = response.links  # requests parses Link headers by rel; several alternates share one
    assert 'rel="alternate"; type="text/csv"' in response.headers["Link"] and links
    assert get(live_server, PAGE, headers={"Accept": "text/csv"}).headers["Content-Type"].startswith("text/csv")


def test_errors_over_http(live_server: str) -> None:
    bad = get(live_server, PAGE, params={"recipient_type": "nonsense"})
    assert bad.status_code == 400 and "recipient_type" in bad.text
    assert get(live_server, "/queries/no-such-query").status_code == 404


def test_home_over_http_shows_counts(live_server: str) -> None:
    html = get(live_server, "/").text
    assert '<span class="count-value">4</span> <span class="count-label">政策文件 documents</span>' in html


def visible_rows(driver) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.text for row in driver.find_elements(By.CSS_SELECTOR, "table.results tbody tr")]


def test_choosing_a_recipient_type_in_chromium_redraws_table_and_chart(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    browser.get(live_server + PAGE)
    before = visible_rows(browser)
    assert len(before) > 1
    Select(browser.find_element(By.ID, "param-recipient_type")).select_by_visible_text("国家重点实验室")
    browser.find_element(By.CSS_SELECTOR, "form.params button[type=submit]").click()
    WebDriverWait(browser, 15).until(expected_conditions.url_contains("recipient_type="))
    after = visible_rows(browser)
    assert after != before and len(after) == 1
    assert "云南省" in after[0] and "1,000 万元" in after[0]  # amounts shown in 万元 (exact yuan on hover)
    bars = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg rect.bar")
    assert len(bars) == 1 and bars[0].size["width"] > 0 and bars[0].is_displayed()
    assert Select(browser.find_element(By.ID, "param-recipient_type")).first_selected_option.text == "国家重点实验室"
    browser.execute_script("document.querySelector('h1').scrollIntoView()")
    assert screenshot(browser, "canned-query").stat().st_size > 0


def test_home_page_in_chromium(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    browser.get(live_server + "/")
    counts = [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".counts .count-value")]
    assert counts == ["4", "97", "34", "3"]
    assert browser.find_element(By.LINK_TEXT, "预设查询 Canned queries").is_displayed()
    assert screenshot(browser, "home").stat().st_size > 0
