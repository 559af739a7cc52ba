"""Run a per-file or per-work stage over both cores, or serially for small inputs and tests.

Stages hand their inputs and results between processes by pickling, so both
are frozen records. Results come back in input order, so a parallel build
gives the same graph as a serial one.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")
PARALLEL_FROM = 20  # inputs below which starting processes costs more than it saves
CHUNKS_PER_WORKER = 8  # enough chunks to even out uneven documents, few enough to keep pickling cheap


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
