"""The document reader, readable canned tables and the site-wide error page: over Flask's client and in headless Chromium."""

from __future__ import annotations

import re
import time

import pytest
from flask.testing import FlaskClient
from selenium.webdriver.common.by import By

from server.reader import Mark, nest
from tests.conftest import ROOT
from tests.server.conftest import screenshot

DOC = "/page/doc/yunzhengfa-2020-36"
LAB_GRANT = "对高新区内新认定的国家重点实验室给予1000万元一次性补助"


def test_the_reader_shows_the_metadata_header(client: FlaskClient) -> None:
    html = client.get(DOC).get_data(as_text=True)
    header = html.split('<dl class="document-meta">', 1)[1].split("</dl>", 1)[0]
    for words in ("云政发〔2020〕36号", "云南省人民政府", "2020-12-29", "2021-01-05", "云南省", "国务院关于促进国家高新技术产业开发区高质量发展的若干意见"):
        assert words in header
    assert '<a class="other-script" href="/id/doc/yunzhengfa-2020-36/zh-hant" lang="zh-Hant">繁體 Traditional</a>' in header


def test_the_contents_link_to_anchors_in_the_text(client: FlaskClient) -> None:
    html = client.get(DOC).get_data(as_text=True)
    anchors = re.findall(r'<a href="#(part-[\d-]+)">', html)
    assert len(anchors) == 28 and anchors[:3] == ["part-1", "part-2", "part-2-1"]
    assert all(f'id="{a}"' in html for a in anchors)


def test_incentives_are_marked_and_linked_where_they_stand(client: FlaskClient) -> None:
    text = client.get(DOC).get_data(as_text=True).split('<div class="text"', 1)[1]
    incentives = re.findall(r'<a class="hl incentive" href="/id/doc/yunzhengfa-2020-36/incentive/[\d-]+"[^>]*>(.*?)</a>', text, flags=re.S)
    assert LAB_GRANT in [re.sub(r"<[^>]+>", "", words) for words in incentives]
    assert '<a class="hl department" href="/id/org/yunnan/' in text and '<a class="hl industry" href="/id/industry/' in text


def test_the_other_script_reads_the_traditional_text(client: FlaskClient) -> None:
    html = client.get("/page/doc/yunzhengfa-2020-36/zh-hant").get_data(as_text=True)
    assert '<div class="text" lang="zh-Hant">' in html and "雲" in html
    assert '<a class="other-script" href="/id/doc/yunzhengfa-2020-36/zh-hans" lang="zh-Hans">简体 Simplified</a>' in html


def test_nesting_cuts_a_span_that_crosses_its_outer_one() -> None:
    pieces = nest("甲乙丙丁戊", [Mark(0, 3, "incentive"), Mark(2, 5, "zone")])
    assert [p.mark.kind if p.mark else p.text for p in pieces] == ["incentive", "丁戊"]
    assert [(c.mark.kind + ":" + c.children[0].text if c.mark else c.text) for c in pieces[0].children] == ["甲乙", "zone:丙"]


@pytest.mark.parametrize("url", ["/nothing-here", "/queries/no-such-query", "/id/no/such/thing"])
def test_not_found_is_a_styled_bilingual_page(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "未找到 Not found" in html and '<section class="error-page">' in html and 'href="/sparql"' in html


def test_rdf_of_a_resource_allows_any_origin(client: FlaskClient) -> None:
    assert client.get(DOC + ".ttl").headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/id/doc/yunzhengfa-2020-36").headers["Access-Control-Allow-Origin"] == "*"


# -- in Chromium ----------------------------------------------------------------------------


def no_sideways_scroll(browser) -> bool:  # type: ignore[no-untyped-def]
    return browser.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_reader_in_chromium(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    for width in (1366, 390):
        browser.set_window_size(width, 900)
        browser.get(live_server + DOC + "#part-2-1")
        headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "main h1, main h2")]
        assert headings[0] == "云南省人民政府关于促进高新技术产业开发区高质量发展的实施意见"
        assert "目录 Contents" in headings and "全文 Full text" in headings
        marks = browser.find_elements(By.CSS_SELECTOR, ".text .hl.incentive")
        assert len(marks) == 12 and any(LAB_GRANT in m.text for m in marks)
        assert browser.find_elements(By.CSS_SELECTOR, ".text a.hl.department[href^='/id/org/yunnan/']")
        assert no_sideways_scroll(browser)
        screenshot(browser, f"reader-{width}")
    browser.find_element(By.CSS_SELECTOR, "nav.toc a[href='#part-3']").click()
    assert browser.execute_script("return location.hash") == "#part-3"


def test_a_canned_table_in_chromium(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    for width in (1366, 390):
        browser.set_window_size(width, 900)
        browser.get(live_server + "/queries/largest-incentives")
        headers = [th.get_attribute("textContent").strip() for th in browser.find_elements(By.CSS_SELECTOR, "table.results th")]
        assert headers[0].startswith("金额") and any(h.startswith("原文") for h in headers)
        quotes = [td for td in browser.find_elements(By.CSS_SELECTOR, "table.results td.long") if td.is_displayed()]
        assert quotes and all(q.rect["x"] + q.rect["width"] <= width for q in quotes)
        assert "甘肃省科技厅关于促进高新技术产业开发区高质量发展的若干措施" in browser.find_element(By.CSS_SELECTOR, "table.results").text
        assert no_sideways_scroll(browser)
        browser.execute_script("document.querySelector('table.results').scrollIntoView()")
        screenshot(browser, f"canned-table-{width}")
    browser.set_window_size(1366, 900)
    first = browser.find_element(By.CSS_SELECTOR, "table.results tbody td.money").text
    browser.find_element(By.CSS_SELECTOR, "table.results th[data-column='yuan'] button").click()
    assert browser.find_element(By.CSS_SELECTOR, "table.results tbody td.money").text != first  # sorted ascending now


def test_the_error_page_in_chromium(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    browser.set_window_size(390, 900)
    browser.get(live_server + "/nothing-here")
    assert browser.find_element(By.CSS_SELECTOR, ".error-status").text == "404"
    assert "There is no page at /nothing-here" in browser.find_element(By.CSS_SELECTOR, ".error-message").text
    assert no_sideways_scroll(browser)
    screenshot(browser, "error-404-390")


def test_dropped_site_text_is_folded_behind_a_toggle(client: FlaskClient) -> None:
    html = client.get("/page/doc/yunzhengfa-2020-36/zh-hant").get_data(as_text=True)
    dropped = re.findall(r'<span class="dropped">(.*?)</span>', html, flags=re.S)
    assert len(dropped) == 17 and any("熱搜詞" in line for line in dropped)
    assert 'id="show-dropped"' in html


def test_the_toggle_shows_the_dropped_lines_in_chromium(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    browser.set_window_size(1366, 900)
    browser.get(live_server + "/page/doc/yunzhengfa-2020-36/zh-hant")
    text = browser.find_element(By.CSS_SELECTOR, ".full-text .text")
    assert "熱搜詞" not in text.text and "各州、市人民政府" in text.text
    browser.find_element(By.ID, "show-dropped").click()
    assert "熱搜詞" in text.text
    screenshot(browser, "reader-dropped-shown-1366")


WIDER_THAN_THE_WINDOW = """return Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)} px`)"""


def test_no_canned_page_scrolls_sideways(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """Once its layout has settled (within a second: under the full suite's load one page was measured wide once, and
    never again alone), no canned page is wider than the window; a wide one is named with what sticks out, and shot."""
    names = sorted(path.stem for path in (ROOT / "queries").glob("*.rq"))
    wide = []
    for width in (1366, 390):
        browser.set_window_size(width, 900)
        for name in names:
            browser.get(f"{live_server}/queries/{name}")
            for _ in range(10):
                if no_sideways_scroll(browser):
                    break
                time.sleep(0.1)
            else:
                wide.append((width, name, browser.execute_script(WIDER_THAN_THE_WINDOW)))
                screenshot(browser, f"wide-{name}-{width}")
    assert len(names) > 20 and wide == []


def test_no_link_stands_inside_another(client: FlaskClient) -> None:
    text = client.get(DOC).get_data(as_text=True).split('<div class="text"', 1)[1].split("</div>", 1)[0]
    depth, deepest = 0, 0
    for tag in re.findall(r"<a\b|</a>", text):
        depth += 1 if tag == "<a" else -1
        deepest = max(deepest, depth)
    assert deepest == 1 and depth == 0
    assert '<span class="hl incentive"><a class="mark-link" href="/id/doc/yunzhengfa-2020-36/incentive/' in text
