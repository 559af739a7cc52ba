"""Entity pages open with a summary (server/summary.py), inbound links come grouped and paged, JSON-LD has a @context."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask.testing import FlaskClient
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, parse

from server import create_app, summary

LINK = "/page/similarity/jizhengzi-2020-52/2-1-5/yunzhengfa-2020-36/2-2"


def test_a_province_lists_its_documents_figures_and_largest_sums(client: FlaskClient) -> None:
    html = client.get("/page/province/yunnan").get_data(as_text=True)
    figures = dict((name, int(n)) for n, name in re.findall(r'<span class="figure">(\d+)</span> ([^<]+)</li>', html))
    assert figures["文件 documents"] == 2 and figures["激励 incentives"] > 0
    assert '<a href="/id/doc/yunzhengfa-2020-36">云南省人民政府关于促进高新技术产业开发区高质量发展的实施意见</a>' in html
    sums = html.split("金额最大的激励 Largest sums", 1)[1].split("</table>", 1)[0]
    assert 'title="20,000,000 元">最高 up to 2,000 万元</td>' in sums


def test_a_measure_shows_its_incentives_inline(client: FlaskClient) -> None:
    html = client.get("/page/doc/yunzhengfa-2020-36/part/3-2").get_data(as_text=True)
    incentives = html.split("激励 Incentives", 1)[1].split("</table>", 1)[0]
    for words in ("最高 up to 500 万元", "10 %", "采购方", "补助", "未说明 unspecified", "对采购方按照成交金额的10%给予补助，最高可补助500万元"):
        assert words in incentives


def test_a_similarity_link_shows_both_measures_with_the_shared_wording_marked(client: FlaskClient) -> None:
    html = client.get(LINK).get_data(as_text=True)
    sides = re.findall(r'<article class="side">(.*?)</article>', html, flags=re.S)
    assert len(sides) == 2
    marked = [re.findall(r'<mark class="shared">(.*?)</mark>', side) for side in sides]
    assert any("年龄可放宽至65岁" in m for m in marked[1]) and any("年齡可放寬至65歲" in m for m in marked[0])


def test_inbound_links_are_grouped_by_property_and_paged(built_store: Path) -> None:
    client = create_app({"STORE": built_store, "TESTING": True, "RESOURCE_INBOUND_CAP": 10, "QUERY_PROCESSES": 1}).test_client()
    first = client.get("/page/province/yunnan").get_data(as_text=True)
    second = client.get("/page/province/yunnan?_page=1").get_data(as_text=True)
    assert "gx:inProvince</a> <small class=\"muted\">所在省份</small> <small class=\"muted\">(29)</small>" in first
    assert "Showing 1–10 of 29." in first and "Showing 11–20 of 29." in second
    assert '<a rel="next" href="?_page=1#inbound-1">' in first and '<a rel="prev" href="?_page=0#inbound-1">' in second
    rows = lambda html: set(re.findall(r'<details[^>]*id="inbound-1">.*?</details>', html, flags=re.S)[0].split("<tr>")[2:])  # noqa: E731
    assert not rows(first) & rows(second)


def test_json_ld_has_a_context_and_the_same_triples_as_n_triples(client: FlaskClient) -> None:
    body = client.get("/page/doc/yunzhengfa-2020-36/part/3-2.jsonld").data
    document = json.loads(body)
    assert document["@context"]["eli"] == "http://data.europa.eu/eli/ontology#" and "eli:is_part_of" in document["@graph"][0]
    triples = client.get("/page/doc/yunzhengfa-2020-36/part/3-2.nt").data
    assert set(map(str, parse(body, format=RdfFormat.JSON_LD))) == set(map(str, parse(triples, format=RdfFormat.N_TRIPLES)))


def test_a_province_with_many_documents_lists_the_newest_and_says_how_many() -> None:
    base, eli = "https://w3id.org/gaoxin-kg/", "http://data.europa.eu/eli/ontology#"
    province, graph = NamedNode(base + "id/province/test"), NamedNode(base + "id/graph/test")
    store = Store()
    for day in range(1, 56):  # 55 documents signed on consecutive days of January and February 2021
        document = NamedNode(f"{base}id/doc/test-{day}")
        signed = Literal(f"2021-{1 + (day - 1) // 31:02d}-{1 + (day - 1) % 31:02d}", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date"))
        for predicate, value in (("jurisdiction", province), ("is_realized_by", NamedNode(f"{document.value}/zh-hans")),
                                 ("title", Literal(f"文件{day}")), ("date_document", signed)):
            store.add(Quad(document, NamedNode(eli + predicate), value, graph))
    found = summary.summarise(store, province.value, base)
    assert found is not None
    documents = found.sections[0]
    assert dict(found.figures)["文件 documents"] == "55" and documents.total == 55 and len(documents.rows) == 50
    assert [row[0].text for row in documents.rows[:2]] == ["文件55", "文件54"] and "all 55 are under Inbound links" in documents.note
