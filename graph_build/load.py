"""Stage 10, load: write a new store, validate it, then switch it in atomically.

``--store DIR`` is a symbolic link to one version under ``DIR.versions/``.
A build writes a fresh version directory, reads it back, validates it with
pySHACL against ontology/shapes.ttl, and only then points the link at it
(``os.replace`` of a link is atomic on POSIX). A failed or interrupted build
leaves the link, and so the graph being served, as it was; the previous
version is kept for rollback.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pyshacl
import rdflib
from pyoxigraph import Quad, RdfFormat, Store, serialize

KEEP_VERSIONS = 2  # the current version and the one before it


class LoadError(RuntimeError):
    """A graph that could not be stored or did not validate; the previous graph stays."""


def versions_dir(store_dir: Path) -> Path:
    return store_dir.parent / f"{store_dir.name}.versions"


def load(quads: Iterable[Quad], store_dir: Path, label: str) -> int:
    """Store the quads as a new version, validate it and switch the store link to it; return the quad count."""
    if store_dir.exists() and not store_dir.is_symlink():
        raise LoadError(f"{store_dir}: exists and is not a link made by gaoxin-kg build; move it away or choose another --store")
    version = versions_dir(store_dir) / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}-{label[:8]}"
    version.mkdir(parents=True)
    try:
        count = write_store(quads, version)
        validate(version)
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


def validate(directory: Path) -> None:
    """Validate a stored graph (all named graphs together) against the SHACL shapes."""
    store = Store.read_only(str(directory))
    triples = (Quad(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, None))
    data = rdflib.Graph().parse(data=serialize(triples, format=RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    del store
    shapes = rdflib.Graph().parse(data=shapes_text(), format="turtle")
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    if not conforms:
        raise LoadError("the built graph does not conform to ontology/shapes.ttl:\n" + first_lines(report, 40))


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
