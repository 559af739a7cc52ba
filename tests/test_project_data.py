"""The whole of data/: the seeds and the development corpus build together, each file links to its page, the gold quotes its file."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest
import rdflib
import yaml
from pyoxigraph import NamedNode

from graph_build import canned
from graph_build.build import driver
from graph_build.build.events import BuildEvent, FileRejected
from graph_build.store.access import open_read_only, run_query
from tests.conftest import PROJECT_DATA
from tests.ontology.test_vocabulary_in_use import ontology, used_terms

GOLD = PROJECT_DATA / "gold" / "devcorpus"
SOURCES = PROJECT_DATA / "reference" / "sources.csv"
VERBATIM = ("title_surface", "doc_number_surface", "issuer_surface", "date_surface", "cites_surface")


def gold_files() -> list[Path]:
    return sorted(GOLD.glob("*.yaml"))


def verbatim(gold: dict) -> list[str]:
    """List every value of a gold file that is copied from its document."""
    document = gold["document"]
    values = [v for key in VERBATIM for v in (document.get(key) if isinstance(document.get(key), list) else [document.get(key)])]
    values += [z.get("mention") for z in gold["zones"]] + [i for z in gold["zones"] for i in z.get("industries") or []]
    values += [i["quote"] for i in gold["incentives"]] + [t["quote"] for t in gold["targets"]] + list(gold["departments"])
    values += [q if isinstance(q, str) else q["quote"] for q in gold["not_incentives"]]
    return [v for v in values if v is not None]


@pytest.mark.parametrize("path", gold_files(), ids=lambda p: p.stem)
def test_gold_quotes_its_document(path: Path) -> None:
    text = (PROJECT_DATA / "raw" / f"{path.stem}.txt").read_text(encoding="utf-8")
    gold = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [v for v in verbatim(gold) if v not in text] == []


def test_sources_table_is_generated_from_the_gold() -> None:
    spec = importlib.util.spec_from_file_location("make_sources", PROJECT_DATA / "reference" / "make_sources.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    with SOURCES.open(encoding="utf-8") as handle:
        assert list(csv.DictReader(handle)) == module.rows(GOLD)


def test_every_source_is_a_raw_file_with_an_iri() -> None:
    with SOURCES.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(gold_files()) == 56
    for row in rows:
        assert (PROJECT_DATA / "raw" / row["file"]).is_file()
        NamedNode(row["url"])  # raises on a string that is no IRI


@pytest.fixture(scope="module")
def project_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[BuildEvent]]:
    """Build the whole of data/ once; return the store and the build events."""
    lines: list[BuildEvent] = []
    store = tmp_path_factory.mktemp("project") / "store"
    driver.build(PROJECT_DATA, store, lines.append)
    return store, lines


def test_every_document_is_accepted(project_build: tuple[Path, list[BuildEvent]]) -> None:
    _, events = project_build
    assert [event for event in events if isinstance(event, FileRejected)] == []


def test_every_development_file_links_to_its_page(project_build: tuple[Path, list[BuildEvent]]) -> None:
    query = """PREFIX eli: <http://data.europa.eu/eli/ontology#> PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#>
        SELECT ?name ?page WHERE { GRAPH ?g { ?expression eli:is_embodied_by ?file . ?file gx:fileName ?name ; eli:is_exemplified_by ?page } }"""
    pages = {row["name"].value: row["page"].value for row in run_query(open_read_only(project_build[0]), query)}
    with SOURCES.open(encoding="utf-8") as handle:
        assert pages == {row["file"]: row["url"] for row in csv.DictReader(handle)}


def test_every_term_of_the_whole_graph_is_declared(project_build: tuple[Path, list[BuildEvent]]) -> None:
    graph, store = ontology(), open_read_only(project_build[0])
    missing = [t for t in sorted(used_terms(store)) if not {"zh-Hans", "en"} <= {x.language for x in graph.objects(rdflib.URIRef(t), rdflib.RDFS.label)}]
    assert missing == []


def test_zone_approvals_over_time_by_province(project_build: tuple[Path, list[BuildEvent]]) -> None:
    store = open_read_only(project_build[0])
    query = canned.load_all()["zone-approvals"]
    results = run_query(store, canned.body(query))
    names = [variable.value for variable in results.variables]
    rows = [{name: row[name].value for name in names if row[name] is not None} for row in results]
    qianjiang = next(row for row in rows if row["zone_name"] == "潜江高新区")
    assert (qianjiang["action"], qianjiang["former_name"], qianjiang["level"]) == ("upgrade", "潜江高新技术产业园区", "国家级")
    assert qianjiang["province"].endswith("/province/hubei")  # a national reply about a zone of 湖北 (its page holds no date)
    assert "升级为国家高新技术产业开发区" in qianjiang["quote"]
    renamed = next(row for row in rows if row["zone_name"] == "漳州高新技术产业园区")
    assert (renamed["action"], renamed["former_name"]) == ("renaming", "福建南靖高新技术产业园区")
    dates = [row["date"] for row in rows if "date" in row]
    assert dates == sorted(dates) and len(dates) >= 5 and len(rows) >= 10


def test_site_metadata_index_number_and_validity_are_kept_with_evidence(project_build: tuple[Path, list[BuildEvent]]) -> None:
    store = open_read_only(project_build[0])
    query = """PREFIX eli: <http://data.europa.eu/eli/ontology#> PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT DISTINCT ?index ?state WHERE { ?work eli:id_local "国科发火〔2021〕106号" ; gx:indexNumber ?index ; eli:in_force ?state ;
                                                      gx:evidence/oa:hasSelector/oa:exact "306-18-2021-537" , "有效" }"""
    rows = [(row["index"].value, row["state"].value) for row in run_query(store, query)]
    assert rows == [("306-18-2021-537", "http://data.europa.eu/eli/ontology#InForce-inForce")]
