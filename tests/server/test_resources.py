"""Dereferenceable resources (/id/ → 303 → /page/): content negotiation, pages with quoted evidence, 404, escaping."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest
import rdflib
from flask.testing import FlaskClient
from pyoxigraph import Literal, NamedNode, Quad, Store

from server import create_app, describe, display, negotiation, ontology_doc
from tests.server.conftest import store_link_of

ID = "https://w3id.org/gaoxin-kg/id/"
DOC = "/id/doc/yunzhengfa-2020-36"
INCENTIVE = "/id/doc/yunzhengfa-2020-36/incentive/2-1-1"
ZONE = "/id/zone/gansu/lan-zhou-gao-xin-qu"
ELI = rdflib.Namespace("http://data.europa.eu/eli/ontology#")

# fmt: off
RDF_FORMATS = [
    # (Accept, media type answered, rdflib parser)
    ("text/turtle",           "text/turtle",           "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json",   "application/ld+json",   "json-ld"),
    ("application/rdf+xml",   "application/rdf+xml",   "xml"),
]
# fmt: on


@pytest.mark.parametrize("module", [display, negotiation, ontology_doc])
def test_doctests(module) -> None:  # type: ignore[no-untyped-def]
    assert doctest.testmod(module).failed == 0


def test_identifier_answers_303_to_the_html_document(client: FlaskClient) -> None:
    response = client.get(DOC, headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/page/doc/yunzhengfa-2020-36"
    assert "Accept" in response.headers["Vary"]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "云南省人民政府关于促进高新技术产业开发区高质量发展的实施意见" in page.text
    assert "云政发〔2020〕36号" in page.text


@pytest.mark.parametrize(("accept", "media_type", "parser"), RDF_FORMATS)
def test_identifier_negotiates_rdf(client: FlaskClient, accept: str, media_type: str, parser: str) -> None:
    response = client.get(DOC, headers={"Accept": accept}, follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == media_type
    parsed = rdflib.Graph().parse(data=response.data, format=parser)
    assert (rdflib.URIRef(ID + "doc/yunzhengfa-2020-36"), ELI.id_local, rdflib.Literal("云政发〔2020〕36号")) in parsed


# fmt: off
@pytest.mark.parametrize(("path", "location"), [
    (DOC + ".ttl",               "/page/doc/yunzhengfa-2020-36.ttl"),
    (DOC + "?format=nt",         "/page/doc/yunzhengfa-2020-36.nt"),
    (DOC + "?_format=jsonld",    "/page/doc/yunzhengfa-2020-36.jsonld"),
    (DOC + ".html",              "/page/doc/yunzhengfa-2020-36"),
])
# fmt: on
def test_suffix_and_format_parameter_override_accept(client: FlaskClient, path: str, location: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 303 and response.headers["Location"] == location


def test_document_urls_serve_one_format_each(client: FlaskClient) -> None:
    assert client.get("/page/doc/yunzhengfa-2020-36.ttl").mimetype == "text/turtle"
    assert client.get("/page/doc/yunzhengfa-2020-36", headers={"Accept": "text/turtle"}).mimetype == "text/html"
    assert client.get("/page/doc/yunzhengfa-2020-36?format=nt").mimetype == "application/n-triples"
    quads = client.get("/page/doc/yunzhengfa-2020-36.nq").text
    assert f"<{ID}doc/yunzhengfa-2020-36/graph> ." in quads


def test_html_page_links_its_rdf_twins(client: FlaskClient) -> None:
    response = client.get("/page/doc/yunzhengfa-2020-36")
    assert '</page/doc/yunzhengfa-2020-36.ttl>; rel="alternate"; type="text/turtle"' in response.headers["Link"]
    assert 'href="/page/doc/yunzhengfa-2020-36.jsonld"' in response.text


def test_unknown_format_and_unacceptable_type(client: FlaskClient) -> None:
    assert client.get(DOC + "?format=docx").status_code == 406
    assert client.get(DOC, headers={"Accept": "image/png"}).status_code == 406


def test_incentive_page_highlights_the_quoted_words(client: FlaskClient) -> None:
    page = client.get(INCENTIVE, follow_redirects=True).text
    assert "<mark>对高新区内新认定的国家重点实验室给予1000万元一次性补助</mark>" in page
    assert "国家重点实验室给予1000万元一次性补助" in page.split("<mark>")[1].split("</mark>")[0]
    assert "002_eb9a3bdd4a792803.txt" in page and "[680, 709)" in page
    assert "优先支持高新区建设省级以上创新平台和重大科技基础设施。" in page  # the words before the span
    assert "10,000,000 元" in page and "1000万元" in page


def test_incentive_rdf_carries_its_evidence(client: FlaskClient) -> None:
    parsed = rdflib.Graph().parse(data=client.get(INCENTIVE + ".ttl", follow_redirects=True).data, format="turtle")
    exact = rdflib.URIRef("http://www.w3.org/ns/oa#exact")
    assert rdflib.Literal("对高新区内新认定的国家重点实验室给予1000万元一次性补助") in set(parsed.objects(None, exact))


def test_zone_page_shows_its_industries_and_province(client: FlaskClient) -> None:
    page = client.get(ZONE, follow_redirects=True).text
    assert "<h1>兰州高新区</h1>" in page
    for industry in ("生物医药", "新材料"):
        assert f">{industry}</a>" in page
    assert "甘肃省" in page and "gx:priorityIndustry" in page
    assert "<mark>兰州高新区</mark>" in page


def test_page_shows_named_graphs_and_inbound_links(client: FlaskClient) -> None:
    page = client.get(ZONE, follow_redirects=True).text
    assert 'href="/id/graph/entities"' in page and 'href="/id/doc/gansu-44eca80e/graph"' in page
    assert "gx:mentionsZone" in page


def test_inbound_links_are_capped_with_a_count(app, client: FlaskClient) -> None:  # type: ignore[no-untyped-def]
    store = Store.read_only(app.extensions["gaoxin_graph"].current().location)
    description = describe.describe(store, ID + "province/yunnan", app.config["BASE_IRI"], describe.Limits(inbound=3))
    assert len(description.inbound) == 3 and description.inbound_total > 3


def test_named_graph_page_counts_its_statements(client: FlaskClient) -> None:
    page = client.get("/id/graph/entities", follow_redirects=True)
    assert page.status_code == 200 and "命名图 Named graph" in page.text


def test_unknown_resource_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/id/doc/no-such-document", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "未找到" in response.text
    assert client.get("/page/doc/no-such-document.ttl").status_code == 404


# fmt: off
TRAVERSALS = [
    "/id/../../etc/passwd", "/id/..%2f..%2fetc%2fpasswd", "/id/%2e%2e/%2e%2e/etc/passwd", "/page/../../setup.cfg",
    "/dumps/../setup.cfg", "/dumps/%2e%2e/setup.cfg", "/dumps/..%2fsetup.cfg", "/dumps/%2e%2e%2fsetup.cfg",
    "/dumps/.lock", "/dumps/void-stats.json", "/ontology.ttl/../../setup.cfg", "/id/%3Cscript%3E",
]
# fmt: on


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_never_reaches_a_file(client: FlaskClient, path: str) -> None:
    response = client.get(path, follow_redirects=True)
    assert response.status_code in (400, 404)
    assert "[metadata]" not in response.text and "root:" not in response.text


@pytest.fixture()
def evil_client(tmp_path: Path) -> FlaskClient:
    """A client on a tiny store whose label and source text hold markup, as a scraped page may."""
    return create_app({"STORE": store_link_of(tmp_path, evil_quads()), "TESTING": True}).test_client()


def evil_quads() -> list[Quad]:
    gx, oa, eli = "https://w3id.org/gaoxin-kg/ontology#", "http://www.w3.org/ns/oa#", "http://data.europa.eu/eli/ontology#"
    doc, span, expression, file = (NamedNode(ID + p) for p in ("doc/evil", "doc/evil/zh-hans/span/5-48", "doc/evil/zh-hans", "doc/evil/zh-hans/file"))
    text = "<b>前文<script>alert('quote')</script>补助<img src=x onerror=alert(1)>后文"
    graph = NamedNode(ID + "doc/evil/graph")
    triples = [
        (doc, NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), Literal("<script>alert('label')</script>", language="zh-Hans")),
        (doc, NamedNode(gx + "evidence"), span),
        (span, NamedNode(oa + "hasSource"), expression),
        (span, NamedNode(oa + "hasSelector"), NamedNode(span.value + "/position")),
        (NamedNode(span.value + "/position"), NamedNode(oa + "start"), Literal(5)),
        (NamedNode(span.value + "/position"), NamedNode(oa + "end"), Literal(48)),
        (expression, NamedNode(eli + "is_embodied_by"), file),
        (file, NamedNode(gx + "sourceText"), Literal(text)),
    ]
    return [Quad(s, p, o, graph) for s, p, o in triples]


def test_markup_in_data_is_escaped(evil_client: FlaskClient) -> None:
    page = evil_client.get("/id/doc/evil", follow_redirects=True).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt;" in page
    assert "<mark>&lt;script&gt;alert(&#39;quote&#39;)&lt;/script&gt;补助&lt;img src=x</mark>" in page


def test_term_views_format_numbers_with_their_surface_text() -> None:
    gx = "https://w3id.org/gaoxin-kg/ontology#"
    siblings = {gx + "minimumText": "5000万元"}
    assert display.readable_value(gx + "minimumYuan", "50000000", display.XSD + "decimal", siblings) == ("50,000,000 元", "5000万元")
    assert display.readable_value(gx + "ratePercent", "10", display.XSD + "decimal", {}) == ("10 %", None)


def documented_routes(app, blueprint: str, docstring: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Return the routes of a blueprint whose fixed part its module docstring does not mention."""
    rules = [r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith(blueprint + ".")]
    return [rule for rule in rules if rule.split("<")[0] not in docstring]


def test_every_resource_route_is_documented(app) -> None:  # type: ignore[no-untyped-def]
    from server import resources

    assert documented_routes(app, "resources", resources.__doc__ or "") == []
