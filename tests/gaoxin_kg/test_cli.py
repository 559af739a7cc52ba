"""The command-line contract: build, query (SPARQL and canned), export, validate, and failures."""

from __future__ import annotations

import csv
import io
import json
import shutil
import signal
from pathlib import Path

import pytest

from gaoxin_kg.cli import Interrupted, Termination, main
from graph_build.build.events import LoadPlanned, StoreSwitching

DATA = Path(__file__).parents[2] / "tests" / "data" / "seeds"


def run(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_national_key_lab_funding(capsys, built_store: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "query", "--store", str(built_store), "--canned", "national-key-lab-funding", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == "province,document,doc_number,amount_yuan,min_yuan,max_yuan,frequency,quote"
    rows = csv_rows(out)
    yunnan = [r for r in rows if r["province"] == "云南省"]
    assert len(yunnan) == 1
    assert (yunnan[0]["amount_yuan"], yunnan[0]["frequency"], yunnan[0]["doc_number"]) == ("10000000", "one-time", "云政发〔2020〕36号")
    assert "国家重点实验室给予1000万元一次性补助" in yunnan[0]["quote"]


def test_incentives_columns_and_values(capsys, built_store: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "query", "--store", str(built_store), "--canned", "incentives", "--format", "csv")
    assert code == 0
    header = "document,doc_number,province,measure,recipient,amount_yuan,min_yuan,max_yuan,rate_percent,frequency,quote"
    assert out.splitlines()[0] == header
    rows = csv_rows(out)
    gansu_zone = [r for r in rows if r["min_yuan"] == "50000000"]
    assert gansu_zone and gansu_zone[0]["province"] == "甘肃省" and gansu_zone[0]["frequency"] == "one-time"
    procurement = [r for r in rows if r["rate_percent"] == "10" and r["max_yuan"] == "5000000"]
    assert procurement and procurement[0]["province"] == "云南省"


def test_documents_columns_and_implements(capsys, built_store: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "query", "--store", str(built_store), "--canned", "documents", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == "document,doc_number,title,province,issuer,date,status,implements"
    rows = csv_rows(out)
    assert len(rows) == 4
    gansu = next(r for r in rows if r["province"] == "甘肃省")
    assert set(gansu["implements"].split(";")) == {"国发〔2020〕7号", "国科发区〔2022〕264号"}
    assert sorted(r["status"] for r in rows) == ["draft", "final", "final", "final"]


def test_query_json_and_table(capsys, built_store: Path) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT ?n WHERE { ?d <http://data.europa.eu/eli/ontology#id_local> ?n } ORDER BY ?n LIMIT 1"
    code, out, _ = run(capsys, "query", "--store", str(built_store), query, "--format", "json")
    assert code == 0 and json.loads(out)["head"]["vars"] == ["n"]
    code, out, _ = run(capsys, "query", "--store", str(built_store), query)
    assert code == 0 and out.splitlines()[-1] == "(1 rows)"


def test_unknown_canned_query_and_bad_parameter_are_named(capsys, built_store: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "query", "--store", str(built_store), "--canned", "nope")
    assert code == 1 and "nope" in err
    code, _, err = run(capsys, "query", "--store", str(built_store), "--canned", "incentives", "--param", "colour=red")
    assert code == 1 and "colour" in err


def test_query_syntax_error_is_reported(capsys, built_store: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "query", "--store", str(built_store), "SELECT WHERE {")
    assert code == 1 and "error" in err


def test_export_nquads_keeps_graph_per_document(capsys, built_store: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "export", "--store", str(built_store), "--format", "nq")
    assert code == 0
    graphs = {line.rsplit(" ", 2)[-2] for line in out.splitlines() if line}
    assert "<https://w3id.org/gaoxin-kg/id/doc/yunzhengfa-2020-36/graph>" in graphs


def test_export_gzip_to_a_file_holds_every_quad_reproducibly(capsys, built_store: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import gzip

    from pyoxigraph import RdfFormat, parse

    from graph_build.store.access import open_read_only

    first, second = tmp_path / "a.nq.gz", tmp_path / "b.nq.gz"
    for path in (first, second):
        code, out, err = run(capsys, "export", "--store", str(built_store), "--format", "nq", "--gzip", "--output", str(path))
        assert code == 0 and out == "" and str(path) in err
    assert first.read_bytes()[:2] == b"\x1f\x8b" and first.read_bytes() == second.read_bytes()  # gzip, no name or time inside
    quads = set(parse(gzip.decompress(first.read_bytes()), format=RdfFormat.N_QUADS))
    assert quads == set(open_read_only(built_store).quads_for_pattern(None, None, None, None))
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_to_an_unwritable_place_is_named(capsys, built_store: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "no-such-dir" / "graph.nq.gz"
    code, _, err = run(capsys, "export", "--store", str(built_store), "--gzip", "--output", str(target))
    assert code == 1 and "no-such-dir" in err and not target.exists()


@pytest.mark.parametrize(("argv", "named"), [
    (["--service-endpoint", "wikidata"], "--service-endpoint 'wikidata': expected NAME=URL"),
    (["--service-endpoint", "wikidata=ftp://x/"], "--service-endpoint 'ftp://x/'"),
    (["--endpoint", "not a url"], "--endpoint 'not a url'"),
])
def test_serve_options_are_checked_before_serving(capsys, tmp_path: Path, argv: list[str], named: str) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "serve", "--store", str(tmp_path / "store"), "--endpoint", "http://127.0.0.1:9/query", *argv)
    assert code == 1 and named in err


def test_validate_current_store(capsys, built_store: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "validate", "--store", str(built_store))
    assert code == 0 and "conforms" in out


def test_failed_build_names_the_file_and_keeps_the_previous_graph(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    shutil.copytree(DATA / "raw", data / "raw")
    store = tmp_path / "store"
    assert run(capsys, "build", "--data", str(data), "--store", str(store))[0] == 0
    before = store.resolve()
    (data / "raw" / "empty 空.txt").write_bytes(b"")
    code, _, err = run(capsys, "build", "--data", str(data), "--store", str(store), "--strict")
    assert code == 1 and "empty 空.txt" in err
    assert store.resolve() == before
    code, out, err = run(capsys, "build", "--data", str(data), "--store", str(store))  # without --strict: skipped and reported
    assert code == 0 and f"rejected {data / 'raw' / 'empty 空.txt'}: empty file" in err and "rejected 1," in out
    code, out, _ = run(capsys, "query", "--store", str(store), "--canned", "documents", "--format", "csv")
    assert code == 0 and len(csv_rows(out)) == 4


@pytest.mark.parametrize("missing", ["raw"])
def test_build_without_raw_directory_fails_clearly(capsys, tmp_path: Path, missing: str) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "build", "--data", str(tmp_path), "--store", str(tmp_path / "store"))
    assert code == 1 and missing in err


@pytest.mark.parametrize(("form", "parser"), [("ttl", "turtle"), ("trig", "trig")])
def test_export_turtle_and_trig_parse(capsys, built_store: Path, form: str, parser: str) -> None:  # type: ignore[no-untyped-def]
    import rdflib

    code, out, _ = run(capsys, "export", "--store", str(built_store), "--format", form)
    assert code == 0
    graph = rdflib.Dataset() if form == "trig" else rdflib.Graph()
    graph.parse(data=out, format=parser)
    assert len(graph) > 0 or sum(len(g) for g in graph.graphs()) > 5000


def test_iris_are_stable_across_builds(capsys, built_store: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && !STRSTARTS(STR(?s), 'https://w3id.org/gaoxin-kg/id/build/')) }"
    assert run(capsys, "build", "--data", str(DATA), "--store", str(tmp_path / "store"))[0] == 0
    first = run(capsys, "query", "--store", str(built_store), query, "--format", "csv")[1]
    second = run(capsys, "query", "--store", str(tmp_path / "store"), query, "--format", "csv")[1]
    assert sorted(first.splitlines()) == sorted(second.splitlines())
    assert all(line.isascii() for line in first.splitlines())


def test_sigterm_interrupts_a_build_until_the_store_link_starts_to_switch_then_waits_for_the_summary() -> None:
    # Issue 13, item 7: never "switched without a summary". The real-process test is tests/graph_build/store/test_interrupted.py.
    termination, seen = Termination(), []
    events = termination.watching(seen.append)
    events(LoadPlanned("a full load"))
    with pytest.raises(Interrupted, match="interrupted by SIGTERM; the store link was not switched"):
        termination(signal.SIGTERM, None)
    events(StoreSwitching("var/store.versions/v2"))
    termination(signal.SIGTERM, None)  # noted, not raised: the switch goes on and the summary is printed
    assert termination.received == "SIGTERM"
    assert seen == [LoadPlanned("a full load"), StoreSwitching("var/store.versions/v2")]
