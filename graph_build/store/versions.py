"""Store versions: ``with new_version(store) as version:`` writes one, which is switched in atomically only if the block succeeds.

``--store DIR`` is a symbolic link to one version under ``DIR.versions/``.
A build writes a fresh version directory, checks it, and only then points the
link at it (``os.replace`` of a link is atomic on POSIX). A failed or
interrupted build leaves the link, and so the graph being served, as it was;
the previous version is kept for `gaoxin-kg rollback`.

A version is complete once its marker file (COMPLETE_MARKER) is written, after
validation. A build killed before that (SIGKILL, power loss) leaves an
incomplete version directory behind; the next build removes every version
that is neither complete nor the link's target, under a lock that keeps two
builds of one store from running at once.

The switch is the build's point of no return: ``new_version`` calls its
``switching`` callback with the complete version just before it replaces the
link, so the caller can stop treating SIGTERM as "abandon the build" and let
the build finish and report (gaoxin_kg/cli.py). For the test of that moment,
``GAOXIN_TEST_PAUSE_AT_SWITCH=before:<file>`` (or ``after:<file>``) makes
:func:`switch` create the file and wait (at most PAUSE_SECONDS) until it is
removed, just before (or just after) the link is replaced.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

KEEP_VERSIONS = 2  # the current version and the one before it
COMPLETE_MARKER = "GAOXIN-COMPLETE"  # written into a version directory once it is validated; Oxigraph ignores it
PAUSE_SETTING = "GAOXIN_TEST_PAUSE_AT_SWITCH"  # tests only: "before:<file>" or "after:<file>", a pause at the link's replacement
PAUSE_SECONDS = 60


class LoadError(RuntimeError):
    """A graph that could not be stored or did not validate; the previous graph stays."""


def versions_dir(store_dir: Path) -> Path:
    return store_dir.parent / f"{store_dir.name}.versions"


@contextmanager
def new_version(store_dir: Path, label: str, switching: Callable[[Path], None] = lambda version: None) -> Iterator[Path]:
    """Yield a new, empty version directory; when the block ends without an error, mark it complete and switch the store link to it.

    On an error the directory is removed and the link stays where it was. `switching` is called with the complete
    version just before the link is replaced: from then on the switch happens unless the replacement itself fails.
    """
    if store_dir.exists() and not store_dir.is_symlink():
        raise LoadError(f"{store_dir}: exists and is not a link made by gaoxin-kg build; move it away or choose another --store")
    versions_dir(store_dir).mkdir(parents=True, exist_ok=True)
    with build_lock(store_dir):
        remove_orphans(store_dir)
        version = versions_dir(store_dir) / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}-{label[:8]}"
        version.mkdir()
        try:
            yield version
            mark_complete(version)
            switching(version)  # an error here (SIGTERM's Interrupted) still removes the version: the link was not touched
        except OSError as error:
            shutil.rmtree(version, ignore_errors=True)
            raise LoadError(f"{version}: could not write the new store version ({describe(error)}); the store link was not switched") from error
        except BaseException:
            shutil.rmtree(version, ignore_errors=True)
            raise
        switch(store_dir, version)
        prune(store_dir)


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


def describe(error: OSError) -> str:
    """Say what an I/O error means, pointing out a full disk or file size limit."""
    text = str(error)
    if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT) or "No space left" in text or "File too large" in text:
        return f"disk full or file size limit reached: {text}"
    return text


def switch(store_dir: Path, version: Path) -> None:
    """Point the store link at a version, atomically."""
    temporary = store_dir.parent / f".{store_dir.name}.link-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(os.path.relpath(version, store_dir.parent))
    pause_for_test("before")
    os.replace(temporary, store_dir)
    pause_for_test("after")


def pause_for_test(moment: str) -> None:
    """At the moment GAOXIN_TEST_PAUSE_AT_SWITCH names, create its file and wait while it exists, so a test can signal the build."""
    when, _, marker = os.environ.get(PAUSE_SETTING, "").partition(":")
    if when != moment or not marker:
        return
    Path(marker).touch()
    deadline = time.monotonic() + PAUSE_SECONDS
    while Path(marker).exists() and time.monotonic() < deadline:
        time.sleep(0.01)


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
