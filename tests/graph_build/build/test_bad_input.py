"""Hostile and broken raw files: each builds with warnings naming file and line, or is rejected naming the file.

The table is tests/data/bad/EXPECTED.yaml. Every file is built alone and all of
them together, through the real command line (a subprocess: exit code, no
traceback) and through driver.build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from pyoxigraph import Literal, RdfFormat, Triple, parse, serialize

from gaoxin_kg.report import line
from graph_build.build import driver
from graph_build.build.driver import BuildError
from graph_build.store.access import open_read_only, run_query
from graph_build.text.read import MAX_FILE_BYTES, read
from graph_build.vocab import gx, sparql_prefixes

BAD = Path(__file__).parents[3] / "tests/data/bad"
EXPECTED = yaml.safe_load((BAD / "EXPECTED.yaml").read_text(encoding="utf-8"))
FILES: dict[str, dict] = EXPECTED["files"]
BUILDS = sorted(name for name, e in FILES.items() if e["outcome"] == "builds")
REJECTED = sorted(name for name, e in FILES.items() if e["outcome"] == "rejected")
LARGE_BYTES = 50 * 1024 * 1024
BAD_NAME = b"gbk-name-\xb8\xdf\xd0\xc2.txt"  # 高新 in GBK bytes: not a UTF-8 file name


@dataclass(frozen=True)
class Run:
    """What one `gaoxin-kg build` subprocess did."""

    code: int
    out: str
    err: str

    @property
    def both(self) -> str:
        return self.out + self.err


def gaoxin_build(data: Path, store: Path, *options: str) -> Run:
    """Run the real command line in a subprocess."""
    command = [sys.executable, "-m", "gaoxin_kg.cli", "build", "--data", str(data), "--store", str(store), *options]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=BAD.parents[3])
    return Run(done.returncode, done.stdout, done.stderr)


def data_dir(tmp: Path, names: list[str]) -> Path:
    """Make a data directory whose raw/ holds copies of the named bad files."""
    raw = tmp / "data" / "raw"
    raw.mkdir(parents=True)
    for name in names:
        shutil.copyfile(BAD / name, raw / name)
    return tmp / "data"


def add_generated(data: Path) -> None:
    """Add the files too large or too odd to commit: 50 MB of policy text, a file name that is not UTF-8."""
    line = "对高新区内新认定的国家重点实验室给予1000万元一次性补助。\n".encode()
    with open(data / "raw" / "too_large.txt", "wb") as handle:
        handle.write(line * (LARGE_BYTES // len(line)) + b"\n" * (LARGE_BYTES % len(line)))
    shutil.copyfile(BAD / "gb18030.txt", os.path.join(os.fsencode(data / "raw"), BAD_NAME))


def select(store_dir: Path, query: str) -> list[dict[str, str]]:
    solutions = run_query(open_read_only(store_dir), sparql_prefixes() + query)
    names = [v.value for v in solutions.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]


def source_text(store_dir: Path, name: str) -> str:
    rows = select(store_dir, f'SELECT ?text WHERE {{ ?f gx:fileName "{name}" ; gx:sourceText ?text }}')
    assert len(rows) == 1, name
    return rows[0]["text"]


def assert_outcome_reported(name: str, output: str, data: Path) -> None:
    """Check the report lines the table asks for: warnings naming file and line, or the rejection naming the path."""
    expected = FILES.get(name) or EXPECTED["generated"][name]
    if expected["outcome"] == "builds":
        for warning in expected["warnings"]:
            assert any(line.strip().startswith("warning") and warning in line for line in output.splitlines()), (warning, output)
    else:
        assert f"rejected {data / 'raw' / name}: " in output, output
        assert expected["message"] in output


def test_table_lists_every_file() -> None:
    assert set(FILES) == {p.name for p in BAD.iterdir()} - {"EXPECTED.yaml"}
    assert MAX_FILE_BYTES < LARGE_BYTES


# ---- each file alone -----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_file_alone_through_the_command_line(tmp_path: Path, name: str) -> None:
    data, store = data_dir(tmp_path, [name]), tmp_path / "store"
    run = gaoxin_build(data, store)
    assert "Traceback" not in run.both
    assert_outcome_reported(name, run.both, data)
    if FILES[name]["outcome"] == "builds":
        assert run.code == 0, run.err
        assert "rejected 0," in run.out
        assert source_text(store, name)
    else:  # the only file is rejected, so there is nothing to build
        assert run.code == 1
        assert "every file was rejected" in run.err and name in run.err
        assert not store.exists()


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_file_alone_through_the_pipeline(tmp_path: Path, name: str) -> None:
    data, store, lines = data_dir(tmp_path, [name]), tmp_path / "store", []
    if FILES[name]["outcome"] == "rejected":
        with pytest.raises(BuildError, match="every file was rejected"):
            driver.build(data, store, lambda event: lines.append(line(event) or ""))
        assert not store.exists()
    else:
        stats = driver.build(data, store, lambda event: lines.append(line(event) or ""))
        assert (stats.files, stats.works) == (1, 1)
    assert_outcome_reported(name, "\n".join(lines), data)


# ---- all together --------------------------------------------------------------


@pytest.fixture(scope="module")
def together(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Run]:
    """Build every bad file, and the generated ones, into one store through the command line."""
    tmp = tmp_path_factory.mktemp("together")
    data = data_dir(tmp, sorted(FILES))
    add_generated(data)
    store = tmp / "store"
    return data, store, gaoxin_build(data, store)


def test_together_builds_what_can_be_built_and_names_every_rejection(together: tuple[Path, Path, Run]) -> None:
    data, _, run = together
    assert run.code == 0, run.err
    assert "Traceback" not in run.both
    for name in [*FILES, *EXPECTED["generated"]]:
        assert_outcome_reported(name, run.both, data)
    rejected = [line for line in run.err.splitlines() if line.strip().startswith("rejected ")]
    assert len(rejected) == len(REJECTED) + 2  # the table's, too_large.txt and the file whose name is not UTF-8
    assert "file name is not valid UTF-8" in run.err and "gbk-name-" in run.err
    assert f"rejected {len(rejected)}," in run.out


def test_together_graph_holds_one_work_per_document(together: tuple[Path, Path, Run]) -> None:
    _, store, _ = together
    rows = select(store, "SELECT ?file ?work WHERE { ?work eli:is_realized_by/eli:is_embodied_by/gx:fileName ?file }")
    work_of = {row["file"]: row["work"] for row in rows}
    assert set(work_of) == set(BUILDS)
    for name in BUILDS:
        twin = FILES[name].get("same_work_as")
        if twin:
            assert work_of[name] == work_of[twin], (name, twin)
    assert len(set(work_of.values())) == len(BUILDS) - sum(1 for n in BUILDS if FILES[n].get("same_work_as"))


def test_together_literals_are_as_written_and_hidden_text_stays_out(together: tuple[Path, Path, Run]) -> None:
    _, store, _ = together
    for name in BUILDS:
        text = source_text(store, name)
        assert text == read(BAD / name).text
        for literal in FILES[name].get("in_graph", []):
            assert literal in text, (name, literal)
        for hidden in FILES[name].get("not_in_graph", []):
            assert hidden not in text, (name, hidden)
            rows = select(store, f"SELECT ?s WHERE {{ ?s ?p ?o FILTER(isLiteral(?o) && CONTAINS(STR(?o), {Literal(hidden)})) }}")
            assert rows == [], (name, hidden)


def test_together_encodings_are_recorded(together: tuple[Path, Path, Run]) -> None:
    _, store, _ = together
    for name in BUILDS:
        if "encoding" in FILES[name]:
            rows = select(store, f'SELECT ?e WHERE {{ ?f gx:fileName "{name}" ; gx:encoding ?e }}')
            assert rows == [{"e": FILES[name]["encoding"]}]


def test_strict_build_fails_on_a_rejection_and_keeps_the_store(together: tuple[Path, Path, Run]) -> None:
    data, store, _ = together
    before = store.resolve()
    run = gaoxin_build(data, store, "--strict")
    assert run.code == 1 and "Traceback" not in run.both
    assert "--strict" in run.err and "rejected" in run.err
    assert store.resolve() == before
    assert select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?d a eli:LegalResource ; eli:is_realized_by ?e }")


def test_pipeline_builds_the_bad_files_together(tmp_path: Path) -> None:
    data, lines = data_dir(tmp_path, sorted(FILES)), []
    stats = driver.build(data, tmp_path / "store", lambda event: lines.append(line(event) or ""))
    assert stats.files == len(BUILDS)
    assert sum(1 for line in lines if line.strip().startswith("rejected ")) == len(REJECTED)
    for name in FILES:
        assert_outcome_reported(name, "\n".join(lines), data)


# ---- markup stays text, in every export format ------------------------------------


MARKUP = "markup.txt"


def markup_text(triples: list) -> str:  # type: ignore[type-arg]
    """Find the source text of markup.txt among parsed triples or quads."""
    files = {t.subject for t in triples if t.predicate == gx.fileName and t.object == Literal(MARKUP)}
    texts = [t.object.value for t in triples if t.subject in files and t.predicate == gx.sourceText]
    assert len(texts) == 1
    return texts[0]


@pytest.mark.parametrize(("option", "form"), [("nq", RdfFormat.N_QUADS), ("trig", RdfFormat.TRIG), ("ttl", RdfFormat.TURTLE)])
def test_markup_round_trips_through_every_export(together: tuple[Path, Path, Run], option: str, form: RdfFormat) -> None:
    _, store, _ = together
    done = subprocess.run(
        [sys.executable, "-m", "gaoxin_kg.cli", "export", "--store", str(store), "--format", option], capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert markup_text(list(parse(done.stdout, format=form))) == read(BAD / MARKUP).text


def test_markup_round_trips_through_rdf_xml(together: tuple[Path, Path, Run]) -> None:
    _, store, _ = together
    handle = open_read_only(store)
    triples = (Triple(q.subject, q.predicate, q.object) for q in handle.quads_for_pattern(None, None, None, None))
    document = serialize(triples, format=RdfFormat.RDF_XML)
    assert b"<script>" not in document  # escaped as XML text
    assert markup_text(list(parse(document, format=RdfFormat.RDF_XML))) == read(BAD / MARKUP).text


def test_markup_quotes_in_spans_equal_the_source(together: tuple[Path, Path, Run]) -> None:
    _, store, _ = together
    rows = select(
        store,
        f"""SELECT ?exact ?start ?end WHERE {{
             ?span oa:hasSource/eli:is_embodied_by/gx:fileName "{MARKUP}" ;
                   oa:hasSelector [ oa:start ?start ; oa:end ?end ] , [ oa:exact ?exact ] }}""",
    )
    text = read(BAD / MARKUP).text
    quoting = [r for r in rows if "<script>" in r["exact"]]
    assert quoting, "a measure quoting the markup"
    assert all(text[int(r["start"]) : int(r["end"])] == r["exact"] for r in rows)
