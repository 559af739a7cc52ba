"""A content-hash cache of the per-file and per-work stages, so a rebuild redoes only what changed.

An entry's key is the sha256 of everything its result depends on: the bytes
(and name) of its raw files, its reviewed annotation file if any, and the
builder's digest (the source of graph_build, the ontology and shapes, and the
reference data). Entries are pickles of frozen records, or N-Quads, written
atomically; a build removes the entries it did not use, so the cache holds
one build's worth.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from graph_build import __version__

KINDS = ("file", "work", "graph", "similarity", "pair")


def key(*parts: str | bytes) -> str:
    """Digest parts into a cache key, each part length-prefixed so no two lists collide.

    >>> key("a", "bc") != key("ab", "c")
    True
    """
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


@cache
def builder_digest() -> str:
    """Digest what every cached result depends on: the builder's code, ontology, shapes and reference data."""
    parts: list[str | bytes] = [__version__]
    for package, pattern in (("graph_build", "*.py"), ("ontology", "*.ttl"), ("gaoxin_reference", "*.csv"), ("gaoxin_reference", "*.yaml")):
        for path in sorted(Path(str(resources.files(package))).rglob(pattern)):
            parts += [path.name, path.read_bytes()]
    return key(*parts)


@dataclass(frozen=True)
class Cache:
    """A cache directory; entries live in one folder per kind, named by key."""

    directory: Path

    def path(self, kind: str, entry: str, suffix: str = ".pickle") -> Path:
        return self.directory / kind / entry[:2] / f"{entry}{suffix}"

    def get(self, kind: str, entry: str) -> Any | None:
        """Return the cached record for a key, or None."""
        return self.get_record(kind, entry, ".pickle")

    def get_record(self, kind: str, entry: str, suffix: str) -> Any | None:
        """Return the record pickled under a key with a suffix, or None."""
        try:
            return pickle.loads(self.path(kind, entry, suffix).read_bytes())
        except (FileNotFoundError, EOFError, pickle.UnpicklingError):
            return None

    def put(self, kind: str, entry: str, value: Any, suffix: str = ".pickle") -> Path:
        """Store a record (or raw bytes, with another suffix) under a key, atomically."""
        data = value if isinstance(value, bytes) else pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path = self.path(kind, entry, suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        return path

    def prune(self, used: set[str]) -> int:
        """Remove the entries whose key is not in `used`; return how many went."""
        removed = 0
        for kind in KINDS:
            for path in (self.directory / kind).glob("*/*"):
                if path.name.split(".", 1)[0] not in used:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed


@dataclass
class PairDecisions:
    """Group's decisions on candidate pairs of files (`text.group.Decisions`), kept under the two files' keys: a file's key
    digests its bytes, its name and the builder, so a decision stands while both files and the builder do."""

    cache: Cache
    keys: list[str]  # the files' cache keys, in the order group numbers the files
    used: set[str] = field(default_factory=set)  # the entries read or written, which the build's prune keeps

    def entry(self, i: int, j: int) -> str:
        entry = key("pair", *sorted((self.keys[i], self.keys[j])))
        self.used.add(entry)
        return entry

    def get(self, i: int, j: int) -> bool | None:
        return self.cache.get("pair", self.entry(i, j))

    def put(self, i: int, j: int, same: bool) -> None:
        self.cache.put("pair", self.entry(i, j), same)


def default_directory(store_dir: Path) -> Path:
    """Place the cache next to the store: var/store → var/store.cache."""
    return store_dir.parent / f"{store_dir.name}.cache"
