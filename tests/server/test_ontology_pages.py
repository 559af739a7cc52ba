"""/ontology: HTML documentation of ontology/gaoxin.ttl with an anchor per term, Turtle and RDF/XML by negotiation, the SHACL shapes."""

from __future__ import annotations

import re

import pytest
import rdflib
from flask.testing import FlaskClient

from tests.server.conftest import ROOT

GX = rdflib.Namespace("https://w3id.org/gaoxin-kg/ontology#")


def term_section(page: str, anchor: str) -> str:
    """Cut one term's section out of the ontology page."""
    match = re.search(rf'<section class="term" id="{re.escape(anchor)}">(.*?)</section>', page, re.S)
    assert match, f"no section for #{anchor}"
    return match.group(1)


def test_incentive_is_documented_with_both_labels(client: FlaskClient) -> None:
    page = client.get("/ontology", headers={"Accept": "text/html"}).text
    section = term_section(page, "Incentive")
    assert "gx:Incentive" in section and "激励措施" in section and "incentive" in section
    assert "who receives what" in section


# fmt: off
@pytest.mark.parametrize(("anchor", "expected"), [
    ("Grant",              ['href="#Incentive"']),                                         # subclass of
    ("Incentive",          ['href="#Grant"']),                                             # its subclasses
    ("inMeasure",          ['href="#Incentive"', " ⊔ ", 'href="#NumericProvision"', "functional"]),  # a union domain
    ("eli:LegalResource",  ["法律资源（作品）", "legal resource (work)"]),                   # a reused term, anchored by prefixed name
    ("Final",              ['href="#StatusScheme"', "正式文件"]),                           # a concept of a gx scheme
])
# fmt: on
def test_terms_carry_their_axioms_as_links(client: FlaskClient, anchor: str, expected: list[str]) -> None:
    section = term_section(client.get("/ontology").text, anchor)
    for text in expected:
        assert text in section


def test_every_declared_gx_term_has_an_anchor(client: FlaskClient) -> None:
    page = client.get("/ontology").text
    graph = rdflib.Graph().parse(data=client.get("/ontology.ttl").data, format="turtle")
    gx_terms = {s for s in graph.subjects(rdflib.RDF.type, None) if isinstance(s, rdflib.URIRef) and s.startswith(str(GX))}
    assert len(gx_terms) > 30
    for term in gx_terms:
        assert f'id="{term.removeprefix(str(GX))}"' in page


# fmt: off
@pytest.mark.parametrize(("path", "accept", "parser"), [
    ("/ontology", "text/turtle", "turtle"),
    ("/ontology", "application/rdf+xml", "xml"),
    ("/ontology.ttl", "text/html", "turtle"),
    ("/ontology.rdf", "text/html", "xml"),
    ("/ontology?format=nt", "text/html", "nt"),
])
# fmt: on
def test_ontology_negotiates_rdf(client: FlaskClient, path: str, accept: str, parser: str) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.data, format=parser)
    labels = set(graph.objects(GX.Incentive, rdflib.RDFS.label))
    assert rdflib.Literal("激励措施", lang="zh-Hans") in labels and rdflib.Literal("incentive", lang="en") in labels


def test_ontology_turtle_is_the_file_as_written(client: FlaskClient) -> None:
    response = client.get("/ontology.ttl")
    assert response.mimetype == "text/turtle" and response.data == (ROOT / "ontology" / "gaoxin.ttl").read_bytes()


def test_shapes_are_served(client: FlaskClient) -> None:
    response = client.get("/ontology/shapes.ttl")
    assert response.mimetype == "text/turtle"
    shapes = rdflib.Graph().parse(data=response.data, format="turtle")
    assert any(shapes.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#NodeShape")))


def test_unknown_ontology_suffix_is_404(client: FlaskClient) -> None:
    assert client.get("/ontology.exe").status_code == 404


def test_resource_pages_link_terms_to_their_anchors(client: FlaskClient) -> None:
    page = client.get("/page/doc/yunzhengfa-2020-36/incentive/2-1-1").text
    assert 'href="/ontology#Incentive"' in page and 'href="/ontology#amountYuan"' in page
    assert 'href="/ontology#prov:wasGeneratedBy"' in page
