"""Rebuild by patching a copy of the current store version instead of reloading every document.

Every build writes a manifest into its version directory (next to the
GAOXIN-COMPLETE marker; Oxigraph ignores other files): the builder digest, the
build run's IRI, and each document's slug and render key. The next build
compares its documents with that manifest. When the builder is the same and few
documents changed, the new version starts as a RocksDB checkpoint of the current
one (`Store.backup`, hard links, taken through a read-only handle, so the
servers' version is never opened read-write) and is patched:

    remove the graphs of changed and removed documents, and from each shared graph the quads the new build lacks
    load   the changed and added documents and the quads the shared graphs gain (bulk_load)
    and    describe in the build graph the new run and every earlier run still named (`runs_graph`)

What the patch keeps keeps its provenance: a kept document's facts and a kept link still name the
run that rendered them (prov:wasGeneratedBy; prov:used its files), which the build graph goes on
describing, and the new run says it was informed by it (prov:wasInformedBy). Renaming the old run
in every kept quad instead cost a rebuild 52 s of its 149 s at 10,000 documents (1.36 million
quads: 1,352,353 prov:wasGeneratedBy, 10,450 prov:used).

The similarity graph (a third of the store, 18 million quads at 10,000
documents) is patched link by link: every version keeps a digest of each
link's record (LINK_DIGESTS), and a rebuild removes and reloads only the links
whose digest changed or that are gone or new.

Each shared graph (entities, reference, ontology, build, queries) is likewise
kept whole when the digest of its N-Quads, the build run left out, is the one the
base version recorded (SHARED_DIGESTS): it is not read back from the store to be
compared, and its quads go on naming the run that wrote them.

The result holds the same quads as a full load of the same inputs, but that the kept quads name the earlier
run that rendered them where a full load names the new one.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, parse, serialize

from graph_build import iris
from graph_build.research.similarity import LinkBlock
from graph_build.store.bulk import write_nquads
from graph_build.store.versions import is_complete
from graph_build.vocab import RDF_TYPE, gx, oa, prov

MANIFEST = "GAOXIN-MANIFEST.json"
LINK_DIGESTS = "GAOXIN-LINK-DIGESTS"  # one line per similarity link: its digest (similarity.link_digest), a tab, its IRI
SHARED_DIGESTS = "GAOXIN-SHARED-DIGESTS"  # one line per shared graph: the digest of its N-Quads with the build run left out, a tab, the graph
LINKS_PER_CHUNK = 2000  # similarity links per N-Quads chunk handed to the loader
Graph = NamedNode | DefaultGraph
# Patch when at most this fraction of the documents is loaded or removed. Removing a quad (one transaction write per
# quad, in remove_graph) costs 2 to 6 times bulk-loading it (measured at 100 documents: a 3,200-quad document graph in
# 0.1 s, the 184,000-quad similarity graph in 18.6 s, against 518,000 quads bulk-loaded in 7.5 s), so clearing and
# reloading a fraction f of the documents costs 3 to 7 f of loading them all: past a quarter a full load is as cheap.
PATCH_AT_MOST = 0.25


class ManifestError(ValueError):
    """A manifest file that cannot be read; the build falls back to a full load."""


@dataclass(frozen=True)
class Manifest:
    """What a store version was built by and from: the builder digest, the build run, each document's render key by slug."""

    builder: str
    run: str
    documents: tuple[tuple[str, str], ...]  # (slug, render key), in build order

    def keys(self) -> dict[str, str]:
        return dict(self.documents)


@dataclass(frozen=True)
class Patch:
    """How to turn a copy of the current version into the new one."""

    base: Path  # the current version, copied
    kept: tuple[str, ...]  # slugs of the documents whose graphs stay
    loaded: tuple[str, ...]  # slugs of the documents to load: changed or new
    replaced: int  # how many of the loaded documents were in the base too
    removed: tuple[str, ...]  # slugs of the documents of the base that are gone

    def describe(self) -> str:
        """Say what the patch did, for the build report."""
        added = len(self.loaded) - self.replaced
        return f"patched the previous version: {self.replaced} document(s) replaced, {added} added, {len(self.removed)} removed, {len(self.kept)} kept"

    def changed(self) -> tuple[str, ...]:
        """Return the IRIs of the documents whose graphs the patch loads or removes."""
        return tuple(iris.work(slug) for slug in (*self.loaded, *self.removed))


@dataclass(frozen=True)
class Plan:
    """Patch the current version, or (patch is None) load everything, and why."""

    patch: Patch | None
    reason: str = ""


def write_manifest(version: Path, manifest: Manifest) -> None:
    """Write a version's manifest as JSON."""
    documents = [{"slug": slug, "key": key, "graph": iris.graph(slug)} for slug, key in manifest.documents]
    text = json.dumps({"builder": manifest.builder, "run": manifest.run, "documents": documents}, ensure_ascii=False, indent=1)
    (version / MANIFEST).write_text(text + "\n", encoding="utf-8")


def read_manifest(version: Path) -> Manifest | None:
    """Read a version's manifest; None when it has none, ManifestError when it cannot be read."""
    path = version / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        documents = tuple((str(d["slug"]), str(d["key"])) for d in data["documents"])
        return Manifest(str(data["builder"]), str(data["run"]), documents)
    except (ValueError, KeyError, TypeError) as error:
        raise ManifestError(f"{path}: not a build manifest ({type(error).__name__}: {error})") from None


def plan(store_dir: Path, new: Manifest) -> Plan:
    """Decide whether the new version can be a patched copy of the current one."""
    if not store_dir.is_symlink() or not store_dir.exists():
        return Plan(None, "no current version")
    base = store_dir.resolve()
    if not is_complete(base):
        return Plan(None, f"{base.name} is not a complete version")
    try:
        old = read_manifest(base)
    except ManifestError as error:
        return Plan(None, str(error))
    if old is None:
        return Plan(None, f"{base.name} has no {MANIFEST}")
    if not (base / LINK_DIGESTS).is_file():
        return Plan(None, f"{base.name} has no {LINK_DIGESTS}")
    if old.builder != new.builder:
        return Plan(None, "the builder changed since the current version")
    return compare(base, old, new)


def compare(base: Path, old: Manifest, new: Manifest) -> Plan:
    """Plan the patch from the documents of the old and new manifests, unless too many changed."""
    before = old.keys()
    kept = tuple(slug for slug, key in new.documents if before.get(slug) == key)
    loaded = tuple(slug for slug, key in new.documents if before.get(slug) != key)
    removed = tuple(sorted(set(before) - set(new.keys())))
    if len(loaded) + len(removed) > PATCH_AT_MOST * max(len(new.documents), 1):
        return Plan(None, f"{len(loaded)} document(s) to load and {len(removed)} to remove of {len(new.documents)}: more than {PATCH_AT_MOST:.0%}")
    return Plan(Patch(base, kept, loaded, sum(slug in before for slug in loaded), removed))


def write_patched(patch: Patch, new_run: str, documents: Iterable[bytes], shared: dict[Graph, bytes], links: Iterable[LinkBlock], version: Path) -> int:
    """Make `version` a checkpoint of the patch's base and patch it: the new run, the documents, the shared graphs, the links; return the quad count."""
    version.rmdir()  # Store.backup makes its target directory
    Store.read_only(str(patch.base)).backup(str(version))
    store = Store(str(version))
    kept = {NamedNode(iris.graph(slug)) for slug in patch.kept} | {SIMILARITY, BUILD}  # links: one by one; the runs: last
    before, after = read_shared_digests(patch.base), write_shared_digests(version, shared, new_run)
    kept |= {graph for graph in shared if str(graph) in after and after[str(graph)] == before.get(str(graph))}  # unchanged but for the run
    added = [patched_graph(store, graph, shared.get(graph)) for graph in {*store.named_graphs(), *shared} - kept]
    added.append(patched_links(store, read_digests(patch.base), links, version))
    added.append(runs_graph(store, new_run, shared[BUILD]))
    store.flush()
    del store
    return write_nquads(itertools.chain(documents, added), version)


# ---- shared graphs ---------------------------------------------------------------------------


def shared_digest(nquads: bytes, run: str) -> str:
    """Digest a shared graph's N-Quads without its build run; a graph with blank nodes (relabelled at every load) gets no digest ("")."""
    if b"_:" in nquads:
        return ""
    return hashlib.blake2b(nquads.replace(f"<{run}>".encode(), b"<run>"), digest_size=16).hexdigest()


def write_shared_digests(version: Path, shared: dict[Graph, bytes], run: str) -> dict[str, str]:
    """Write the version's SHARED_DIGESTS (the graphs without a digest are left out); return them, graph → digest."""
    digests = {str(graph): digest for graph, nquads in shared.items() if (digest := shared_digest(nquads, run))}
    (version / SHARED_DIGESTS).write_text("".join(f"{digest}\t{graph}\n" for graph, digest in digests.items()), encoding="utf-8")
    return digests


def read_shared_digests(version: Path) -> dict[str, str]:
    """Read a version's shared-graph digests, graph → digest (none when it has no such file)."""
    path = version / SHARED_DIGESTS
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return {graph: digest for digest, graph in (line.split("\t", 1) for line in lines)}


# ---- similarity links ----------------------------------------------------------------------

SIMILARITY = NamedNode(iris.SIMILARITY_GRAPH)


def digested(links: Iterable[LinkBlock], version: Path) -> Iterator[LinkBlock]:
    """Pass the links on, writing each one's digest into the version's LINK_DIGESTS."""
    with open(version / LINK_DIGESTS, "w", encoding="utf-8") as digests:
        for link in links:
            digests.write(f"{link.digest}\t{link.iri}\n")
            yield link


def streamed_links(links: Iterable[LinkBlock], version: Path) -> Iterator[bytes]:
    """Yield the links' N-Quads in chunks for a full load, writing their digests into the version as they pass."""
    written = (link.nquads() for link in digested(links, version))
    while chunk := list(itertools.islice(written, LINKS_PER_CHUNK)):
        yield "".join(chunk).encode("utf-8")


def read_digests(version: Path) -> dict[str, str]:
    """Read a version's link digests: IRI → digest."""
    with open(version / LINK_DIGESTS, encoding="utf-8") as lines:
        return {iri: digest for digest, iri in (line.rstrip("\n").split("\t", 1) for line in lines)}


def changed_links(base: Path, version: Path) -> list[str]:
    """Return the IRIs of the links a patched version wrote: new, or with a digest other than in the base version."""
    before = read_digests(base)
    return [iri for iri, digest in read_digests(version).items() if before.get(iri) != digest]


def patched_links(store: Store, before: dict[str, str], links: Iterable[LinkBlock], version: Path) -> bytes:
    """Remove from the store the links that changed or are gone; return the N-Quads of those that changed or are new, writing the new digests."""
    changed = [link for link in digested(links, version) if before.pop(link.iri, None) != link.digest]
    for iri in [*before, *(link.iri for link in changed)]:  # gone, then changed
        for quad in list(link_quads(store, NamedNode(iri), SIMILARITY, set())):
            store.remove(quad)
    return "".join(link.nquads() for link in changed).encode("utf-8")


def patched_graph(store: Store, graph: Graph, new: bytes | None) -> bytes:
    """Remove from one graph of the store the quads `new` (N-Quads, None for no such graph any more) lacks; return those it adds.

    A changed or removed document's graph goes whole. A shared graph (entities, reference, build, queries) is compared
    line by line, being mostly the same from one build to the next; a graph with blank nodes (the ontology's) goes
    whole, since its blank nodes get new labels at every load. The similarity graph is patched by patched_links.
    """
    old = b"" if new is None else store.dump(format=RdfFormat.N_QUADS, from_graph=graph)
    if new is None or not old or b"_:" in old or b"_:" in new:
        store.remove_graph(graph) if isinstance(graph, NamedNode) else store.clear_graph(graph)
        return new or b""
    named = f" {graph} .".encode() if isinstance(graph, NamedNode) else b" ."  # dump(from_graph=…) writes the graph's quads as triples
    before, after = {line[:-2] + named for line in old.splitlines()}, set(new.splitlines())
    for quad in parse(b"\n".join(before - after), format=RdfFormat.N_QUADS):
        store.remove(quad)
    return b"\n".join([*(after - before), b""])


# ---- the build graph ---------------------------------------------------------------------------

BUILD = NamedNode(iris.BUILD_GRAPH)


def runs_graph(store: Store, new_run: str, described: bytes) -> bytes:
    """Replace the build graph of a patched store (its kept and removed quads settled): return the N-Quads of the new run's
    description (`described`), of every earlier run some quad still names as prov:wasGeneratedBy, and of the new run's
    prov:wasInformedBy each of those.

    An earlier run is described as the build that made it described it (its type, times, version, input digest), without
    the runs it was informed by in turn: the graph describes the runs whose results it holds, and the newest was informed by all.
    """
    new = NamedNode(new_run)
    earlier = [q.subject for q in store.quads_for_pattern(None, RDF_TYPE, gx.BuildRun, BUILD) if q.subject != new]
    named = [run for run in earlier if next(store.quads_for_pattern(None, prov.wasGeneratedBy, run, None), None) is not None]
    kept = [q for run in named for q in store.quads_for_pattern(run, None, None, BUILD) if q.predicate != prov.wasInformedBy]
    informed = [Quad(new, prov.wasInformedBy, run, BUILD) for run in named]
    store.remove_graph(BUILD)
    return described + serialize([*kept, *informed], format=RdfFormat.N_QUADS)


def link_quads(store: Store, link: NamedNode, graph: NamedNode, referred: set[NamedNode]) -> Iterator[Quad]:
    """Yield a link's quads (the link, its shared passages, their spans and selectors), adding the nodes they point outside to `referred`."""
    pending = [link]
    while pending:
        node = pending.pop()
        for quad in store.quads_for_pattern(node, None, None, graph):
            yield quad
            if quad.predicate in (oa.hasTarget, oa.hasSource):
                referred.add(quad.object)
            elif isinstance(quad.object, NamedNode) and quad.object.value.startswith(link.value + "/"):
                pending.append(quad.object)
