"""Stage 10, load: write a new store, validate it, then switch it in atomically.

``--store DIR`` is a symbolic link to one version under ``DIR.versions/``.
A build writes a fresh version directory, reads it back, validates it with
pySHACL against ontology/shapes.ttl, and only then points the link at it
(``os.replace`` of a link is atomic on POSIX). A failed or interrupted build
leaves the link, and so the graph being served, as it was; the previous
version is kept for rollback.

Validating the whole graph at once does not scale (pySHACL reads it into
rdflib), so the pipeline validates each document's quads (its named graph and
the entity descriptions it emits, with the reference data) in the worker that
made them, and :func:`validate_shared` checks what only the whole graph can
show: the shared graphs (entities, reference, ontology, queries, build) with
pySHACL, and values that two documents give a shared node, with SPARQL over
the new store. Either failing keeps the switch from happening.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path

import pyshacl
import rdflib
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, serialize

from . import iris

KEEP_VERSIONS = 2  # the current version and the one before it


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
    version = versions_dir(store_dir) / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}-{label[:8]}"
    version.mkdir(parents=True)
    try:
        count = write(version)
        check(version)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    switch(store_dir, version)
    prune(store_dir)
    return count


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
    for chunk in chunks:
        batch.append(chunk)
        if sum(map(len, batch)) >= size:
            yield batch
            batch = []
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


@cache
def shapes_graph() -> rdflib.Graph:
    """Parse the shapes once per process."""
    return rdflib.Graph().parse(data=shapes_text(), format="turtle")


# Values that two documents may each give one shared node, where the shapes allow one (sh:maxCount 1).
CONFLICTS = {
    "a high-tech zone has two levels (gx:zoneLevel)": "SELECT ?node WHERE { ?node gx:zoneLevel ?a , ?b FILTER(?a != ?b) } LIMIT 5",
    "a document has two 文号 (eli:id_local)": "SELECT ?node WHERE { ?node eli:id_local ?a , ?b FILTER(?a != ?b) } LIMIT 5",
    "a zone has two inProvince (gx:inProvince)": "SELECT ?node WHERE { ?node gx:inProvince ?a , ?b FILTER(?a != ?b) } LIMIT 5",
}


def validate_shared(directory: Path) -> None:
    """Check what per-document validation cannot see: the shared graphs, and conflicting values across documents."""
    store = Store.read_only(str(directory))
    shared = [g for g in store.named_graphs() if isinstance(g, NamedNode) and not g.value.startswith(iris.ID + "doc/")]
    report = violations(q for g in shared for q in store.quads_for_pattern(None, None, None, g))
    if report:
        raise LoadError("the shared graphs do not conform to ontology/shapes.ttl:\n" + report)
    prefixes = "PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#> PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"
    for problem, query in CONFLICTS.items():
        nodes = [row["node"].value for row in store.query(prefixes + query, use_default_graph_as_union=True)]
        if nodes:
            raise LoadError(f"the built graph does not conform to ontology/shapes.ttl: {problem}: {', '.join(nodes)}")


def shapes_text() -> str:
    return resources.files("ontology").joinpath("shapes.ttl").read_text(encoding="utf-8")


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
    versions = sorted(p for p in versions_dir(store_dir).iterdir() if p.is_dir())
    for old in versions[:-KEEP_VERSIONS]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


def rollback(store_dir: Path) -> Path:
    """Point the store link back at the version before the current one and return it."""
    current = store_dir.resolve()
    older = [p for p in sorted(versions_dir(store_dir).iterdir()) if p.is_dir() and p.resolve() < current]
    if not older:
        raise LoadError(f"{store_dir}: no earlier version to roll back to")
    switch(store_dir, older[-1])
    return older[-1]
