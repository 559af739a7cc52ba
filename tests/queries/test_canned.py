"""Every canned query is a well-formed file that parses and runs on the seed graph."""

from __future__ import annotations

import pytest
from pyoxigraph import QuerySolutions

from graph_build import canned
from graph_build.store.access import run_query

QUERIES = canned.load_all()
REQUIRED = {"incentives", "documents", "national-key-lab-funding"}
LOCAL = sorted(name for name, query in QUERIES.items() if not canned.header(query).get("service"))  # federated: tests/server/test_federation.py
# Queries about documents the seeds lack (seeds: false, e.g. 批复) return rows on the whole data/ graph: tests/test_project_data.py.
ON_SEEDS = [name for name in LOCAL if canned.header(QUERIES[name]).get("seeds", True)]


def test_required_queries_exist() -> None:
    assert set(QUERIES) >= REQUIRED


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_header_is_complete(name: str) -> None:
    query = QUERIES[name]
    assert query.title_zh and query.title_en and query.description and query.theme
    for parameter in query.parameters:
        assert f"?{parameter.name}" in query.sparql.split("WHERE")[0], f"{name}: ?{parameter.name} must be projected to be bound"


@pytest.mark.parametrize("name", ON_SEEDS)
def test_runs_on_the_seed_graph_and_returns_rows(name: str, store) -> None:  # type: ignore[no-untyped-def]
    results = run_query(store, QUERIES[name].sparql)
    assert isinstance(results, QuerySolutions)
    assert len(list(results)) > 0


def test_bad_parameters_are_named() -> None:
    query = canned.CannedQuery("q", "题", "Q", "d", "t", (canned.Parameter("year", "integer", "Year"),), "SELECT ?year {}", None)  # type: ignore[arg-type]
    with pytest.raises(canned.ParameterError, match="'year'"):
        canned.bind(query, {"year": "twenty"})
    with pytest.raises(canned.ParameterError, match="colour"):
        canned.bind(query, {"colour": "red"})
    assert canned.bind(query, {"year": "2025"})
