"""The /sparql editor in headless Chromium: YASGUI loads from this server only, runs a query and shows the table."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.server.conftest import screenshot

QUERY = """PREFIX eli: <http://data.europa.eu/eli/ontology#>
SELECT ?document ?doc_number WHERE { ?document eli:id_local ?doc_number } ORDER BY ?doc_number"""


def test_the_editor_runs_a_query_and_shows_the_results_table(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    browser.get(live_server + "/sparql")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return !!(window.gaoxinYasgui && window.gaoxinYasgui.getTab())"))
    names = browser.execute_script("return Object.values(window.gaoxinYasgui._tabs).map(t => t.getName())")
    assert "政策文件一览" in names and len(names) >= 4  # the default tab and the canned queries
    first = browser.execute_script("return window.gaoxinYasgui.getTab().getQuery()")
    assert "PREFIX eli: <http://data.europa.eu/eli/ontology#>" in first
    browser.execute_script("window.gaoxinYasgui.getTab().setQuery(arguments[0])", QUERY)
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    WebDriverWait(browser, 30).until(lambda d: "云政发〔2020〕36号" in d.find_element(By.CSS_SELECTOR, ".yasr").text)
    rows = browser.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr")
    assert len(rows) == 4
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(url.startswith(live_server) for url in resources), resources
    browser.execute_script("document.querySelector('.yasr').scrollIntoView({block: 'center'})")
    screenshot(browser, "sparql-editor")
