"""The build reads only regular files of its data folder: issue 13's hostile entries, through the real command line.

Each build runs in a subprocess under RLIMIT_AS (BUILD_MEMORY) with a timeout: a
link to /dev/zero once took 22.5 GB, a named pipe hung the build, a folder named
like a file stopped it, a link to a file outside the data folder published its
text, and a file name holding a line break forged a line of the report.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyoxigraph import Literal

from graph_build.store.access import open_read_only, run_query
from graph_build.vocab import sparql_prefixes

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT / "tests" / "data" / "seeds"
BUILD_MEMORY = 2048 * 1024 * 1024  # address space of a build of the seeds: RocksDB reserves much of it, and at 1,400 MB
# a third of the builds failed (a 200 MB allocation of the bulk loader refused), at 1,536 MB one in fifteen: a flaky test
SECRET = "机密：数据目录以外的文件，不得发布"
FORGED = "a\n  rejected forged.txt"  # a file name that would print a line of its own
ESCAPE = "b\x1b[2Jc.txt"  # a file name that would clear the terminal
COPY_IN = "copy the file in (cp, not ln)"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (BUILD_MEMORY, BUILD_MEMORY))


def gaoxin_build(data: Path, store: Path) -> Run:
    """Run `gaoxin-kg build` in a subprocess under the memory limit, with a timeout."""
    command = [sys.executable, "-m", "gaoxin_kg.cli", "build", "--data", str(data), "--store", str(store), "--jobs", "1"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT, preexec_fn=limited, env=environment)
    return Run(done.returncode, done.stdout, done.stderr)


def hostile_data(tmp: Path) -> Path:
    """A data folder of the five seeds, their annotations, and every kind of entry that is no document."""
    data = tmp / "data"
    shutil.copytree(SEEDS / "raw", data / "raw")
    shutil.copytree(SEEDS / "annotations", data / "annotations")
    raw, annotations = data / "raw", data / "annotations"
    (raw / "zero.txt").symlink_to("/dev/zero")
    os.mkfifo(raw / "pipe.txt")
    (raw / "folder.txt").mkdir()
    (tmp / "secret.txt").write_text(SECRET + "\n" + (SEEDS / "raw" / "002_eb9a3bdd4a792803.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (raw / "outside.txt").symlink_to(tmp / "secret.txt")
    os.link(tmp / "secret.txt", raw / "hardlinked.txt")  # a second name of the file outside: it would publish the same text
    with open(raw / "big.txt", "wb") as handle:  # sparse: 400 MB of NUL bytes that take no disk
        handle.truncate(400 * 1024 * 1024)
    for name in (FORGED, ESCAPE):
        shutil.copyfile(SEEDS / "raw" / "001_7d67dab41be7ced0.txt", raw / name)
    (annotations / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(annotations / "pipe.yaml")
    (annotations / "folder.yaml").mkdir()
    return data


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Run]:
    tmp = tmp_path_factory.mktemp("inputs")
    data = hostile_data(tmp)
    store = tmp / "store"
    return data, store, gaoxin_build(data, store)


def select(store: Path, query: str) -> list[dict[str, str]]:
    solutions = run_query(open_read_only(store), sparql_prefixes() + query)
    names = [v.value for v in solutions.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]


def test_the_build_skips_what_is_no_document_and_goes_on(built: tuple[Path, Path, Run]) -> None:
    data, _, run = built
    assert run.code == 0, run.err
    assert "Traceback" not in run.out + run.err
    raw, annotations = data / "raw", data / "annotations"
    skipped = sorted(line for line in run.err.splitlines() if line.startswith("  skipped "))
    assert skipped == sorted(
        [
            f"  skipped {raw}/zero.txt: symbolic link to /dev/zero, outside the data folder {data}: not followed",
            f"  skipped {raw}/pipe.txt: a named pipe (FIFO), not a regular file: skipped",
            f"  skipped {raw}/folder.txt: a directory, not a regular file: skipped",
            f"  skipped {raw}/outside.txt: symbolic link to {data.parent}/secret.txt, outside the data folder {data}: not followed",
            f"  skipped {raw}/hardlinked.txt: a hard link (2 names for one file; another may be outside the data folder): skipped; {COPY_IN}",
            f"  skipped {annotations}/zero.yaml: symbolic link to /dev/zero, outside the data folder {data}: not followed",
            f"  skipped {annotations}/pipe.yaml: a named pipe (FIFO), not a regular file: skipped",
            f"  skipped {annotations}/folder.yaml: a directory, not a regular file: skipped",
        ]
    )
    assert "read 5 files, rejected 3," in run.out


def test_a_large_file_is_rejected_by_its_size(built: tuple[Path, Path, Run]) -> None:
    data, _, run = built
    assert f"  rejected {data}/raw/big.txt: file is 419,430,400 bytes, over the limit of 20,971,520 bytes" in run.err


def test_file_names_cannot_forge_report_lines(built: tuple[Path, Path, Run]) -> None:
    data, _, run = built
    rejected = [line for line in run.err.splitlines() if line.startswith("  rejected ")]
    assert len(rejected) == 3, rejected  # big.txt and the two names; a forged name would add a line
    reason = "file name holds control characters (a line break, an escape…); rename the file"
    assert f"  rejected {data}/raw/a\\n  rejected forged.txt: {reason}" in rejected
    assert f"  rejected {data}/raw/b\\x1b[2Jc.txt: {reason}" in rejected
    assert "\x1b" not in run.out + run.err


def test_text_outside_the_data_folder_stays_out_of_the_graph(built: tuple[Path, Path, Run]) -> None:
    _, store, _ = built
    assert select(store, f"SELECT ?s WHERE {{ ?s ?p ?o FILTER(isLiteral(?o) && CONTAINS(STR(?o), {Literal(SECRET[:8])})) }}") == []
    names = {row["name"] for row in select(store, "SELECT ?name WHERE { ?f gx:fileName ?name }")}
    assert names == {p.name for p in (SEEDS / "raw").iterdir()}


def test_a_refused_annotation_file_stops_the_build_and_the_previous_graph_serves(built: tuple[Path, Path, Run]) -> None:
    data, store, first = built
    assert first.code == 0, first.err
    serving, count = store.resolve(), "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = select(store, count)
    annotation = data / "annotations" / "gansu-44eca80e.yaml"
    kept = annotation.read_bytes()
    levels = "".join(f"- &{chr(97 + k)} [{', '.join(['*' + chr(96 + k)] * 9) if k else ', '.join(['lol'] * 9)}]\n" for k in range(9))
    annotation.write_text("work: gansu-44eca80e\nreviewed: true\nexpressions: []\nsegments:\n" + levels, encoding="utf-8")
    try:
        run = gaoxin_build(data, store)
    finally:
        annotation.write_bytes(kept)
    assert run.code == 1 and "Traceback" not in run.out + run.err
    refused = [line for line in run.err.splitlines() if line.startswith("  refused annotation ")]
    assert refused == [f"  refused annotation {annotation}:6: alias *a: annotation files hold plain data, without aliases"]
    assert f"gaoxin-kg build: error: {annotation}:6: annotation file refused; the build stops and the store is unchanged" in run.err
    assert store.resolve() == serving
    assert select(store, count) == before


def test_the_seed_copies_equal_the_documents_in_data() -> None:
    # tests/data/seeds/raw holds copies (the build follows no link out of its data folder): they must not drift from data/raw.
    for seed in (SEEDS / "raw").iterdir():
        assert not seed.is_symlink() and seed.read_bytes() == (ROOT / "data" / "raw" / seed.name).read_bytes(), seed.name


def test_nothing_in_the_project_data_is_a_hard_link() -> None:
    # The build refuses files with more than one name; git never makes hard links, and no data of ours may rely on one.
    files = [p for folder in (ROOT / "data", ROOT / "tests" / "data") for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    assert files and [p for p in files if p.stat().st_nlink > 1] == []
