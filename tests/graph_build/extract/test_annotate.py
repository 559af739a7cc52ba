"""Stage annotate: files round-trip, reviewed files win, and a stale quote is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gaoxin_kg.cli import main
from graph_build.build import driver
from graph_build.extract.annotate import AnnotationError, read_annotation, write_annotation

DATA = Path(__file__).parents[3] / "tests" / "data" / "seeds"


def expressions() -> dict:  # type: ignore[type-arg]
    return {e.name: e for e in driver.expressions(DATA)}


def test_every_seed_has_a_reviewed_annotation_file(works) -> None:  # type: ignore[no-untyped-def]
    assert {w.work.slug for w in works} == {p.stem for p in (DATA / "annotations").glob("*.yaml")}
    assert all(w.reviewed for w in works)


def test_round_trip_keeps_every_record(works, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for work in works:
        again = read_annotation(write_annotation(work, tmp_path), expressions())
        assert again == work


def test_stale_quote_fails_naming_file_and_item(tmp_path: Path) -> None:
    source = DATA / "annotations" / "gansu-44eca80e.yaml"
    broken = tmp_path / source.name
    broken.write_text(source.read_text(encoding="utf-8").replace("quote: 甘肃省科技厅\n", "quote: 云南省科技厅\n", 1), encoding="utf-8")
    with pytest.raises(AnnotationError, match=r"gansu-44eca80e.yaml: expressions\[0\]\.identity\.issuer"):
        read_annotation(broken, expressions())


def test_reviewed_file_wins_over_the_extractor(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA / "raw", data / "raw")
    (data / "annotations").mkdir()
    text = (DATA / "annotations" / "gansu-44eca80e.yaml").read_text(encoding="utf-8")
    start = text.index("\nincentives:\n")
    end = text.index("\ndepartments:\n")
    (data / "annotations" / "gansu-44eca80e.yaml").write_text(text[:start] + "\nincentives: []" + text[end:], encoding="utf-8")
    works = {w.work.slug: w for w in driver.annotated_works(data)}
    assert works["gansu-44eca80e"].extraction.incentives == ()
    assert works["yunzhengfa-2020-36"].extraction.incentives  # no file: extracted automatically


def test_check_lists_disagreements(capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["annotate", "--data", str(DATA), "--check"])
    out = capsys.readouterr().out
    assert "gansu-44eca80e.yaml: reviewed" in out
    assert ("disagreement" in out) and code in (0, 1)
