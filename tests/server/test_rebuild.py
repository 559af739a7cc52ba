"""A rebuild while the server runs is picked up without a restart and without a failed request."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import requests

from graph_build.build import driver
from tests.server.conftest import ROOT, serving

DATA = ROOT / "tests" / "data" / "seeds"
COUNT = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d <http://data.europa.eu/eli/ontology#is_realized_by> ?e }"


def documents(base: str) -> int:
    response = requests.get(base + "/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"}, timeout=30)
    response.raise_for_status()
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture()
def three_document_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A server on a store built from all seeds but the Gansu document; yields (url, data dir, store)."""
    data, store = tmp_path / "data", tmp_path / "store"
    shutil.copytree(DATA / "raw", data / "raw", ignore=shutil.ignore_patterns("001_*"))
    driver.build(data, store)
    with serving(store, "--workers", "2", "--client-queries", "0") as base:  # its four clients share one address
        yield base, data, store


def test_rebuild_is_served_without_failed_requests(three_document_server) -> None:  # type: ignore[no-untyped-def]
    base, data, store = three_document_server
    assert documents(base) == 3
    seen: list[int] = []
    failures: list[str] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                seen.append(documents(base))
            except Exception as error:  # noqa: BLE001 - every failure is what this test counts
                failures.append(repr(error))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    shutil.copy(DATA / "raw" / "001_7d67dab41be7ced0.txt", data / "raw")
    driver.build(data, store)
    for _ in range(50):
        if documents(base) == 4:
            break
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
    assert set(seen) <= {3, 4} and len(seen) > 10
    assert documents(base) == 4


def test_answers_name_the_graph_version_they_came_from(client, built_store: Path) -> None:  # type: ignore[no-untyped-def]
    version = built_store.resolve().name
    assert client.get("/sparql", query_string={"query": "ASK {}"}).headers["X-Gaoxin-Graph-Version"] == version
    assert client.get("/queries/documents").headers["X-Gaoxin-Graph-Version"] == version
