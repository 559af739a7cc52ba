"""server.graph: one reader of the graph version, one snapshot per version with its memo, pinned for a request."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from graph_build.store.access import StoreError
from server import create_app, graph


def linked_versions(root: Path) -> Path:
    """Lay out two empty version directories and a store link to the first."""
    for name in ("v1", "v2"):
        (root / "store.versions" / name).mkdir(parents=True)
    (root / "store").symlink_to("store.versions/v1")
    return root / "store"


def move_link(link: Path, version: str) -> None:
    link.unlink()
    link.symlink_to(f"store.versions/{version}")


def test_the_same_snapshot_while_the_link_stays_and_a_new_one_when_it_moves(tmp_path: Path) -> None:
    link = linked_versions(tmp_path)
    reader = graph.StoreLink(link)
    first = reader.current()
    assert reader.current() is first and (first.version_id, first.location) == ("v1", str(tmp_path / "store.versions" / "v1"))
    move_link(link, "v2")
    second = reader.current()
    assert second.version_id == "v2" and second is not first and second.memo == {}


def test_the_link_is_read_on_every_call_though_its_text_is_remembered(tmp_path: Path) -> None:
    link = linked_versions(tmp_path)
    reader = graph.StoreLink(link)
    assert [reader.current().version_id for _ in range(2)] == ["v1", "v1"]
    move_link(link, "v2")
    assert reader.current().version_id == "v2"
    move_link(link, "v1")  # back to a text read before: a snapshot of v1 again, not the remembered v2
    assert reader.current().version_id == "v1"
    link.unlink()
    with pytest.raises(StoreError, match="no graph built yet"):
        reader.current()


def test_the_memo_computes_a_value_once_per_version(tmp_path: Path) -> None:
    link = linked_versions(tmp_path)
    reader = graph.StoreLink(link)
    calls: list[str] = []
    count = lambda: calls.append("v") or len(calls)  # noqa: E731
    assert reader.current().remember("n", count) == 1 and reader.current().remember("n", count) == 1
    move_link(link, "v2")
    assert reader.current().remember("n", count) == 2


def test_no_graph_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no graph built yet"):
        graph.StoreLink(tmp_path / "store").current()


def test_a_request_keeps_the_snapshot_of_its_first_read(tmp_path: Path) -> None:
    link = linked_versions(tmp_path)
    app: Flask = create_app({"STORE": link, "TESTING": True})
    with app.test_request_context("/"):
        first = graph.current()
        move_link(link, "v2")
        assert graph.current() is first and graph.answered_by() == "v1"
    with app.test_request_context("/"):
        assert graph.current().version_id == "v2"
