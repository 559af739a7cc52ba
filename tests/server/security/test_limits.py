"""Every query process has a memory ceiling and every answer a byte cap (issue 13, item 2): 413 with a clear message, then a fresh process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from server import create_app

ORDERED_CROSS_PRODUCT = "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y } ORDER BY ?a ?b"  # grows ~430 MB/s unbounded (ENGINE-NOTES)
# One row whose single value is ten million characters: the row cap does not cap bytes.
ONE_HUGE_ROW = (
    'SELECT ?e WHERE { BIND("xxxxxxxxxx" AS ?a) BIND(CONCAT(?a,?a,?a,?a,?a,?a,?a,?a,?a,?a) AS ?b) '
    "BIND(CONCAT(?b,?b,?b,?b,?b,?b,?b,?b,?b,?b) AS ?c) BIND(CONCAT(?c,?c,?c,?c,?c,?c,?c,?c,?c,?c) AS ?d) "
    "BIND(CONCAT(?d,?d,?d,?d,?d,?d,?d,?d,?d,?d) AS ?d2) BIND(CONCAT(?d2,?d2,?d2,?d2,?d2,?d2,?d2,?d2,?d2,?d2) AS ?d3) "
    "BIND(CONCAT(?d3,?d3,?d3,?d3,?d3,?d3,?d3,?d3,?d3,?d3) AS ?e) }"
)
SMALL = "SELECT ?n WHERE { VALUES ?n { 1 2 3 } }"


@pytest.fixture()
def limited_app(built_store: Path) -> Iterator[Flask]:
    """An app whose query processes may use 700 MB of address space and send 2 MB per answer."""
    app = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 20.0, "QUERY_MEMORY_MB": 700, "ANSWER_BYTES": 2_000_000})
    yield app
    app.extensions["gaoxin_executor"].close()


def test_a_query_past_the_memory_limit_is_413_and_its_process_replaced(limited_app: Flask) -> None:
    client = limited_app.test_client()
    assert client.get("/sparql", query_string={"query": SMALL}).status_code == 200
    lanes = limited_app.extensions["gaoxin_executor"].lanes()
    before = set(lanes.pids())
    response = client.get("/sparql", query_string={"query": ORDERED_CROSS_PRODUCT})
    assert response.status_code == 413
    assert "700 MB memory limit of a query process" in response.get_data(as_text=True)
    assert set(lanes.pids()) != before and len(lanes.pids()) == len(before)  # a fresh process took the dead one's place
    again = client.get("/sparql", query_string={"query": SMALL}, headers={"Accept": "application/sparql-results+json"})
    assert again.status_code == 200 and len(json.loads(again.data)["results"]["bindings"]) == 3


def test_one_huge_row_is_413_naming_the_byte_cap(limited_app: Flask) -> None:
    response = limited_app.test_client().get("/sparql", query_string={"query": ONE_HUGE_ROW})
    assert response.status_code == 413
    assert "larger than the 2 MB cap on one answer" in response.get_data(as_text=True)


def test_an_answer_under_the_caps_is_untouched(limited_app: Flask) -> None:
    response = limited_app.test_client().get("/sparql", query_string={"query": ONE_HUGE_ROW.replace("AS ?e)", "AS ?e0) BIND(STRLEN(?e0) AS ?e)")})
    assert response.status_code == 200 and "10000000" in response.get_data(as_text=True)
