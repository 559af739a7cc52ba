"""Resources, ontology and dumps over real HTTP (gunicorn), and the evidence quote as a person sees it in Chromium."""

from __future__ import annotations

import gzip
import http.client
from urllib.parse import urlsplit

import pytest
import rdflib
import requests

from tests.server.conftest import screenshot

DOC = "/id/doc/yunzhengfa-2020-36"
INCENTIVE = "/id/doc/yunzhengfa-2020-36/incentive/2-1-1"
QUOTE = "对高新区内新认定的国家重点实验室给予1000万元一次性补助"
ELI = rdflib.Namespace("http://data.europa.eu/eli/ontology#")

# fmt: off
RDF_FORMATS = [
    ("text/turtle",           "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json",   "json-ld"),
]
# fmt: on


def test_identifier_redirects_to_html_over_http(live_server: str) -> None:
    response = requests.get(live_server + DOC, headers={"Accept": "text/html"}, allow_redirects=False, timeout=30)
    assert response.status_code == 303 and response.headers["Location"].endswith("/page/doc/yunzhengfa-2020-36")
    page = requests.get(live_server + DOC, headers={"Accept": "text/html"}, timeout=30)
    assert page.headers["Content-Type"].startswith("text/html") and "云政发〔2020〕36号" in page.text


@pytest.mark.parametrize(("accept", "parser"), RDF_FORMATS)
def test_identifier_negotiates_rdf_over_http(live_server: str, accept: str, parser: str) -> None:
    response = requests.get(live_server + DOC, headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(accept)
    graph = rdflib.Graph().parse(data=response.content, format=parser)
    assert (rdflib.URIRef("https://w3id.org/gaoxin-kg/id/doc/yunzhengfa-2020-36"), ELI.id_local, rdflib.Literal("云政发〔2020〕36号")) in graph


def test_unknown_resource_is_404_over_http(live_server: str) -> None:
    assert requests.get(live_server + "/id/doc/no-such-document", timeout=30).status_code == 404


def raw_get(base: str, path: str) -> tuple[int, bytes]:
    """Send a path byte for byte (requests would normalise the dot segments away)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# fmt: off
@pytest.mark.parametrize("path", [
    "/id/../../etc/passwd", "/id/%2e%2e/%2e%2e/etc/passwd", "/id/..%2f..%2fetc%2fpasswd", "/page/../../../setup.cfg",
    "/dumps/../setup.cfg", "/dumps/%2e%2e/setup.cfg", "/dumps/..%2fsetup.cfg", "/dumps/%2e%2e%2f%2e%2e%2fsetup.cfg",
    "/dumps/..%5csetup.cfg", "/dumps/.lock", "/dumps/void-stats.json",
])
# fmt: on
def test_path_traversal_over_http_never_reaches_a_file(live_server: str, path: str) -> None:
    status, body = raw_get(live_server, path)
    assert status in (400, 404)
    assert b"[metadata]" not in body and b"root:" not in body


def test_dump_and_void_over_http(live_server: str) -> None:
    dump = requests.get(live_server + "/dumps/gaoxin-kg.nq.gz", timeout=60)
    assert dump.status_code == 200 and dump.headers["Content-Type"] == "application/gzip"
    lines = gzip.decompress(dump.content).splitlines()
    void = rdflib.Graph().parse(data=requests.get(live_server + "/.well-known/void", timeout=30).content, format="turtle")
    triples = next(void.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#triples"))).toPython()
    assert len(lines) == triples
    endpoint = next(void.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#sparqlEndpoint")))
    assert str(endpoint) == live_server + "/sparql"


def test_ontology_over_http(live_server: str) -> None:
    response = requests.get(live_server + "/ontology", headers={"Accept": "text/turtle"}, timeout=30)
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    assert rdflib.Literal("激励措施", lang="zh-Hans") in set(graph.objects(rdflib.URIRef("https://w3id.org/gaoxin-kg/ontology#Incentive"), rdflib.RDFS.label))


def test_browser_shows_the_highlighted_quote(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    browser.get(live_server + INCENTIVE)
    mark = browser.find_element(By.CSS_SELECTOR, "figure.quote mark")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", mark)
    assert mark.is_displayed() and mark.size["width"] > 0 and mark.size["height"] > 0
    assert mark.text == QUOTE
    assert mark.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "transparent")
    assert browser.current_url.endswith("/page/doc/yunzhengfa-2020-36/incentive/2-1-1")
    assert browser.find_element(By.TAG_NAME, "h1").text == QUOTE
    screenshot(browser, "resource-page")
