"""Open a file of the data folder by walking to it from a descriptor of the folder, following no symbolic link.

The listing (``read.listing``) decides which entries are read; between that
check and the read, an entry or one of its folders can be swapped for a
symbolic link (a time-of-check to time-of-use race). :func:`open_inside`
opens every component of the path with ``O_NOFOLLOW`` relative to the
descriptor of the folder before it, starting from the data folder, so what is
opened is a file inside the data folder whatever happened since the listing.
A link the listing accepted (its target inside the folder) is resolved to its
real path first, then walked the same way: a link swapped in after that is
refused, never followed. The caller then checks the open descriptor (fstat),
so what is read is what was checked.

The folders listed, ``raw/`` and ``annotations/``, may themselves be links
(the test seeds' ``annotations/`` is): :func:`data_folder` resolves them once,
before the listing, so a folder swapped for a link later is not followed.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # non-blocking: a pipe swapped in cannot hang the open


LISTED = ("raw", "annotations")  # the folders of a data folder the build lists and reads


@dataclass(frozen=True)
class DataFolder:
    """The real folders a build reads from, resolved once: the data folder, then those of its listed folders that are links."""

    roots: tuple[Path, ...]


def data_folder(path: Path) -> DataFolder:
    """Resolve a data folder and its listed folders that are links to elsewhere, now, before the listing."""
    real = Path(os.path.realpath(path))
    links = [Path(os.path.realpath(path / name)) for name in LISTED if (path / name).is_symlink() and (path / name).is_dir()]
    return DataFolder((real, *(link for link in links if not link.is_relative_to(real))))


class Escaped(Exception):
    """A path that does not lead, without following a link, to an entry inside the data folder; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def inside(path: Path, folder: DataFolder) -> tuple[Path, tuple[str, ...]]:
    """Resolve a path and return the real folder it lies in and the components leading from there to the path's target.

    >>> inside(Path("/etc/hostname"), DataFolder((Path("/etc"),)))
    (PosixPath('/etc'), ('hostname',))
    >>> inside(Path("/etc"), DataFolder((Path("/etc"),)))
    Traceback (most recent call last):
    graph_build.text.confine.Escaped: is the data folder itself, not a file in it
    """
    target = Path(os.path.realpath(path))
    if target in folder.roots:
        raise Escaped("is the data folder itself, not a file in it")
    for root in folder.roots:
        if target.is_relative_to(root):
            return root, target.relative_to(root).parts
    raise Escaped(f"leads to {target}, outside the data folder {folder.roots[0]}: not followed")


def open_inside(path: Path, folder: DataFolder) -> int:
    """Open a file of a data folder read-only, component by component with O_NOFOLLOW, and return its descriptor.

    Raises Escaped when the path leads outside the folder or a component is (now) a symbolic link or no directory,
    and OSError for any other failure to open.
    """
    real_root, parts = inside(path, folder)
    directory = os.open(real_root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts[:-1]:
            inner = os.open(part, DIRECTORY_FLAGS, dir_fd=directory)
            os.close(directory)
            directory = inner
        return os.open(parts[-1], FILE_FLAGS, dir_fd=directory)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):  # O_NOFOLLOW met a link, or a folder on the way is no longer one
            raise Escaped("was replaced by a symbolic link (or its folder was) after the listing: not followed") from None
        raise
    finally:
        os.close(directory)
