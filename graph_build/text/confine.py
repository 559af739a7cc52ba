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
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # non-blocking: a pipe swapped in cannot hang the open


class Escaped(Exception):
    """A path that does not lead, without following a link, to an entry inside the data folder; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def inside(path: Path, root: Path) -> tuple[Path, tuple[str, ...]]:
    """Resolve a path and return the data folder's real path and the components leading from it to the path's target.

    >>> inside(Path("/"), Path("/"))
    Traceback (most recent call last):
    graph_build.text.confine.Escaped: is the data folder itself, not a file in it
    """
    real_root, target = Path(os.path.realpath(root)), Path(os.path.realpath(path))
    if target == real_root:
        raise Escaped("is the data folder itself, not a file in it")
    if not target.is_relative_to(real_root):
        raise Escaped(f"leads to {target}, outside the data folder {real_root}: not followed")
    return real_root, target.relative_to(real_root).parts


def open_inside(path: Path, root: Path) -> int:
    """Open a file of the data folder `root` read-only, component by component with O_NOFOLLOW, and return its descriptor.

    Raises Escaped when the path leads outside the folder or a component is (now) a symbolic link or no directory,
    and OSError for any other failure to open.
    """
    real_root, parts = inside(path, root)
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
