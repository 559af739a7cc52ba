"""Run a per-file or per-work stage over both cores, or serially for small inputs and tests.

Stages hand their inputs and results between processes by pickling, so both
are frozen records. Results come back in input order, so a parallel build
gives the same graph as a serial one.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")
PARALLEL_FROM = 20  # inputs below which starting processes costs more than it saves
CHUNKS_PER_WORKER = 8  # enough chunks to even out uneven documents, few enough to keep pickling cheap
MMAP_THRESHOLD = 1 << 20  # bytes: glibc maps blocks this large on their own, so freeing one gives it back at once
M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


def default_jobs(inputs: int) -> int:
    """Choose the number of processes for a build of this many inputs: all cores, or one for a small corpus."""
    return 1 if inputs < PARALLEL_FROM else (os.cpu_count() or 1)


class Workers:
    """A pool of worker processes (forked, so they share the parent's loaded modules), or none when jobs is 1."""

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self.executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        if self.jobs > 1:
            self.executor = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("fork"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)

    def map(self, function: Callable[[In], Out], items: Iterable[In]) -> Iterator[Out]:
        """Apply a picklable function to every item, yielding the results in input order."""
        items = list(items)
        if self.executor is None or len(items) < 2:
            return map(function, items)
        chunk = max(1, len(items) // (self.jobs * CHUNKS_PER_WORKER))
        return self.executor.map(function, items, chunksize=chunk)


def glibc() -> ctypes.CDLL | None:
    """Return the C library when it is glibc (its allocator's knobs below), else None."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def return_large_blocks() -> None:
    """Have this process (and the workers it forks) give large freed blocks back to the system at once.

    glibc raises its mmap threshold up to 32 MB as large blocks are freed; numpy's arrays then come from the
    heap and stay resident once freed, so a stage's peak adds to the next one's (the n-gram counts freed while
    the TF-IDF matrix fills stayed resident: 488 against 542 MB high-water for the similarity stage of 1,000
    documents). A fixed threshold keeps arrays of 1 MB or more in their own mappings.
    """
    if (libc := glibc()) is not None:
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def trim() -> None:
    """Give the heap's free pages back to the system (small objects freed after a stage: the similarity texts, 130 MB at 1,000 documents)."""
    if (libc := glibc()) is not None:
        libc.malloc_trim(0)
