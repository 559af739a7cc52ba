"""/search: the page and its JSON twin over the seed graph's index, and a search typed into the header in Chromium."""

from __future__ import annotations

from flask.testing import FlaskClient
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.server.conftest import SCREENSHOTS, screenshot

ID = "https://w3id.org/gaoxin-kg/id/"


def test_the_json_twin_lists_hits_and_facets(client: FlaskClient) -> None:
    answer = client.get("/search.json", query_string={"q": "国家重点实验室"})
    assert answer.status_code == 200
    assert ID + "doc/jizhengzi-2020-52" in {hit["document"] for hit in answer.json["hits"]}
    assert {value["label"] for value in answer.json["facets"]["province"]} == {"云南省", "河北省"}


def test_a_facet_link_narrows_and_unknown_parameters_are_ignored(client: FlaskClient) -> None:
    answer = client.get("/search.json", query_string={"q": "补助", "province": ID + "province/hebei", "from": "singlemessage"})
    assert answer.status_code == 200
    assert {hit["document"] for hit in answer.json["hits"]} == {ID + "doc/jizhengzi-2020-52"}


def test_a_measure_hit_links_to_the_measure_page(client: FlaskClient) -> None:
    page = client.get("/search", query_string={"q": "國家重點實驗室"}).get_data(as_text=True)
    assert 'href="/id/doc/yunzhengfa-2020-36/part/' in page and "<mark>国家重点实验室</mark>" in page


def test_an_overlong_query_or_a_bad_page_gets_400_naming_the_parameter(client: FlaskClient) -> None:
    long = client.get("/search", query_string={"q": "字" * 201})
    assert long.status_code == 400 and "at most 200" in long.get_data(as_text=True)
    answer = client.get("/search", query_string={"q": "补助", "_page": "two"})
    assert answer.status_code == 400 and "_page" in answer.get_data(as_text=True)


def test_a_simplified_query_typed_in_the_header_finds_the_traditional_document(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    browser.set_window_size(1366, 1000)
    browser.get(live_server + "/")
    box = browser.find_element(By.CSS_SELECTOR, "header.site .site-search input[name=q]")
    box.send_keys("国家重点实验室", Keys.ENTER)
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "li.hit"))
    hits = browser.find_elements(By.CSS_SELECTOR, "li.hit")
    assert any("國家重點實驗室" in hit.find_element(By.CSS_SELECTOR, "mark").text for hit in hits)
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(browser, "search-1366")
    browser.find_element(By.CSS_SELECTOR, ".facet[data-facet=province] a[href*='hebei']").click()
    WebDriverWait(browser, 20).until(lambda d: "hebei" in d.current_url)
    assert {h.find_element(By.CSS_SELECTOR, ".hit-doc a").get_attribute("href").rsplit("/", 1)[1]
            for h in browser.find_elements(By.CSS_SELECTOR, "li.hit-measure")} == {"jizhengzi-2020-52"}
    browser.set_window_size(390, 900)
    browser.get(live_server + "/search?q=%E8%A1%A5%E5%8A%A9")
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(browser, "search-390")
    browser.set_window_size(1280, 1000)
    assert (SCREENSHOTS / "search-390.png").is_file()


def test_markup_in_an_indexed_title_is_escaped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from graph_build.store import search_index
    from server import create_app
    from tests.server.conftest import store_link_of
    from tests.server.test_hostile import evil_quads

    link = store_link_of(tmp_path, evil_quads())
    assert search_index.write(link.resolve()) == 1
    page = create_app({"STORE": link, "TESTING": True}).test_client().get("/search", query_string={"q": "恶意标题"}).get_data(as_text=True)
    assert "<mark>恶意标题</mark>" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not any(raw in page for raw in ("<script>alert", "<img src=x", "<svg onload"))
