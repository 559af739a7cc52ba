"""Shared fixtures: the seed corpus, its works, and a graph built from it once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_build.build import driver
from graph_build.records import AnnotatedWork
from graph_build.store.access import open_read_only

ROOT = Path(__file__).resolve().parent.parent
# The tests build the five seed documents (tests/data/seeds/raw holds copies of them, since the build follows no
# link out of its data folder; tests/graph_build/build/test_inputs.py checks they equal data/raw's; annotations/ and
# gold/ link to data/), so their figures stay the seeds' however many documents data/ holds; PROJECT_DATA is the whole corpus.
DATA = ROOT / "tests" / "data" / "seeds"
PROJECT_DATA = ROOT / "data"
RAW = DATA / "raw"


@pytest.fixture(scope="session")
def works() -> list[AnnotatedWork]:
    """The seed corpus, annotated (reviewed annotation files win)."""
    return driver.annotated_works(DATA)


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the seed corpus once into a temporary store and return the store link."""
    store = tmp_path_factory.mktemp("var") / "store"
    driver.build(DATA, store)
    return store


@pytest.fixture(scope="session")
def store(built_store: Path):  # type: ignore[no-untyped-def]
    """A read-only handle on the built seed graph."""
    return open_read_only(built_store)


def work_by_file(works: list[AnnotatedWork], name: str) -> AnnotatedWork:
    """Find the work one raw file belongs to."""
    return next(w for w in works if name in {e.name for e in w.work.expressions})
