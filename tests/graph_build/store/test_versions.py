"""Stage load: a new version is validated before the switch; failures keep the old graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from graph_build.store.bulk import write_store
from graph_build.store.versions import LoadError, new_version, rollback, versions_dir
from graph_build.validate.reference import validate
from graph_build.vocab import RDF_TYPE, gx

GRAPH = NamedNode("https://w3id.org/gaoxin-kg/id/doc/test/graph")


def load(quads: list[Quad], store: Path, label: str) -> int:
    """Store quads as a new version, validate it with pySHACL and switch to it, as a build does."""
    with new_version(store, label) as version:
        count = write_store(quads, version)
        validate(version)
    return count


def incentive_without_frequency() -> list[Quad]:
    node = NamedNode("https://w3id.org/gaoxin-kg/id/doc/test/incentive/1-1")
    return [Quad(node, RDF_TYPE, gx.Incentive, GRAPH), Quad(node, gx.amountYuan, Literal("1"), GRAPH)]


def harmless(n: int) -> list[Quad]:
    return [Quad(NamedNode(f"http://example.org/{n}"), NamedNode("http://example.org/p"), Literal(str(n)), GRAPH)]


def test_invalid_graph_is_refused_and_previous_version_stays(tmp_path: Path) -> None:
    store = tmp_path / "store"
    load(harmless(1), store, "first")
    before = store.resolve()
    with pytest.raises(LoadError, match="does not conform"):
        load(incentive_without_frequency(), store, "second")
    assert store.resolve() == before
    assert [p.name for p in versions_dir(store).iterdir()] == [before.name]


def test_rollback_returns_to_the_previous_version(tmp_path: Path) -> None:
    store = tmp_path / "store"
    load(harmless(1), store, "first")
    first = store.resolve()
    load(harmless(2), store, "second")
    assert store.resolve() != first
    assert rollback(store) == first and store.resolve() == first


def test_only_recent_versions_are_kept(tmp_path: Path) -> None:
    store = tmp_path / "store"
    for n in range(4):
        load(harmless(n), store, f"v{n}")
    assert len(list(versions_dir(store).iterdir())) == 2


def test_refuses_to_replace_a_real_directory(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    with pytest.raises(LoadError, match="not a link"):
        load(harmless(1), tmp_path / "store", "x")
