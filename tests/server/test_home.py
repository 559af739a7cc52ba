"""The home page: what the dataset is, its size counted from the graph, and the ways in."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from graph_build import canned
from graph_build.store.access import run_query

COUNTS = {
    "政策文件 documents": "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d eli:is_realized_by ?e }",
    "政策措施 measures": "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a gx:Measure }",
    "激励措施 incentives": "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a gx:Incentive }",
    "省份 provinces": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?d eli:is_realized_by ?e ; eli:jurisdiction ?p }",
}
PREFIXES = "PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#>\nPREFIX eli: <http://data.europa.eu/eli/ontology#>\n"


@pytest.fixture(scope="module")
def home(app) -> str:  # type: ignore[no-untyped-def]
    response = app.test_client().get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("label", COUNTS)
def test_home_shows_counts_from_the_graph(home: str, store, label: str) -> None:  # type: ignore[no-untyped-def]
    expected = next(iter(run_query(store, PREFIXES + COUNTS[label])))["n"].value
    assert f'<span class="count-value">{expected}</span> <span class="count-label">{label}</span>' in home


def test_seed_graph_counts(home: str) -> None:
    for value, label in (("4", "documents"), ("97", "measures"), ("34", "incentives"), ("3", "provinces")):
        assert f'<span class="count-value">{value}</span> <span class="count-label">' in home and label in home


def test_home_says_what_the_dataset_is_in_both_languages(home: str) -> None:
    assert "高新区政策知识图谱" in home and "A knowledge graph of China's high-tech zone policies" in home
    assert "每一个事实都链接到它所依据的原文字句" in home and "Every fact links back to the exact words" in home


@pytest.mark.parametrize("path", ["/queries", "/sparql", "/ontology", "/dumps/"])
def test_home_links_the_ways_in(home: str, path: str) -> None:
    assert f'href="{path}"' in home


def test_home_lists_every_canned_query_by_theme(home: str) -> None:
    for name, query in canned.load_all().items():
        assert f'href="/queries/{name}"' in home and query.title_zh in home
    assert "资金激励" in home and "Money and incentives" in home


def test_home_is_html_for_browsers(client: FlaskClient) -> None:
    assert client.get("/", headers={"Accept": "text/html"}).mimetype == "text/html"
