"""Bulk loading: stream N-Quads (or quads) into a new on-disk Oxigraph store without holding them all."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, Store


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
