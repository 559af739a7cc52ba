"""Stage 10, load: write a new store, validate it, then switch it in atomically.

``--store DIR`` is a symbolic link to one version under ``DIR.versions/``.
A build writes a fresh version directory, reads it back, validates it with
pySHACL against ontology/shapes.ttl, and only then points the link at it
(``os.replace`` of a link is atomic on POSIX). A failed or interrupted build
leaves the link, and so the graph being served, as it was; the previous
version is kept for rollback.

Validating the whole graph at once with pySHACL does not scale (it reads the
graph into rdflib), so the pipeline checks each document's quads (its named
graph and the entity descriptions it emits, with the reference data) in the
worker that made them, with the shapes compiled to SPARQL (shapes.py), and
:func:`validate_shared` checks what only the whole graph can show: the shared
graphs (entities, reference, ontology, queries, build) with the same compiled
shapes, the similarity graph, and values that two documents give a shared
node, all in SPARQL over the new store. Either failing keeps the switch from
happening. `gaoxin-kg validate` still runs pySHACL over a whole store.

A version is complete once its marker file (COMPLETE_MARKER) is written, after
validation. A build killed before that (SIGKILL, power loss) leaves an
incomplete version directory behind; the next build removes every version
that is neither complete nor the link's target, under a lock that keeps two
builds of one store from running at once.
"""

from __future__ import annotations

import errno
import fcntl
import io
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyshacl
import rdflib
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, serialize

from graph_build import iris
from graph_build.validate import shapes
from graph_build.validate.shapes import shapes_graph
from graph_build.vocab import RDF_TYPE, eli, gx, oa

KEEP_VERSIONS = 2  # the current version and the one before it
COMPLETE_MARKER = "GAOXIN-COMPLETE"  # written into a version directory once it is validated; Oxigraph ignores it


class LoadError(RuntimeError):
    """A graph that could not be stored or did not validate; the previous graph stays."""


def versions_dir(store_dir: Path) -> Path:
    return store_dir.parent / f"{store_dir.name}.versions"


def load(quads: Iterable[Quad], store_dir: Path, label: str) -> int:
    """Store the quads as a new version, validate it and switch the store link to it; return the quad count."""
    return load_with(lambda version: write_store(quads, version), store_dir, label, validate)


def load_with(write: Callable[[Path], int], store_dir: Path, label: str, check: Callable[[Path], None]) -> int:
    """Write a new version with `write`, run `check` on it and switch the store link to it; return the quad count."""
    if store_dir.exists() and not store_dir.is_symlink():
        raise LoadError(f"{store_dir}: exists and is not a link made by gaoxin-kg build; move it away or choose another --store")
    versions_dir(store_dir).mkdir(parents=True, exist_ok=True)
    with build_lock(store_dir):
        remove_orphans(store_dir)
        version = versions_dir(store_dir) / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}-{label[:8]}"
        version.mkdir()
        try:
            count = write(version)
            check(version)
            mark_complete(version)
        except OSError as error:
            shutil.rmtree(version, ignore_errors=True)
            raise LoadError(f"{version}: could not write the new store version ({describe(error)}); the store link was not switched") from error
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)
            raise
        switch(store_dir, version)
        prune(store_dir)
    return count


@contextmanager
def build_lock(store_dir: Path) -> Iterator[None]:
    """Hold the store's build lock, or raise LoadError when another build holds it (the kernel frees it if a build dies)."""
    with open(store_dir.parent / f".{store_dir.name}.build.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LoadError(f"{store_dir}: another gaoxin-kg build is writing this store; wait for it to finish") from None
        yield


def is_complete(version: Path) -> bool:
    return (version / COMPLETE_MARKER).is_file()


def mark_complete(version: Path) -> None:
    """Write the completeness marker of a validated version and make it durable."""
    marker = version / COMPLETE_MARKER
    with open(marker, "w", encoding="utf-8") as handle:
        handle.write(f"validated {datetime.now(UTC).isoformat(timespec='seconds')}\n")
        handle.flush()
        os.fsync(handle.fileno())


def remove_orphans(store_dir: Path) -> list[Path]:
    """Remove what killed builds left: incomplete versions other than the link's target, and temporary links."""
    current = store_dir.resolve() if store_dir.is_symlink() else None
    orphans = [p for p in versions_dir(store_dir).iterdir() if p.is_dir() and not is_complete(p) and p.resolve() != current]
    for orphan in orphans:
        shutil.rmtree(orphan, ignore_errors=True)
    for link in store_dir.parent.glob(f".{store_dir.name}.link-*"):
        link.unlink(missing_ok=True)
    return orphans


def write_store(quads: Iterable[Quad], directory: Path) -> int:
    """Bulk-load quads into a new on-disk store and return how many it holds."""
    store = Store(str(directory))
    store.bulk_extend(quads)
    store.flush()
    count = len(store)
    del store
    return count


BATCH_BYTES = 32 << 20  # N-Quads per bulk_load call: the loader's memory grows with what one call reads


def write_nquads(chunks: Iterable[bytes], directory: Path) -> int:
    """Bulk-load a stream of N-Quads chunks (whole lines each) into a new on-disk store and return how many quads it holds."""
    store = Store(str(directory))
    for batch in batches(chunks, BATCH_BYTES):
        store.bulk_load(input=io.BufferedReader(ChunkReader(iter(batch)), buffer_size=1 << 20), format=RdfFormat.N_QUADS)
    store.flush()
    count = len(store)
    del store
    return count


def batches(chunks: Iterable[bytes], size: int) -> Iterator[list[bytes]]:
    """Group chunks into lists of at least `size` bytes (the last may be smaller).

    >>> list(batches([b"ab", b"c", b"de"], 3))
    [[b'ab', b'c'], [b'de']]
    """
    batch: list[bytes] = []
    held = 0
    for chunk in chunks:
        batch.append(chunk)
        held += len(chunk)
        if held >= size:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


class ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of byte chunks, so the loader never needs them all at once."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.pending = chunks, memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        while not self.pending:
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.pending = memoryview(chunk)
        size = min(len(buffer), len(self.pending))
        buffer[:size], self.pending = self.pending[:size], self.pending[size:]
        return size


def describe(error: OSError) -> str:
    """Say what an I/O error means, pointing out a full disk or file size limit."""
    text = str(error)
    if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT) or "No space left" in text or "File too large" in text:
        return f"disk full or file size limit reached: {text}"
    return text


def validate(directory: Path) -> None:
    """Validate a stored graph (all named graphs together) against the SHACL shapes."""
    store = Store.read_only(str(directory))
    report = violations(store.quads_for_pattern(None, None, None, None))
    del store
    if report:
        raise LoadError("the built graph does not conform to ontology/shapes.ttl:\n" + report)


def violations(quads: Iterable[Quad]) -> str | None:
    """Validate quads (graphs merged) with pySHACL; return the start of the report when they do not conform."""
    triples = (Quad(q.subject, q.predicate, q.object) for q in quads)
    data = rdflib.Graph().parse(data=serialize(triples, format=RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes_graph(), inference="none", allow_warnings=True)
    return None if conforms else first_lines(report, 40)


SIMILARITY_SAMPLE = 2000  # similarity links checked against the shapes per build: all of them up to this many, then evenly spaced
SIMILARITY_SHAPES = frozenset(
    f"gxsh:{name}"
    for name in ("SimilarityLinkShape", "SharedWordingShape", "EvidenceShape", "TextPositionSelectorShape", "TextQuoteSelectorShape", "QuotesMatchSourceShape")
)


def similarity_violations(store: Store, graph: NamedNode, sample: int = SIMILARITY_SAMPLE) -> str | None:
    """Check a sample of the similarity graph's links against the compiled shapes; return the report when one does not conform.

    A large corpus has about 33 similarity quads per link (18.6 million at 10,000
    documents), too many to check whole in a build. Every link is written by the
    same code (diffuse.link_nquads), so a sample catches what that code
    gets wrong: each sampled link is copied into a store in memory with what its
    shapes look at (its two measures' types, and the source text its quotes
    come from) and checked there.
    """
    links = [q.subject for q in store.quads_for_pattern(None, RDF_TYPE, gx.SimilarityLink, graph)]
    step = max(1, -(-len(links) // sample))
    copy = Store()
    referred: set[NamedNode] = set()  # the measures and expressions the sampled links point at
    copy.extend([quad for link in links[::step] for quad in link_quads(store, link, graph, referred)])
    copy.extend([quad for node in referred for quad in context_quads(store, node)])
    return shapes.report([found for found in shapes.broken(copy) if found[0].shape in SIMILARITY_SHAPES])


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


def context_quads(store: Store, node: NamedNode) -> Iterator[Quad]:
    """Yield what the similarity shapes need of a measure or expression: its types, and an expression's files with their source text."""
    yield from store.quads_for_pattern(node, RDF_TYPE, None, None)
    for embodied in store.quads_for_pattern(node, eli.is_embodied_by, None, None):
        yield embodied
        yield from store.quads_for_pattern(embodied.object, gx.sourceText, None, None)


# Values that two documents may each give one shared node, where the shapes allow one (sh:maxCount 1).
CONFLICTS = {
    "a high-tech zone has two levels (gx:zoneLevel)": "SELECT ?node WHERE { ?node gx:zoneLevel ?a , ?b FILTER(?a != ?b) } LIMIT 5",
    "a document has two 文号 (eli:id_local)": "SELECT ?node WHERE { ?node eli:id_local ?a , ?b FILTER(?a != ?b) } LIMIT 5",
    "a zone has two inProvince (gx:inProvince)": "SELECT ?node WHERE { ?node gx:inProvince ?a , ?b FILTER(?a != ?b) } LIMIT 5",
}


def validate_shared(directory: Path) -> None:
    """Check what per-document validation cannot see: the shared graphs, and conflicting values across documents."""
    store = Store.read_only(str(directory))
    similarity = NamedNode(iris.SIMILARITY_GRAPH)
    shared = [g for g in store.named_graphs() if isinstance(g, NamedNode) and not g.value.startswith(iris.ID + "doc/") and g != similarity]
    report = shapes.report(shapes.broken(store, graphs=shared)) or similarity_violations(store, similarity)
    if report:
        raise LoadError("the shared graphs do not conform to ontology/shapes.ttl:\n" + report)
    prefixes = "PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#> PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"
    for problem, query in CONFLICTS.items():
        nodes = [row["node"].value for row in store.query(prefixes + query, use_default_graph_as_union=True)]
        if nodes:
            raise LoadError(f"the built graph does not conform to ontology/shapes.ttl: {problem}: {', '.join(nodes)}")


def first_lines(text: str, count: int) -> str:
    lines = text.splitlines()
    more = f"\n... ({len(lines) - count} more lines)" if len(lines) > count else ""
    return "\n".join(lines[:count]) + more


def switch(store_dir: Path, version: Path) -> None:
    """Point the store link at a version, atomically."""
    temporary = store_dir.parent / f".{store_dir.name}.link-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(os.path.relpath(version, store_dir.parent))
    os.replace(temporary, store_dir)


def prune(store_dir: Path) -> None:
    """Remove all versions but the newest few, never the current one."""
    current = store_dir.resolve()
    versions = sorted(p for p in versions_dir(store_dir).iterdir() if p.is_dir() and is_complete(p))
    for old in versions[:-KEEP_VERSIONS]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


def rollback(store_dir: Path) -> Path:
    """Point the store link back at the version before the current one and return it."""
    current = store_dir.resolve()
    older = [p for p in sorted(versions_dir(store_dir).iterdir()) if p.is_dir() and is_complete(p) and p.resolve() < current]
    if not older:
        raise LoadError(f"{store_dir}: no earlier version to roll back to")
    switch(store_dir, older[-1])
    return older[-1]
