"""Canned CSV downloads are safe to open in a spreadsheet (issue 13, item 5); the SPARQL endpoint's CSV stays the W3C format."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from pyoxigraph import Literal, NamedNode, Quad

from server import create_app
from tests.server.conftest import store_link_of

# Section headings as scraped text may start with them: a spreadsheet would run each as a formula.
# fmt: off
FORMULAS = ["=HYPERLINK(\"http://e/\",\"点击\")", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3", "\t=1", "\r=1"]
# fmt: on
QUERY = """#+ title: {zh: 标题, en: Headings}
#+ description: {zh: 标题, en: Headings}
#+ theme: test
SELECT ?heading ?yuan WHERE { ?s <http://e/heading> ?heading . OPTIONAL { ?s <http://e/yuan> ?yuan } } ORDER BY ?heading
"""


@pytest.fixture(scope="module")
def formula_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    root = tmp_path_factory.mktemp("formulas")
    quads = [Quad(NamedNode(f"http://e/{n}"), NamedNode("http://e/heading"), Literal(text), NamedNode("http://e/g")) for n, text in enumerate(FORMULAS)]
    quads.append(Quad(NamedNode("http://e/0"), NamedNode("http://e/yuan"), Literal("-5000", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
                      NamedNode("http://e/g")))
    queries = root / "queries"
    queries.mkdir()
    (queries / "headings.rq").write_text(QUERY, encoding="utf-8")
    app = create_app({"STORE": store_link_of(root, quads), "TESTING": True, "QUERY_DIR": queries})
    yield app
    app.extensions["gaoxin_executor"].close()


def test_canned_csv_neutralises_formulas_with_a_byte_order_mark_and_a_file_name(formula_app: Flask) -> None:
    response = formula_app.test_client().get("/queries/headings.csv")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data.startswith("\ufeff".encode())
    assert response.headers["Content-Disposition"] == 'attachment; filename="headings.csv"'
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["heading", "yuan"]
    assert sorted(row[0] for row in rows[1:]) == sorted("'" + text for text in FORMULAS)
    assert "-5000" in [row[1] for row in rows[1:]]  # a number stays a number


def test_the_sparql_endpoint_csv_keeps_values_as_the_w3c_format_says(formula_app: Flask) -> None:
    response = formula_app.test_client().get("/sparql", query_string={"query": "SELECT ?h WHERE { ?s <http://e/heading> ?h }"},
                                             headers={"Accept": "text/csv"})
    assert response.status_code == 200 and not response.data.startswith("\ufeff".encode())
    values = [row[0] for row in csv.reader(io.StringIO(response.data.decode("utf-8"), newline=""))][1:]
    assert sorted(values) == sorted(FORMULAS)


def test_the_table_of_canned_queries_is_a_download_too(built_store: Path) -> None:
    response = create_app({"STORE": built_store, "TESTING": True}).test_client().get("/queries.csv")
    assert response.data.startswith("\ufeff".encode()) and 'filename="queries.csv"' in response.headers["Content-Disposition"]
