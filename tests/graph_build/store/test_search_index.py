"""The search index a build writes inside each store version: folded script, facets, snippets from the original text."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from graph_build.store import search_index
from graph_build.store.search_index import INDEX_FILE, SearchUnavailable

ID = "https://w3id.org/gaoxin-kg/id/"


def test_the_build_writes_the_index_inside_the_version_it_indexes(built_store: Path) -> None:
    version = built_store.resolve()
    assert (version / INDEX_FILE).is_file()
    with sqlite3.connect(version / INDEX_FILE) as connection:
        kinds = dict(connection.execute("SELECT kind, COUNT(*) FROM entry GROUP BY kind").fetchall())
    connection.close()
    assert kinds == {"document": 4, "measure": 97}  # the seeds: 4 documents with an expression, 97 measures


def test_a_simplified_query_finds_the_traditional_document(built_store: Path) -> None:
    results = search_index.search(built_store.resolve(), "国家重点实验室", {})
    documents = {hit.document for hit in results.hits}
    assert ID + "doc/jizhengzi-2020-52" in documents  # only in traditional script in the seeds
    traditional = next(hit for hit in results.hits if hit.document == ID + "doc/jizhengzi-2020-52")
    assert traditional.snippet[1] == "國家重點實驗室"  # the match is cut from the original text
    assert traditional.kind == "measure" and traditional.iri.startswith(ID + "doc/jizhengzi-2020-52/part/")


def test_a_traditional_query_finds_the_simplified_document(built_store: Path) -> None:
    results = search_index.search(built_store.resolve(), "國家重點實驗室", {})
    assert ID + "doc/yunzhengfa-2020-36" in {hit.document for hit in results.hits}


def test_facets_narrow_the_hits_and_count_over_them(built_store: Path) -> None:
    everything = search_index.search(built_store.resolve(), "补助", {})
    provinces = {value.value: value.count for value in everything.facets["province"]}
    assert set(provinces) >= {ID + "province/hebei", ID + "province/yunnan"}
    narrowed = search_index.search(built_store.resolve(), "补助", {"province": [ID + "province/hebei"]})
    assert narrowed.total == provinces[ID + "province/hebei"] < everything.total
    assert {hit.document for hit in narrowed.hits} == {ID + "doc/jizhengzi-2020-52"}
    assert [value.selected for value in narrowed.facets["province"]] == [True]


@pytest.mark.parametrize(("query", "found"), [("补助", True), ("高新区 补助", True), ("补助 不存在的词语", False)])
def test_every_term_must_occur(built_store: Path, query: str, found: bool) -> None:
    assert (search_index.search(built_store.resolve(), query, {}).total > 0) is found


def test_a_version_without_an_index_says_so(tmp_path: Path) -> None:
    with pytest.raises(SearchUnavailable, match="no search index"):
        search_index.search(tmp_path, "补助", {})


def test_the_entries_read_from_each_rendered_document_are_those_read_from_the_whole_store(built_store: Path, tmp_path: Path) -> None:
    """The build's index comes from the workers' renderings (`read_entries` on each document's checked quads); read back from the
    loaded version instead, it holds the same entries, facets and folded texts."""
    from tests.graph_build.store.test_incremental import index_entries

    copied = tmp_path / "version"
    shutil.copytree(built_store.resolve(), copied, ignore=shutil.ignore_patterns(INDEX_FILE))
    assert search_index.write(copied) == 4 + 97
    assert index_entries(copied) == index_entries(built_store.resolve())
