"""The seed graph end to end: what the spine issue says must hold after `gaoxin-kg build`."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

from graph_build.build import driver
from graph_build.store.access import open_read_only, run_query
from graph_build.text import group
from graph_build.vocab import sparql_prefixes
from tests.conftest import DATA
from tests.graph_build.research.test_similarity import FAKE_NATIONAL


def select(store, query: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    solutions = run_query(store, sparql_prefixes() + query)
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in solutions]


def test_five_files_give_four_documents(store) -> None:  # type: ignore[no-untyped-def]
    rows = select(store, "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a eli:LegalResource ; eli:is_realized_by ?e }")
    assert rows == [{"n": "4"}]


def test_yunnan_is_one_work_with_two_scripts_both_in_yunnan(store) -> None:  # type: ignore[no-untyped-def]
    rows = select(
        store,
        """SELECT ?script ?file ?province WHERE {
             ?d eli:id_local "云政发〔2020〕36号" ; eli:is_realized_by ?e ; eli:jurisdiction/skos:prefLabel ?province .
             ?e gx:script ?script ; eli:is_embodied_by/gx:fileName ?file .
             FILTER(langMatches(lang(?province), "zh-Hans")) } ORDER BY ?script""",
    )
    assert rows == [
        {"script": "zh-Hans", "file": "002_eb9a3bdd4a792803.txt", "province": "云南省"},
        {"script": "zh-Hant", "file": "000_eca2655ae364cb45.txt", "province": "云南省"},
    ]


def test_no_place_or_label_carries_the_converter_artefact(store) -> None:  # type: ignore[no-untyped-def]
    rows = select(
        store,
        """SELECT ?s ?label WHERE {
             ?s ?p ?label . FILTER(isLiteral(?label) && (CONTAINS(?label, "快遞大陸") || CONTAINS(?label, "快递大陆")))
             FILTER(?p NOT IN (gx:sourceText, oa:exact, oa:prefix, oa:suffix)) }""",
    )
    assert rows == []


def test_three_documents_implement_the_state_council_directive(store) -> None:  # type: ignore[no-untyped-def]
    rows = select(store, 'SELECT DISTINCT ?d WHERE { ?d eli:ensures_implementation_of/eli:id_local "国发〔2020〕7号" }')
    assert len(rows) == 3


def test_every_span_quotes_the_text_at_its_offsets(store) -> None:  # type: ignore[no-untyped-def]
    # SPARQL's SUBSTR counts characters (code points) from 1, as our offsets count them from 0.
    rows = select(
        store,
        """SELECT (COUNT(?span) AS ?all) (SUM(IF(SUBSTR(?text, ?start + 1, ?end - ?start) = ?exact, 1, 0)) AS ?equal) WHERE {
             ?span oa:hasSource/eli:is_embodied_by/gx:sourceText ?text ;
                   oa:hasSelector [ oa:start ?start ; oa:end ?end ] , [ oa:exact ?exact ] }""",
    )
    assert int(rows[0]["all"]) > 300
    assert rows[0]["equal"] == rows[0]["all"]


def test_every_fact_has_evidence(store) -> None:  # type: ignore[no-untyped-def]
    rows = select(
        store,
        """SELECT ?fact WHERE {
             VALUES ?class { gx:Incentive gx:QuantitativeTarget gx:NumericProvision gx:HighTechZone gx:Measure }
             ?fact a ?class . FILTER NOT EXISTS { ?fact gx:evidence ?span } }""",
    )
    assert rows == []
    orgs = select(store, "SELECT ?o WHERE { ?m gx:responsibleOrganization ?o . FILTER NOT EXISTS { ?o gx:evidence ?s } }")
    assert orgs == []


def test_departments_are_province_specific(store) -> None:  # type: ignore[no-untyped-def]
    rows = select(
        store,
        """SELECT DISTINCT ?label WHERE { ?m gx:responsibleOrganization|gx:mentionsOrganization ?o .
             ?o skos:prefLabel ?label . FILTER(STRENDS(?label, "省科技厅")) } ORDER BY ?label""",
    )
    assert {r["label"] for r in rows} >= {"云南省科技厅", "河北省科技厅", "甘肃省科技厅"}


def test_departments_belong_to_the_government_only_where_the_addressee_says_so(store) -> None:  # type: ignore[no-untyped-def]
    rows = select(
        store,
        """SELECT ?government (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o org:subOrganizationOf/skos:prefLabel ?government }
           GROUP BY ?government ORDER BY ?government""",
    )
    governments = {r["government"] for r in rows}
    assert governments == {"云南省人民政府", "河北省人民政府"}  # 甘肃's measures have no addressee line


def test_a_national_directive_builds_with_the_country_as_jurisdiction(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA / "raw", data / "raw")
    (data / "raw" / "900_fake_national.txt").write_text(FAKE_NATIONAL, encoding="utf-8")
    driver.build(data, tmp_path / "store")
    rows = select(
        open_read_only(tmp_path / "store"),
        """SELECT ?doc ?evidence ?other WHERE {
             ?doc eli:jurisdiction <https://w3id.org/gaoxin-kg/id/country/china> ; gx:provinceEvidence ?evidence .
             ?measure eli:is_part_of ?doc . ?link oa:hasTarget ?measure , ?other_measure . ?other_measure eli:is_part_of ?other .
             FILTER(?other != ?doc) }""",
    )
    assert {row["evidence"] for row in rows} <= {"issuer opens with 国务院", "title opens with 国务院"}  # its title opens with the issuer
    assert len({row["other"] for row in rows}) >= 2  # its articles echo measures of at least two provincial documents


def test_each_raw_file_is_read_once_per_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA / "raw", data / "raw")
    opened: list[str] = []
    real_open = io.open

    def counting_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(str(file)).parent == data / "raw":
            opened.append(Path(str(file)).name)
        return real_open(file, *args, **kwargs)

    def counting_os_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]  # read.read_limited opens with os.open (non-blocking)
        # text/confine.py opens a raw file by its name relative to a descriptor of raw/ (dir_fd), never by its path
        folder = Path(os.readlink(f"/proc/self/fd/{kwargs['dir_fd']}")) if kwargs.get("dir_fd") is not None else Path(str(file)).parent
        if folder / Path(str(file)).name == (data / "raw" / Path(str(file)).name).resolve() or Path(str(file)).parent == data / "raw":
            opened.append(Path(str(file)).name)
        return real_os_open(file, *args, **kwargs)

    real_os_open = os.open
    monkeypatch.setattr(io, "open", counting_open)
    monkeypatch.setattr("builtins.open", counting_open)
    monkeypatch.setattr(os, "open", counting_os_open)
    driver.build(data, tmp_path / "store", jobs=1)
    assert sorted(opened) == sorted(p.name for p in (data / "raw").iterdir())
    opened.clear()
    driver.build(data, tmp_path / "store", jobs=1)  # a rebuild from the cache reads each file once too, for its key
    assert sorted(opened) == sorted(p.name for p in (data / "raw").iterdir())


def test_a_rebuild_compares_again_only_the_candidate_pairs_of_a_changed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Group's exact comparisons are remembered in the cache by the two files' keys: none is redone while both files stand."""
    data = tmp_path / "data"
    shutil.copytree(DATA / "raw", data / "raw")
    compared: list[tuple[str, str]] = []
    real = group.same_work
    monkeypatch.setattr(group, "same_work", lambda a, b: compared.append((a.wording[:8], b.wording[:8])) or real(a, b))
    first = driver.build(data, tmp_path / "store", jobs=1)
    assert compared and first.works == 4  # the Yunnan document and its traditional-script copy, at least
    compared.clear()
    assert driver.build(data, tmp_path / "store", jobs=1).works == 4 and compared == []
    traditional = data / "raw" / "000_eca2655ae364cb45.txt"  # the Yunnan copy: one word of it changed
    text = traditional.read_text(encoding="utf-8")
    traditional.write_text(text.replace("高新區", "高新技術產業開發區", 1), encoding="utf-8")
    assert driver.build(data, tmp_path / "store", jobs=1).works == 4 and len(compared) >= 1
