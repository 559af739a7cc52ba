"""The extractor against the hand-made gold of the seeds: prints precision and recall per kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_build.build.driver import extracted_works
from graph_build.extract.evaluate import evaluate, table

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
    return {s.kind: s for s in evaluate(extracted_works(DATA), DATA / "gold/seeds.yaml")}


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
