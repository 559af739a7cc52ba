"""Federation: a canned query joins our provinces with a second, real SPARQL server's Wikidata-shaped data through SERVICE."""

from __future__ import annotations

import csv
import doctest
import io
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from pyoxigraph import Store

from graph_build import canned
from server import create_app, federation, sparql_text
from tests.server.conftest import screenshot, serving
from tests.server.engines import wikidata_sample_serving

NAME = "provinces-wikidata-population"
WIKIDATA = "https://query.wikidata.org/sparql"
# fmt: off
EXPECTED = [  # (our province, Wikidata's label, test population), by population, largest first
    ("云南省", "云南省", "3000000"),
    ("河北省", "河北省", "2000000"),
    ("甘肃省", "甘肃省", "1000000"),
]
# fmt: on


@pytest.fixture(scope="module")
def wikidata_sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Wikidata-shaped test sample in `oxigraph serve-read-only` on loopback; yields its query endpoint URL."""
    with wikidata_sample_serving(tmp_path_factory.mktemp("wikidata-sample")) as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def federating_server(built_store: Path, wikidata_sample: str) -> Iterator[str]:
    """Our server allowed to call the sample endpoint, which stands in for Wikidata under the query's name for it."""
    prefix = wikidata_sample.removesuffix("query")
    options = ("--service-allow", prefix, "--service-endpoint", f"wikidata={wikidata_sample}", "--workers", "1", "--threads", "2")
    with serving(built_store, *options) as base:
        yield base


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_query_declares_the_endpoint_it_calls_and_stays_plain_sparql() -> None:
    query = canned.load_all()[NAME]
    assert federation.services(query) == {"wikidata": WIKIDATA}
    assert [c.endpoint for c in sparql_text.service_clauses(query.sparql)] == [WIKIDATA]


def test_rewrite_swaps_only_the_service_iri(wikidata_sample: str) -> None:
    query = canned.load_all()[NAME]
    text = federation.prepare(query, {"wikidata": wikidata_sample})
    assert [c.endpoint for c in sparql_text.service_clauses(text)] == [wikidata_sample]
    assert text.replace(f"<{wikidata_sample}>", f"<{WIKIDATA}>") == query.sparql
    assert federation.prepare(query, {}) == query.sparql
    assert doctest.testmod(federation).failed == 0


def test_the_canned_csv_joins_our_provinces_with_the_external_data(federating_server: str) -> None:
    response = requests.get(f"{federating_server}/queries/{NAME}.csv", timeout=60)
    assert response.status_code == 200, response.text
    rows = csv_rows(response.content.decode("utf-8-sig"))
    assert [(r["province_name"], r["wikidata_label"], r["population"]) for r in rows] == EXPECTED
    assert {r["division_code"] for r in rows} == {"53", "62", "13"}
    assert all(int(r["documents"]) >= 1 and r["item"].startswith("http://www.wikidata.org/entity/Q") for r in rows)
    assert "not-one-of-ours" not in response.text


def test_the_canned_page_shows_the_joined_rows(federating_server: str) -> None:
    response = requests.get(f"{federating_server}/queries/{NAME}", timeout=60)
    html = response.text
    assert response.status_code == 200
    assert "3000000" in html and "Q43194" in html and "维基数据" in html


def test_sparql_endpoint_runs_service_to_the_allowed_endpoint_only(federating_server: str, wikidata_sample: str) -> None:
    pattern = "<http://www.wikidata.org/entity/Q42392> <http://www.wikidata.org/prop/direct/P442> ?code"
    query = f"SELECT ?code WHERE {{ SERVICE <{wikidata_sample}> {{ {pattern} }} }}"
    allowed = requests.get(f"{federating_server}/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert allowed.status_code == 200 and allowed.json()["results"]["bindings"] == [{"code": {"type": "literal", "value": "62"}}]
    elsewhere = requests.get(f"{federating_server}/sparql", params={"query": query.replace("127.0.0.1", "127.0.0.2")}, timeout=60)
    assert elsewhere.status_code == 400 and "SERVICE" in elsewhere.text


@pytest.mark.parametrize("config", [
    {},  # no allow-list, no endpoint configured: the Wikidata IRI is refused before anything is sent
    {"SERVICE_ENDPOINTS": {"wikidata": "http://127.0.0.1:9/query"}},  # an endpoint configured but not allowed
    {"SERVICE_ALLOW": ("http://127.0.0.1:1/",), "SERVICE_ENDPOINTS": {"wikidata": "http://127.0.0.1:9/query"}},  # allowed elsewhere only
])
def test_without_the_allow_list_the_page_says_federation_is_off(built_store: Path, config: dict) -> None:
    client = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 5.0, **config}).test_client()
    page = client.get(f"/queries/{NAME}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200  # a page a person can use: the query, and a way to run it on Wikidata
    assert "联邦查询未开启" in html and "Federation is not enabled" in html and "--service-allow" in html
    endpoint = config.get("SERVICE_ENDPOINTS", {}).get("wikidata", WIKIDATA)
    assert f"wikidata &lt;{endpoint}&gt;" in html
    as_csv = client.get(f"/queries/{NAME}.csv")
    assert as_csv.status_code == 400 and "Federation is not enabled" in as_csv.get_data(as_text=True)


def test_the_page_offers_the_query_on_the_wikidata_query_service(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get(f"/queries/{NAME}").get_data(as_text=True)
    link = unescape(re.search(r'class="button wikidata-run" href="([^"]+)"', html).group(1))  # type: ignore[union-attr]
    assert link.startswith("https://query.wikidata.org/#")
    standalone = unquote(link.split("#", 1)[1])
    assert "SERVICE" not in standalone  # it runs on Wikidata alone
    items = re.findall(r"\(<http://www.wikidata.org/entity/(Q[0-9]+)> \"([^\"]+)\"@zh-hans ([0-9]+)\)", standalone)
    assert sorted(items) == [("Q21208", "河北省", "1"), ("Q42392", "甘肃省", "1"), ("Q43194", "云南省", "2")]  # the seeds' provinces
    assert list(Store().query(standalone)) == []  # valid SPARQL 1.1 (an empty store has no Wikidata facts)
    assert 'href="https://query.wikidata.org/#' in html and "Q43194" in html


def test_the_federation_page_in_chromium(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    for width in (1366, 390):
        browser.set_window_size(width, 1000)
        browser.get(f"{live_server}/queries/{NAME}")
        button = browser.find_element(By.CSS_SELECTOR, "a.wikidata-run")
        assert button.is_displayed() and button.get_attribute("href").startswith("https://query.wikidata.org/#")
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(browser, f"federation-off-{width}")
    browser.set_window_size(1280, 1000)
