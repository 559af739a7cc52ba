"""The scalable build: parallel equals serial, the cache redoes only what changed, per-document SHACL stops the switch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, NamedNode, Quad

from graph_build import iris
from graph_build.build import driver
from graph_build.records import BuildStats
from graph_build.store.access import open_read_only
from graph_build.store.versions import LoadError

ROOT = Path(__file__).resolve().parents[3]
BUILD_GRAPH = NamedNode(iris.BUILD_GRAPH)


def seed_copy(tmp_path: Path) -> Path:
    """Copy the seed corpus and its annotation files, to change them freely."""
    data = tmp_path / "data"
    for folder in ("raw", "annotations"):
        shutil.copytree(ROOT / "tests" / "data" / "seeds" / folder, data / folder)
    return data


def quads(store_dir: Path) -> tuple[set[Quad], int]:
    """Every quad of a built store without blank nodes (fresh at every parse of the ontology) or build times, and the count of all."""
    everything = list(open_read_only(store_dir).quads_for_pattern(None, None, None, None))
    named = {q for q in everything if q.graph_name != BUILD_GRAPH and not any(isinstance(t, BlankNode) for t in (q.subject, q.object))}
    return named, len(everything)


def build(data: Path, store: Path, **options: object) -> BuildStats:
    return driver.build(data, store, **options)  # type: ignore[arg-type]


def test_parallel_build_equals_serial_build(tmp_path: Path) -> None:
    data = seed_copy(tmp_path)
    serial = build(data, tmp_path / "serial" / "store", jobs=1)
    parallel = build(data, tmp_path / "parallel" / "store", jobs=2)
    assert serial == parallel
    assert quads(tmp_path / "serial" / "store") == quads(tmp_path / "parallel" / "store")


def test_rebuild_reannotates_only_the_changed_document_and_equals_a_fresh_build(tmp_path: Path) -> None:
    data = seed_copy(tmp_path)
    (data / "annotations" / "gansu-44eca80e.yaml").unlink()  # its reviewed quotes would no longer match the changed text
    store = tmp_path / "var" / "store"
    first = build(data, store)
    assert first.works_from_cache == 0
    changed = data / "raw" / "001_7d67dab41be7ced0.txt"  # 甘肃, a document of its own
    changed.write_text(changed.read_text(encoding="utf-8").replace("不少于5000万元", "不少于6000万元"), encoding="utf-8")
    again = build(data, store)
    assert (again.works, again.works_from_cache) == (4, 3)
    fresh = tmp_path / "fresh" / "store"
    build(data, fresh, cache_dir=tmp_path / "fresh-cache")
    assert quads(store) == quads(fresh)


def test_changed_reviewed_annotation_file_invalidates_its_work(tmp_path: Path) -> None:
    data = seed_copy(tmp_path)
    store = tmp_path / "var" / "store"
    build(data, store)
    reviewed = data / "annotations" / "jizhengzi-2020-52.yaml"
    reviewed.write_text(reviewed.read_text(encoding="utf-8").replace("frequency: unspecified", "frequency: annual", 1), encoding="utf-8")
    again = build(data, store)
    assert (again.works, again.works_from_cache) == (4, 3)
    annual = [q for q in quads(store)[0] if q.object.value.endswith("#Annual") and "/doc/jizhengzi-2020-52/" in q.subject.value]
    assert len(annual) >= 1


def test_a_document_that_does_not_conform_stops_the_switch_and_is_named(tmp_path: Path) -> None:
    data = seed_copy(tmp_path)
    store = tmp_path / "var" / "store"
    build(data, store)
    before = store.resolve()
    reviewed = data / "annotations" / "yunnan-cd827caa.yaml"
    reviewed.write_text(reviewed.read_text(encoding="utf-8").replace("rate_percent: 20", "rate_percent: 150", 1), encoding="utf-8")
    with pytest.raises(LoadError, match=r"1 document\(s\): yunnan-cd827caa \(003_dfccf8ca3c3cbe5b.txt\)"):
        build(data, store)
    assert store.resolve() == before
