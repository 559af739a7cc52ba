"""Builds that fail or are interrupted leave the previous store serving, and the next build succeeds.

Failures part-way (a reviewed annotation whose quote is wrong, a graph that
does not conform to the shapes), SIGTERM and SIGKILL while the new version is
being written, SIGTERM at the switch of the store link (issue 13, item 7: the
build either switches and prints its summary, exit 0, or does not switch and
says so, exit 1), and a disk that fills up (RLIMIT_FSIZE in the build process).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph_build.build import driver
from graph_build.store.access import open_read_only, run_query
from graph_build.store.versions import COMPLETE_MARKER, PAUSE_SETTING, versions_dir

ROOT = Path(__file__).parents[3]
DATA = ROOT / "tests" / "data" / "seeds"
HEBEI = "004_f2cc480d52bcecb0.txt"
HEBEI_NUMBER = "冀政字〔2020〕52號"
COPIES = 6  # copies of the Hebei seed, each with its own 文号: a load long enough (write, then SHACL) to be signalled in


def gaoxin(*argv: str, limit_file_bytes: int | None = None, pause: str | None = None) -> subprocess.Popen[str]:
    """Start the real command line in a subprocess, optionally with a file size limit (a disk that fills up) or a pause at the switch."""

    def limit() -> None:
        if limit_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    command = [sys.executable, "-m", "gaoxin_kg.cli", *argv]
    environment = {**os.environ, PAUSE_SETTING: pause} if pause else None
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, preexec_fn=limit, env=environment)


def finished(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=300)
    assert "Traceback" not in out + err, out + err
    return process.returncode, out + err


def document_count(store: Path) -> int:
    """Ask the store, opened read-only, how many documents it holds."""
    query = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d <http://data.europa.eu/eli/ontology#is_realized_by> ?e }"
    return int(next(iter(run_query(open_read_only(store), query)))["n"].value)


def versions(store: Path) -> set[str]:
    return {p.name for p in versions_dir(store).iterdir()}


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """A store link with one good version of the seed graph."""
    store = tmp_path / "var" / "store"
    driver.build(DATA, store)
    return store


@pytest.fixture(scope="module")
def big_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds plus copies of the Hebei document under other 文号, so that they are distinct works."""
    data = tmp_path_factory.mktemp("big") / "data"
    shutil.copytree(DATA / "raw", data / "raw")
    text = (DATA / "raw" / HEBEI).read_text(encoding="utf-8")
    assert text.count(HEBEI_NUMBER) == 1
    for k in range(COPIES):
        copy = text.replace(HEBEI_NUMBER, f"冀政字〔2020〕{100 + k}號")
        (data / "raw" / f"9{k:02d}_copy.txt").write_text(copy, encoding="utf-8")
    return data


def copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("gold"))
    return data


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_previous_serves(store: Path, version: Path) -> None:
    assert store.resolve() == version
    assert (version / COMPLETE_MARKER).is_file()
    assert document_count(store) == 4


# ---- (a) failures part-way -------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("quote: 甘肃省科技厅关于促进", "quote: 甘肃省人民政府关于促进", "gansu-44eca80e.yaml"),
        ("comparator: '>='", "comparator: '≥'", "does not conform to ontology/shapes.ttl"),
    ],
    ids=["reviewed-quote-wrong", "shacl-violation"],
)
def test_a_failed_build_leaves_the_previous_store_serving(tmp_path: Path, previous: Path, old: str, new: str, message: str) -> None:
    data, before, names = copy_data(tmp_path), previous.resolve(), versions(previous)
    edit(data / "annotations" / "gansu-44eca80e.yaml", old, new)
    code, output = finished(gaoxin("build", "--data", str(data), "--store", str(previous)))
    assert code == 1 and message in output
    assert_previous_serves(previous, before)
    assert versions(previous) == names  # the half-built version was removed


# ---- (b, c) signals while the new version is written ---------------------------------------


def signalled_mid_load(data: Path, store: Path, signum: int) -> tuple[int, str]:
    """Start a build and send it a signal as soon as its new version directory appears, while it is written."""
    known = versions(store)
    process = gaoxin("build", "--data", str(data), "--store", str(store))
    deadline = time.monotonic() + 240
    while process.poll() is None and time.monotonic() < deadline:
        if versions(store) - known:
            process.send_signal(signum)
            break
        time.sleep(0.002)
    assert process.poll() is None or process.returncode != 0, "the build ended before its new version could be signalled"
    return finished(process)


def test_sigterm_mid_load_keeps_the_previous_store_and_removes_the_half_version(big_data: Path, previous: Path) -> None:
    before, names = previous.resolve(), versions(previous)
    code, output = signalled_mid_load(big_data, previous, signal.SIGTERM)
    assert code == 1 and "interrupted by SIGTERM" in output
    assert_previous_serves(previous, before)
    assert versions(previous) == names
    driver.build(DATA, previous)
    assert previous.resolve() != before and document_count(previous) == 4


def test_sigkill_mid_load_keeps_the_previous_store_and_the_next_build_removes_the_orphan(big_data: Path, previous: Path) -> None:
    before, names = previous.resolve(), versions(previous)
    code, _ = signalled_mid_load(big_data, previous, signal.SIGKILL)
    assert code == -signal.SIGKILL
    orphans = versions(previous) - names
    assert len(orphans) == 1  # killed while writing: left behind, incomplete, not switched in
    orphan = versions_dir(previous) / orphans.pop()
    assert not (orphan / COMPLETE_MARKER).exists()
    assert_previous_serves(previous, before)
    code, output = finished(gaoxin("build", "--data", str(DATA), "--store", str(previous)))
    assert code == 0, output
    assert not orphan.exists()
    assert previous.resolve() != before and document_count(previous) == 4
    assert versions(previous) == {before.name, previous.resolve().name}


# ---- SIGTERM at the switch of the store link (issue 13, item 7) ------------------------------


SUMMARY = "read 5 files, rejected 0,"  # the summary line of a build of the seeds


def signalled_at_switch(store: Path, moment: str, pause: Path) -> tuple[int, str]:
    """Start a build of the seeds that pauses just before or after the link is replaced, send it SIGTERM there, let it go on."""
    process = gaoxin("build", "--data", str(DATA), "--store", str(store), "--jobs", "1", pause=f"{moment}:{pause}")
    deadline = time.monotonic() + 240
    while not pause.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pause.exists(), "the build never reached the switch"
    process.send_signal(signal.SIGTERM)
    time.sleep(0.5)  # the handler runs during the pause
    pause.unlink()
    return finished(process)


def assert_switched_with_summary(store: Path, before: Path, code: int, output: str) -> None:
    assert code == 0, output
    assert SUMMARY in output, output
    assert f"→ {store.resolve()}" in output, output
    assert "SIGTERM came while the store link was switching: the build finished first" in output
    assert "not switched" not in output
    assert store.resolve() != before and (store.resolve() / COMPLETE_MARKER).is_file()
    assert document_count(store) == 4


@pytest.mark.parametrize("moment", ["before", "after"])
def test_sigterm_at_the_switch_finishes_the_switch_and_prints_the_summary(tmp_path: Path, previous: Path, moment: str) -> None:
    before = previous.resolve()
    code, output = signalled_at_switch(previous, moment, tmp_path / "paused")
    assert_switched_with_summary(previous, before, code, output)
    assert versions(previous) == {before.name, previous.resolve().name}
    assert not list(previous.parent.glob(".store.link-*"))  # no temporary link left behind


def test_sigterm_near_the_switch_ends_one_of_two_consistent_ways(big_data: Path, previous: Path) -> None:
    # No pause: SIGTERM as soon as the new version is marked complete, the last moment before the switch. Whichever way
    # the race goes, the outcome is consistent: switched with its summary (exit 0), or not switched and said (exit 1).
    before, names = previous.resolve(), versions(previous)
    process = gaoxin("build", "--data", str(big_data), "--store", str(previous))
    deadline = time.monotonic() + 240
    while process.poll() is None and time.monotonic() < deadline:
        if any((versions_dir(previous) / name / COMPLETE_MARKER).exists() for name in versions(previous) - names):
            process.send_signal(signal.SIGTERM)
            break
        time.sleep(0.001)
    code, output = finished(process)
    if code == 0:
        assert "read 11 files, rejected 0," in output and previous.resolve() != before
        assert document_count(previous) == 10
    else:
        assert code == 1 and "interrupted by SIGTERM; the store link was not switched" in output
        assert_previous_serves(previous, before)
        assert versions(previous) == names


# ---- (d) a disk that fills up --------------------------------------------------------------


def test_disk_full_is_a_clear_error_and_keeps_the_previous_store(previous: Path) -> None:
    before, names = previous.resolve(), versions(previous)
    code, output = finished(gaoxin("build", "--data", str(DATA), "--store", str(previous), limit_file_bytes=256 * 1024))
    assert code == 1
    assert "disk full or file size limit reached" in output and "the store link was not switched" in output
    assert_previous_serves(previous, before)
    assert versions(previous) == names
    code, output = finished(gaoxin("build", "--data", str(DATA), "--store", str(previous)))
    assert code == 0, output
