"""The extractor against the hand-made gold of the seeds: prints precision and recall per kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_build.build.driver import annotated_works
from graph_build.extract.evaluate import FOLDER_KINDS, evaluate, evaluate_folder, folder_table, gold_folder, gold_keys, table

DATA = Path(__file__).parents[3] / "tests" / "data" / "seeds"
# Floors set from the figures measured when the extractor landed; a regression fails the suite.
FLOORS = {
    "incentive values": (0.9, 0.9),
    "incentives": (0.7, 0.7),
    "departments": (0.9, 0.9),
    "zones": (0.9, 0.9),
    "zone industries": (0.9, 0.85),
    "industries": (0.7, 0.6),
    "targets": (0.9, 0.9),
    "provisions": (0.8, 0.8),
}


@pytest.fixture(scope="module")
def scores():  # type: ignore[no-untyped-def]
    return {s.kind: s for s in evaluate(annotated_works(DATA, reviewed=False), DATA / "gold/seeds.yaml")}


def test_prints_precision_and_recall(scores, capsys) -> None:  # type: ignore[no-untyped-def]
    with capsys.disabled():
        print("\nextractor vs data/gold/seeds.yaml (reviewed annotation files ignored)\n" + table(list(scores.values())))
    assert set(FLOORS) <= set(scores)


@pytest.mark.parametrize("kind", sorted(FLOORS))
def test_meets_floor(scores, kind: str) -> None:  # type: ignore[no-untyped-def]
    precision, recall = FLOORS[kind]
    score = scores[kind]
    assert score.gold > 0
    assert (score.precision, score.recall) >= (precision, 0) and score.recall >= recall, f"{kind}: {score}"


# ---- a gold folder: the development corpus (data/gold/devcorpus) ----------------------------------------

PROJECT_DATA = Path(__file__).parents[3] / "data"
DEVCORPUS = PROJECT_DATA / "gold" / "devcorpus"


@pytest.fixture(scope="module")
def folder_scores():  # type: ignore[no-untyped-def]
    scores, rejected = evaluate_folder(annotated_works(PROJECT_DATA, reviewed=False), DEVCORPUS)
    return {s.kind: s for s in scores}, rejected


def test_folder_prints_every_field(folder_scores, capsys) -> None:  # type: ignore[no-untyped-def]
    scores, rejected = folder_scores
    with capsys.disabled():
        print("\nbuilder vs data/gold/devcorpus (reviewed annotation files ignored)\n" + folder_table(list(scores.values()), rejected))
    assert tuple(scores) == FOLDER_KINDS
    assert scores["documents accepted"].gold == 56
    assert scores["documents accepted"].correct == 56 - len(rejected)


def test_folder_gold_keys_of_one_reply() -> None:
    (document,) = [d for d in gold_folder(DEVCORPUS) if d.file == "jiangsu-2010-suzhengfu55-jiangyin.txt"]
    assert gold_keys(document, "文号") == [("苏政复〔2010〕55号",)]
    assert gold_keys(document, "province or country") == [("江苏",)]
    assert gold_keys(document, "zones") == [("江阴高新区",)]
    assert gold_keys(document, "money with a figure") == []


def test_folder_national_document_is_placed_in_the_country() -> None:
    (document,) = [d for d in gold_folder(DEVCORPUS) if d.file == "national-2018-guobanfa117-full.txt"]
    assert gold_keys(document, "province or country") == [("国家",)]


def test_folder_money_keys_keep_every_figure() -> None:
    (document,) = [d for d in gold_folder(DEVCORPUS) if d.file == "hainan-2021-jingji-gaozhiliang-caizheng-cuoshi.txt"]
    keys = gold_keys(document, "money with a figure")
    assert len(keys) == 14
    assert ("", "", "1000000", "20", "unspecified") in keys


def test_evaluate_command_scores_a_folder(capsys) -> None:  # type: ignore[no-untyped-def]
    from gaoxin_kg.cli import main

    assert main(["evaluate", "--data", str(PROJECT_DATA), "--gold", str(DEVCORPUS)]) == 0
    out = capsys.readouterr().out
    assert "province or country" in out and "documents rejected:" in out
