"""Whole-graph dump files, made once per store version and cached on disk beside the store.

Layout: ``<store>.dumps/<version>/`` (``<store>`` is the store link, ``<version>``
the name of the version directory it points at) holds ``gaoxin-kg.nq.gz``,
``gaoxin-kg.trig.gz``, a ``.sha256`` file for each, and other per-version
derivatives (the VoID statistics). A file is written under an exclusive lock to
a temporary name and renamed into place, so a reader never sees half a file and
two workers never write the same file at once. Directories of versions that no
longer exist are removed when a new version's directory is made.

The store's folder may be read-only (`files_directory`): a version directory that
already holds every file (made by an earlier server, or copied by the operator) is
read as it is; otherwise the files are made in the first folder that can be written:
``DUMPS_DIR`` (``gaoxin-kg serve --cache-dir``), else ``<store>.dumps``, else
``<temporary folder>/gaoxin-kg-<uid>/<hash of the store path>``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import RdfFormat

from . import executor
from .graph import Snapshot


@dataclass(frozen=True)
class DumpSpec:
    """A dump the server offers: its fixed file name, syntax and media type (before gzip)."""

    name: str
    title: str
    media_type: str
    rdf: RdfFormat


@dataclass(frozen=True)
class DumpFile:
    """A dump written to disk, with what a downloader checks it by."""

    spec: DumpSpec
    path: Path
    size: int
    sha256: str


DUMPS = {
    spec.name: spec
    for spec in (
        DumpSpec("gaoxin-kg.nq.gz", "N-Quads", "application/n-quads", RdfFormat.N_QUADS),
        DumpSpec("gaoxin-kg.trig.gz", "TriG", "application/trig", RdfFormat.TRIG),
    )
}


def dumps_root(store_link: Path, configured: Path | str | None = None) -> Path:
    """Return the directory holding one subdirectory of derived files per store version."""
    return Path(configured) if configured else store_link.parent / f"{store_link.name}.dumps"


def files_directory(store_link: Path, configured: Path | str | None, snapshot: Snapshot, ready: tuple[str, ...] = ()) -> Path:
    """Return the directory of a version's derived files: one holding every `ready` file, else the first that can be written."""
    roots = [Path(configured)] if configured else [dumps_root(store_link), fallback_root(store_link)]
    for root in roots:
        directory = root / snapshot.version_id
        if ready and all((directory / name).is_file() for name in ready):
            return directory
    failures = []
    for root in roots:
        try:
            directory = version_directory(root, snapshot)
            (directory / ".lock").touch()  # can be written: the lock file every writer opens
            return directory
        except OSError as error:
            failures.append(f"{root}: {error.strerror or error}")
    raise OSError(f"no folder for the dumps can be written ({'; '.join(failures)}); set DUMPS_DIR (gaoxin-kg serve --cache-dir DIR)")


def fallback_root(store_link: Path) -> Path:
    """Return a per-user folder under the temporary folder for the derived files of a store whose own folder is read-only."""
    key = hashlib.sha256(os.fspath(store_link.absolute()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"gaoxin-kg-{os.getuid()}" / key


def version_directory(root: Path, snapshot: Snapshot) -> Path:
    """Return (making it, and pruning directories of vanished versions) the directory of one version's files."""
    directory = root / snapshot.version_id
    if not directory.is_dir():
        directory.mkdir(parents=True, exist_ok=True)
        prune(root, Path(snapshot.location).parent)
    return directory


def prune(root: Path, versions: Path) -> None:
    """Remove the derived files of store versions that no longer exist."""
    for directory in root.iterdir():
        if directory.is_dir() and not (versions / directory.name).exists():
            shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on a directory's lock file (across processes and threads)."""
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure(directory: Path, name: str, write: Callable[[Path], None]) -> Path:
    """Return a file of the directory, having `write` make it first at a temporary path (renamed under the lock) if it is missing."""
    target = directory / name
    if target.exists():
        return target
    with locked(directory):
        if not target.exists():
            temporary = directory / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
            try:
                write(temporary)
                os.replace(temporary, target)
            finally:
                temporary.unlink(missing_ok=True)
    return target


def gzip_dump(spec: DumpSpec) -> Callable[[Path], None]:
    """Return a writer of the whole store in one syntax, gzipped, by a query process under the executor's time limit."""

    def write(path: Path) -> None:
        executor.call("dump", os.fspath(path.absolute()), spec.rdf.file_extension, keep=False)

    return write


def write_bytes(content: Callable[[], bytes]) -> Callable[[Path], None]:
    """Return a writer of a small file made here (a checksum, statistics), synced before it is renamed into place."""

    def write(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.write(content())
            handle.flush()
            os.fsync(handle.fileno())

    return write


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dump(directory: Path, spec: DumpSpec) -> DumpFile:
    """Make (once) a dump and its checksum file, and describe them."""
    path = ensure(directory, spec.name, gzip_dump(spec))
    checksum = ensure(directory, spec.name + ".sha256", write_bytes(lambda: f"{sha256_of(path)}  {spec.name}\n".encode()))
    return DumpFile(spec, path, path.stat().st_size, checksum.read_text().split()[0])


def all_dumps(directory: Path) -> list[DumpFile]:
    """Make (once) and describe every dump of a version."""
    return [dump(directory, spec) for spec in DUMPS.values()]
