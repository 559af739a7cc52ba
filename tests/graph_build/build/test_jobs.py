"""The scalable build: parallel equals serial, the cache redoes only what changed, per-document SHACL stops the switch."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, parse

from graph_build import iris
from graph_build.build import driver, jobs
from graph_build.build.cache import Cache
from graph_build.rdf.to_rdf import to_rdf
from graph_build.records import BuildStats
from graph_build.store.access import open_read_only
from graph_build.store.versions import LoadError
from graph_build.validate.shapes import violations
from graph_build.vocab import RDF_TYPE, gx

ROOT = Path(__file__).resolve().parents[3]
BUILD_GRAPH = NamedNode(iris.BUILD_GRAPH)


def seed_copy(tmp_path: Path) -> Path:
    """Copy the seed corpus and its annotation files, to change them freely."""
    data = tmp_path / "data"
    for folder in ("raw", "annotations"):
        shutil.copytree(ROOT / "tests" / "data" / "seeds" / folder, data / folder)
    return data


ANY_RUN = NamedNode(iris.build_run("any-run"))


def quads(store: Path) -> tuple[set[Quad], int]:
    """Every quad of a built store (its link or a version) but the build graph's: those without blank nodes (fresh at every
    parse of the ontology), with every build run as ANY_RUN, and the count of all. A patched rebuild keeps the earlier
    run on what it kept and describes it in the build graph, where a fresh build names its own run only."""
    everything = [q for q in open_read_only(store).quads_for_pattern(None, None, None, None) if q.graph_name != BUILD_GRAPH]
    named = {Quad(any_run(q.subject), q.predicate, any_run(q.object), q.graph_name) for q in everything
             if not any(isinstance(t, BlankNode) for t in (q.subject, q.object))}
    return named, len(everything)


def any_run(term: object) -> object:
    return ANY_RUN if isinstance(term, NamedNode) and term.value.startswith(iris.ID + "build/") else term


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
    with pytest.raises(LoadError) as refused:
        build(data, store)
    first = str(refused.value).splitlines()[0]
    assert first.startswith("yunnan-cd827caa (003_dfccf8ca3c3cbe5b.txt) does not conform to ontology/shapes.ttl: gxsh:")
    assert "/id/doc/yunnan-cd827caa/incentive/" in first and "«" in first  # the node, then the sentence it was read from
    assert store.resolve() == before


def test_a_floor_above_its_cap_is_named_with_its_sentence_in_one_line(tmp_path: Path) -> None:
    """Issue 15: the build names the document and the sentence whose floor (100) is above its cap (20)."""
    data = seed_copy(tmp_path)
    shutil.rmtree(data / "annotations")  # the extractor reads the changed file, not a reviewed annotation of the old one
    raw = data / "raw" / "001_7d67dab41be7ced0.txt"
    text = raw.read_text(encoding="utf-8")
    sentence = "对年工业产值首次突破10亿元的工业企业,分档给予100-20万元的一次性奖励。"
    lines = text.splitlines(keepends=True)
    item = next(k for k, line in enumerate(lines) if "万元" in line or "萬元" in line)
    lines[item] = lines[item].rstrip("\n") + sentence + "\n"
    raw.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(LoadError) as refused:
        build(data, tmp_path / "store")
    first = str(refused.value).splitlines()[0]
    assert "(001_7d67dab41be7ced0.txt) does not conform to ontology/shapes.ttl: gxsh:IncentiveShape, gx:minimumYuan sh:lessThanOrEquals" in first
    assert "分档给予100-20万元的一次性奖励" in first


def test_a_document_is_checked_with_the_context_it_reaches_as_with_all_of_it() -> None:
    """The per-document checks load only the context quads a document's nodes reach; the report is the same as with all of them."""
    works = driver.annotated_works(ROOT / "tests" / "data" / "seeds", jobs=1)
    for work in works:
        quads = to_rdf(work, jobs.PLACEHOLDER_RUN)
        broken = [*quads, Quad(NamedNode(iris.ID + "doc/x/incentive/1"), RDF_TYPE, gx.Incentive, quads[0].graph_name)]
        for checked in (quads, broken):
            reached = jobs.referred_context(checked)
            assert 0 < len(reached) < len(jobs.context_quads()) / 10
            assert violations([*checked, *reached]) == violations([*checked, *jobs.context_quads()])
        assert violations([*broken, *jobs.referred_context(broken)]) is not None


def test_a_worker_hands_back_its_entities_on_disk_so_results_waiting_for_the_loader_stay_small(tmp_path: Path) -> None:
    """The pool keeps every finished result until the loader takes it (while the parent links): a path, not the lines."""
    work = driver.annotated_works(ROOT / "tests" / "data" / "seeds", jobs=1)[0]
    store = Cache(tmp_path / "cache")
    store.put("work", "a-key", work)
    rendered = jobs.render_work(jobs.RenderTask("a-key", store))
    entities = {q for q in to_rdf(work, jobs.PLACEHOLDER_RUN) if q.graph_name == NamedNode(iris.ENTITIES_GRAPH)}
    assert set(parse(rendered.entities.read_bytes(), format=RdfFormat.N_QUADS)) == entities
    assert len(pickle.dumps(rendered)) < 2_000 < len(rendered.entities.read_bytes())
    assert jobs.cached_rendering(store, "a-key") is not None
    rendered.entities.unlink()
    assert jobs.cached_rendering(store, "a-key") is None  # rendered again rather than loaded without its entities


def test_a_moved_cache_still_serves_its_renderings(tmp_path: Path) -> None:
    """A rendering's record holds the paths it was written with; read back, its files are found where the cache is now."""
    data = seed_copy(tmp_path)
    first = build(data, tmp_path / "a" / "store", jobs=1, cache_dir=tmp_path / "cache")
    (tmp_path / "cache").rename(tmp_path / "moved")
    again = build(data, tmp_path / "b" / "store", jobs=1, cache_dir=tmp_path / "moved")
    assert again.works_from_cache == again.works == first.works
    assert quads(tmp_path / "a" / "store") == quads(tmp_path / "b" / "store")
