"""Incremental rebuilds: a patched copy of the current version equals a full build of the same inputs, and falls back when it must."""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store

from gaoxin_kg.report import line
from graph_build import iris
from graph_build.build import driver
from graph_build.records import BuildStats
from graph_build.store import incremental, search_index
from graph_build.store.incremental import LINK_DIGESTS, MANIFEST
from graph_build.store.search_index import INDEX_FILE
from graph_build.store.versions import COMPLETE_MARKER, LoadError, versions_dir
from graph_build.validate import whole_graph
from graph_build.vocab import RDF_TYPE, gx, prov
from server import remote

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))

import build as bench_build  # noqa: E402  (bench/build.py: the change a benchmark rebuild makes)
import corpus  # noqa: E402

from tests.graph_build.build.test_jobs import quads  # noqa: E402  (the comparison of a store's quads with another's)

BUILD_GRAPH = NamedNode(iris.BUILD_GRAPH)
GANSU = "001_7d67dab41be7ced0.txt"  # a document of its own: gansu-44eca80e
HEBEI, HEBEI_NUMBER = "004_f2cc480d52bcecb0.txt", "冀政字〔2020〕52號"


def build(data: Path, store: Path, **options: object) -> tuple[BuildStats, list[str]]:
    """Build and return the stats and the report's load line."""
    lines: list[str] = []
    stats = driver.build(data, store, lambda event: lines.append(line(event) or ""), **options)  # type: ignore[arg-type]
    return stats, [line for line in lines if line.startswith("  load:")]


def index_entries(version: Path) -> set[tuple[object, ...]]:
    """Every entry of a version's search index with its folded text and its facet rows, without the entry ids."""
    with sqlite3.connect(version / INDEX_FILE) as connection:
        facets: dict[int, set[tuple[str, str, str]]] = {}
        for entry, facet, value, label in connection.execute("SELECT entry, facet, value, label FROM facet"):
            facets.setdefault(entry, set()).add((facet, value, label))
        columns = "e.id, kind, iri, document, document_title, heading, path, text, folded"
        rows = connection.execute(f"SELECT {columns} FROM entry e JOIN entry_text t ON t.rowid = e.id")
        found = {(*row[1:], frozenset(facets.get(row[0], ()))) for row in rows}
    connection.close()
    return found


def versions(store: Path) -> set[str]:
    return {p.name for p in versions_dir(store).iterdir()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed corpus (four documents) built once, with its store link, versions and cache, to copy."""
    root = tmp_path_factory.mktemp("built")
    for folder in ("raw", "annotations"):
        shutil.copytree(ROOT / "tests" / "data" / "seeds" / folder, root / "data" / folder)
    (root / "data" / "annotations" / "gansu-44eca80e.yaml").unlink()  # its reviewed quotes would no longer match an edited text
    _, load = build(root / "data", root / "var" / "store")
    assert load == ["  load: full load (no current version)"]
    return root


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    """A copy of the built tree: data/, var/store (a relative link), its versions and its cache."""
    shutil.copytree(built, tmp_path / "t", symlinks=True)
    return tmp_path / "t"


def add_hebei_copy(raw: Path) -> None:
    """Add a copy of the Hebei document under another 文号: a new document, jizhengzi-2020-100."""
    text = (raw / HEBEI).read_text(encoding="utf-8")
    (raw / "900_copy.txt").write_text(text.replace(HEBEI_NUMBER, "冀政字〔2020〕100號"), encoding="utf-8")


def fresh(data: Path, root: Path) -> Path:
    """Build the data from scratch into a store and cache of their own; return the version."""
    _, load = build(data, root / "fresh" / "store", cache_dir=root / "fresh" / "cache")
    assert load == ["  load: full load (no current version)"]
    return (root / "fresh" / "store").resolve()


def test_one_changed_document_is_patched_and_equals_a_fresh_build(copy: Path) -> None:
    store, data = copy / "var" / "store", copy / "data"
    before = store.resolve()
    old = quads(before)
    edit(data / "raw" / GANSU, "不少于5000万元", "不少于6000万元")
    stats, load = build(data, store)
    assert load == ["  load: patched the previous version: 1 document(s) replaced, 0 added, 0 removed, 3 kept"]
    assert (stats.works, stats.works_from_cache) == (4, 3)
    assert quads(store.resolve()) == quads(fresh(data, copy))
    assert quads(before) == old  # the checkpoint shares files with the previous version but never changed it


def test_removed_and_added_documents_are_patched_and_equal_a_fresh_build(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "PATCH_AT_MOST", 1.0)  # two changes of four documents: patch all the same
    store, data = copy / "var" / "store", copy / "data"
    (data / "raw" / GANSU).unlink()
    add_hebei_copy(data / "raw")
    _, load = build(data, store)
    assert load == ["  load: patched the previous version: 0 document(s) replaced, 1 added, 1 removed, 3 kept"]
    patched, fresh_version = quads(store.resolve()), fresh(data, copy)
    assert patched == quads(fresh_version)
    assert index_entries(store.resolve()) == index_entries(fresh_version)  # the removed document's entries gone, the added one's in
    graphs = {q.graph_name.value for q in patched[0]}
    assert iris.graph("jizhengzi-2020-100") in graphs and iris.graph("gansu-44eca80e") not in graphs


def test_a_rebuild_with_nothing_changed_keeps_every_document(copy: Path) -> None:
    store, data = copy / "var" / "store", copy / "data"
    before = store.resolve()
    _, load = build(data, store)
    assert load == ["  load: patched the previous version: 0 document(s) replaced, 0 added, 0 removed, 4 kept"]
    assert store.resolve() != before
    assert quads(store.resolve()) == quads(before)


def test_unchanged_documents_are_not_reloaded(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, data = copy / "var" / "store", copy / "data"
    before = store.resolve()
    loaded: list[list[str]] = []
    chunks = driver.document_chunks
    monkeypatch.setattr(driver, "document_chunks", lambda works, run: loaded.append([w.slug for w in works]) or chunks(works, run))
    edit(data / "raw" / GANSU, "不少于5000万元", "不少于6000万元")
    _, load = build(data, store)
    assert loaded == [["gansu-44eca80e"]]
    assert load[0].startswith("  load: patched the previous version") and store.resolve() != before
    # Whether the new version still shares SST files (hard links) with the old one depends on RocksDB's background
    # compaction and on whether the old store had flushed any: a fresh clone's CI run found none, so it is not asserted.


def test_a_corpus_rebuilt_after_one_change_equals_a_fresh_build_with_its_index_and_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """30 documents of the scale corpus, one amount changed as the benchmark does: the patched version has the quads and the
    search entries of a fresh build, and its similarity checks sampled only the links the patch wrote."""
    data, store = tmp_path / "data", tmp_path / "var" / "store"
    corpus.write(30, data, seed=0)
    build(data, store)
    first = store.resolve()
    bench_build.change_one(data / "raw")
    sampled: list[list[str]] = []
    checked = whole_graph.similarity_violations

    def record(*args: object, among: list[NamedNode], **options: object) -> str | None:
        sampled.append([node.value for node in among])
        return checked(*args, among=among, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(whole_graph, "similarity_violations", record)
    compared: list[object] = []
    patched_graph = incremental.patched_graph
    monkeypatch.setattr(incremental, "patched_graph", lambda store, graph, new: compared.append(graph) or patched_graph(store, graph, new))
    _, load = build(data, store)
    assert load == ["  load: patched the previous version: 1 document(s) replaced, 0 added, 0 removed, 29 kept"]
    patched = store.resolve()
    monkeypatch.undo()
    fresh_version = fresh(data, tmp_path)
    assert quads(patched) == quads(fresh_version)
    assert index_entries(patched) == index_entries(fresh_version) != index_entries(first)
    for text in ("高新区", "企业", "万元奖励"):  # every hit in the same order, ties included (a short term matches with LIKE, unranked)
        assert len(all_hits(patched, text)) > 0 and all_hits(patched, text) == all_hits(fresh_version, text)
    written = incremental.changed_links(first, patched)
    assert sampled == [written] and 0 < len(written) < len(incremental.read_digests(patched))
    assert NamedNode(iris.REFERENCE_GRAPH) not in compared and NamedNode(iris.graph(changed_slug(first, patched))) in compared


def all_hits(version: Path, text: str) -> list[str]:
    """Return the IRIs of every hit of a search, page after page."""
    found, page = [], 1
    while hits := search_index.search(version, text, {}, page).hits:
        found += [hit.iri for hit in hits]
        page += 1
    return found


def changed_slug(before: Path, after: Path) -> str:
    """Return the slug of the one document whose render key differs between two versions' manifests."""
    old, new = (incremental.read_manifest(v).keys() for v in (before, after))  # type: ignore[union-attr]
    (slug,) = [slug for slug, key in new.items() if old.get(slug) != key]
    return slug


def shared_files(version: Path, other: Path) -> set[int]:
    """Return the inodes of the RocksDB table files two versions share."""
    return {p.stat().st_ino for p in version.glob("*.sst")} & {p.stat().st_ino for p in other.glob("*.sst")}


def damage_builder(version: Path) -> None:
    manifest = json.loads((version / MANIFEST).read_text(encoding="utf-8"))
    (version / MANIFEST).write_text(json.dumps({**manifest, "builder": "0" * 64}), encoding="utf-8")


# fmt: off
FALLBACKS = [
    ("builder-changed", damage_builder, "the builder changed since the current version"),
    ("no-manifest", lambda version: (version / MANIFEST).unlink(), f"has no {MANIFEST}"),
    ("unreadable-manifest", lambda version: (version / MANIFEST).write_text('{"builder": "x", "ru', encoding="utf-8"), "not a build manifest (JSONDecodeError"),
    ("incomplete-version", lambda version: (version / COMPLETE_MARKER).unlink(), "is not a complete version"),
    ("no-link-digests", lambda version: (version / LINK_DIGESTS).unlink(), f"has no {LINK_DIGESTS}"),
]
# fmt: on


@pytest.mark.parametrize(("damage", "reason"), [f[1:] for f in FALLBACKS], ids=[f[0] for f in FALLBACKS])
def test_a_current_version_that_cannot_be_patched_gets_a_full_load(copy: Path, damage: Callable[[Path], None], reason: str) -> None:
    store, data = copy / "var" / "store", copy / "data"
    before = store.resolve()
    damage(before)
    edit(data / "raw" / GANSU, "不少于5000万元", "不少于6000万元")
    _, load = build(data, store)
    assert len(load) == 1 and load[0].startswith("  load: full load (") and reason in load[0]
    assert not shared_files(before, store.resolve())  # no checkpoint
    assert (store.resolve() / MANIFEST).is_file()


def test_many_changed_documents_get_a_full_load(copy: Path) -> None:
    store, data = copy / "var" / "store", copy / "data"
    (data / "raw" / GANSU).unlink()
    add_hebei_copy(data / "raw")
    _, load = build(data, store)
    assert load == ["  load: full load (1 document(s) to load and 1 to remove of 4: more than 25%)"]


def fail_checks(version: Path, links: object = None) -> None:
    raise LoadError("the shared graphs do not conform (test)")


def fail_loading(chunks: object, version: Path) -> int:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(
    ("target", "replacement", "message"),
    [(driver, ("validate_shared", fail_checks), "do not conform"), (incremental, ("write_nquads", fail_loading), "disk full")],
    ids=["checks-fail", "load-fails"],
)
def test_a_failed_patch_leaves_the_previous_version_serving_and_no_orphan(
    copy: Path, monkeypatch: pytest.MonkeyPatch, target: object, replacement: tuple[str, Callable[..., object]], message: str
) -> None:
    store, data = copy / "var" / "store", copy / "data"
    before, names, old = store.resolve(), versions(store), quads(store.resolve())
    monkeypatch.setattr(target, *replacement)
    edit(data / "raw" / GANSU, "不少于5000万元", "不少于6000万元")
    with pytest.raises(LoadError, match=message):
        build(data, store)
    assert store.resolve() == before and versions(store) == names
    assert quads(before) == old
    monkeypatch.undo()
    _, load = build(data, store)
    assert load[0].startswith("  load: patched the previous version: 1 document(s) replaced")


@pytest.mark.parametrize(
    ("text", "message"),
    [("{}", "KeyError: 'documents'"), ('{"builder": "b", "run": "r", "documents": [1]}', "TypeError"), ("[]", "TypeError")],
)
def test_an_unreadable_manifest_is_named(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / MANIFEST).write_text(text, encoding="utf-8")
    with pytest.raises(incremental.ManifestError, match=f"{MANIFEST}: not a build manifest.*{message}"):
        incremental.read_manifest(tmp_path)


def test_a_manifest_reads_back_as_written(tmp_path: Path) -> None:
    manifest = incremental.Manifest("b" * 64, iris.build_run("c" * 64), (("甘肃-1", "k1"), ("yunnan-cd827caa", "k2")))
    incremental.write_manifest(tmp_path, manifest)
    assert incremental.read_manifest(tmp_path) == manifest


EX = "http://example.org/"
SIMILARITY = NamedNode(iris.SIMILARITY_GRAPH)


def lines(*triples: str, graph: NamedNode = SIMILARITY) -> bytes:
    return "".join(f"{t} {graph} .\n" for t in triples).encode()


# fmt: off
SHARED = [
    ("same", [f"<{EX}a> <{EX}p> \"甲\""], [f"<{EX}a> <{EX}p> \"甲\""], b""),
    ("one-changed", [f"<{EX}a> <{EX}p> \"甲\"", f"<{EX}b> <{EX}p> \"乙\""], [f"<{EX}a> <{EX}p> \"甲\"", f"<{EX}b> <{EX}p> \"丙\""],
     lines(f"<{EX}b> <{EX}p> \"丙\"")),
    ("decimal-lexical-form", [f"<{EX}a> <{EX}score> \"0.50\"^^<http://www.w3.org/2001/XMLSchema#decimal>"],
     [f"<{EX}a> <{EX}score> \"0.50\"^^<http://www.w3.org/2001/XMLSchema#decimal>"], None),
    ("blank-nodes", [f"<{EX}a> <{EX}p> _:x"], [f"<{EX}a> <{EX}p> _:y"], lines(f"<{EX}a> <{EX}p> _:y")),
]
# fmt: on


@pytest.mark.parametrize(("old", "new", "added"), [s[1:] for s in SHARED], ids=[s[0] for s in SHARED])
def test_a_shared_graph_is_patched_to_the_new_quads(tmp_path: Path, old: list[str], new: list[str], added: bytes | None) -> None:
    store = Store(str(tmp_path / "s"))
    store.load(lines(*old), format=RdfFormat.N_QUADS)
    store.add(Quad(NamedNode(EX + "other"), NamedNode(EX + "p"), NamedNode(EX + "o"), NamedNode(EX + "g")))
    loaded = incremental.patched_graph(store, SIMILARITY, lines(*new))
    assert added is None or loaded == added
    store.load(loaded, format=RdfFormat.N_QUADS)
    expected = Store()
    expected.load(lines(*new), format=RdfFormat.N_QUADS)
    assert isomorphic(store, expected, SIMILARITY) and len(store) == len(expected) + 1


def isomorphic(store: Store, other: Store, graph: NamedNode) -> bool:
    """Compare one graph of two stores: the quads without blank nodes, and the count of all."""

    def seen(of: Store) -> tuple[set[Quad], int]:
        quads = list(of.quads_for_pattern(None, None, None, graph))
        return {q for q in quads if not isinstance(q.object, BlankNode)}, len(quads)

    return seen(store) == seen(other)


def test_a_graph_no_longer_built_is_removed(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "s"))
    store.load(lines(f"<{EX}a> <{EX}p> \"甲\""), format=RdfFormat.N_QUADS)
    assert incremental.patched_graph(store, SIMILARITY, None) == b""
    assert len(store) == 0 and list(store.named_graphs()) == []


def test_a_reworded_measure_patches_only_the_links_that_changed(copy: Path) -> None:
    """Check rewording a measure changes some similarity links, the patch reloads only those, and the result equals a fresh build."""
    store, data = copy / "var" / "store", copy / "data"
    before = incremental.read_digests(store.resolve())
    edit(data / "raw" / GANSU, "不少于5000万元", "不少于5000万元，并对引进的高层次人才团队给予安家补助")
    _, load = build(data, store)
    assert load[0].startswith("  load: patched the previous version: 1 document(s) replaced")
    after = incremental.read_digests(store.resolve())
    stored = Store.read_only(str(store.resolve())).quads_for_pattern(None, RDF_TYPE, gx.SimilarityLink, None)
    assert set(after) == {q.subject.value for q in stored}  # the digests list exactly the links the version holds
    changed = {iri for iri in after if before.get(iri) != after[iri]} | (set(before) - set(after))
    assert 0 < len(changed) < len(after)
    assert quads(store.resolve())[0] == quads(fresh(data, copy))[0]


def test_a_patch_keeps_the_run_that_rendered_what_it_kept_and_describes_the_runs_still_named(copy: Path) -> None:
    """Check a kept document still names the run that rendered it, the changed one the new run, the build graph describes
    both (the newest informed by the earlier, and picked by the remote endpoint's build query), and a run no quad names
    any more leaves it."""
    store, data = copy / "var" / "store", copy / "data"
    runs = [incremental.read_manifest(store.resolve()).run]  # type: ignore[union-attr]
    for old, new in (("不少于5000万元", "不少于6000万元"), ("不少于6000万元", "不少于7000万元")):
        edit(data / "raw" / GANSU, old, new)
        _, load = build(data, store)
        assert load == ["  load: patched the previous version: 1 document(s) replaced, 0 added, 0 removed, 3 kept"]
        runs.append(incremental.read_manifest(store.resolve()).run)  # type: ignore[union-attr]
        version = Store.read_only(str(store.resolve()))
        assert generated_by(version, "gansu-44eca80e") == {runs[-1]} and generated_by(version, "jizhengzi-2020-52") == {runs[0]}
        described = {q.subject.value for q in version.quads_for_pattern(None, RDF_TYPE, gx.BuildRun, BUILD_GRAPH)}
        informed = {(q.subject.value, q.object.value) for q in version.quads_for_pattern(None, prov.wasInformedBy, None, None)}
        assert described == {runs[0], runs[-1]} and informed == {(runs[-1], runs[0])}  # the middle run: renamed nowhere, gone
        (row,) = version.query(remote.BUILD, use_default_graph_as_union=True)
        assert iris.build_run(row["digest"].value) == runs[-1]
    assert len(set(runs)) == 3


def generated_by(version: Store, slug: str) -> set[str]:
    """Return the runs a document's graph names as prov:wasGeneratedBy."""
    return {q.object.value for q in version.quads_for_pattern(None, prov.wasGeneratedBy, None, NamedNode(iris.graph(slug)))}
