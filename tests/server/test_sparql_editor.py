"""The /sparql editor in headless Chromium: YASGUI loads from this server only, runs a query and shows the table;
"open in the editor" links and short links open their query on a fresh load; the examples list filters and opens."""

from __future__ import annotations

import re
from html import unescape

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.server.conftest import screenshot

QUERY = """PREFIX eli: <http://data.europa.eu/eli/ontology#>
SELECT ?document ?doc_number WHERE { ?document eli:id_local ?doc_number } ORDER BY ?doc_number"""
HEBEI = "https://w3id.org/gaoxin-kg/id/province/hebei"


def editor_ready(browser) -> None:  # type: ignore[no-untyped-def]
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return !!(window.gaoxinYasgui && window.gaoxinYasgui.getTab())"))


def run_query(browser) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Press the query button of the current tab and wait for its result table."""
    browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasqe_queryButton").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr table tbody tr"))
    return browser.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr table tbody tr")


def test_the_editor_runs_a_query_and_shows_the_results_table(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    browser.get(live_server + "/sparql")
    editor_ready(browser)
    names = browser.execute_script("return Object.values(window.gaoxinYasgui._tabs).map(t => t.getName())")
    assert names == ["查询 Query"]  # the canned queries are a list beside the editor, not tabs
    first = browser.execute_script("return window.gaoxinYasgui.getTab().getQuery()")
    assert "PREFIX eli: <http://data.europa.eu/eli/ontology#>" in first
    browser.execute_script("window.gaoxinYasgui.getTab().setQuery(arguments[0])", QUERY)
    rows = run_query(browser)
    assert len(rows) == 4 and "云政发〔2020〕36号" in browser.find_element(By.CSS_SELECTOR, ".yasr").text
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".yasr table tbody a")]
    assert links and all(link.startswith(live_server + "/id/doc/") for link in links), links  # this graph's IRIs open here
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(url.startswith(live_server) for url in resources), resources
    browser.execute_script("document.querySelector('.yasr').scrollIntoView({block: 'center'})")
    screenshot(browser, "sparql-editor")


def test_open_in_the_editor_runs_the_canned_query_with_its_parameter(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    page = requests.get(live_server + "/queries/instrument-mix-by-province", params={"province": HEBEI}, timeout=30).text
    link = unescape(re.search(r'href="(/sparql#query=[^"]*)"', page).group(1))  # type: ignore[union-attr]
    expected = requests.get(live_server + "/queries/instrument-mix-by-province.json", params={"province": HEBEI}, timeout=30).json()["rows"]
    browser.get("about:blank")  # a fresh load, not a hash change on an open editor
    browser.get(live_server + link)
    editor_ready(browser)
    query = browser.execute_script("return window.gaoxinYasgui.getTab().getQuery()")
    assert "instrument" in query and f"VALUES (?province) {{ (<{HEBEI}>) }}" in query
    rows = run_query(browser)
    assert len(rows) == len(expected) > 0
    assert "河北省" in rows[0].text and "云南省" not in browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr").text
    screenshot(browser, "sparql-editor-from-canned-page")


def test_a_short_link_opens_its_query_on_a_fresh_load(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    browser.get(live_server + "/sparql")
    editor_ready(browser)
    browser.execute_script("window.gaoxinYasgui.getTab().setQuery(arguments[0])", QUERY)
    url = browser.execute_async_script(
        "const done = arguments[arguments.length - 1]; const yasqe = window.gaoxinYasgui.getTab().getYasqe();"
        "yasqe.config.createShortLink(yasqe, location.href).then(done, e => done('failed: ' + e));"
    )
    assert re.fullmatch(re.escape(live_server) + r"/sparql\?_q=[a-z2-7]{16}", url), url
    browser.get("about:blank")
    browser.get(url)
    editor_ready(browser)
    assert browser.execute_script("return window.gaoxinYasgui.getTab().getQuery()") == QUERY
    assert len(run_query(browser)) == 4


def test_the_examples_list_filters_and_opens_a_canned_query(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    browser.set_window_size(1366, 1000)
    browser.get(live_server + "/sparql")
    editor_ready(browser)
    items = browser.find_elements(By.CSS_SELECTOR, "#examples li")
    assert len(items) >= 20
    browser.find_element(By.ID, "example-filter").send_keys("政策文件一览")
    visible = [item for item in items if item.is_displayed()]
    assert len(visible) == 1 and "政策文件一览" in visible[0].text
    visible[0].find_element(By.TAG_NAME, "button").click()
    assert browser.execute_script("return window.gaoxinYasgui.getTab().getName()") == "政策文件一览"
    assert "eli:LegalResource" in browser.execute_script("return window.gaoxinYasgui.getTab().getQuery()")
    assert len(run_query(browser)) >= 4
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(browser, "sparql-editor-1366")
    browser.set_window_size(390, 900)
    browser.get(live_server + "/sparql")
    editor_ready(browser)
    screenshot(browser, "sparql-editor-390")
    browser.set_window_size(1280, 1000)
