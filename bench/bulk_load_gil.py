"""Does pyoxigraph's bulk_load let a busy Python thread run beside it? Bytes input against a Python file object.

    .venv/bin/python bench/bulk_load_gil.py [--lines 100000]

Loads the same N-Quads (long literals, ten graphs) into a new on-disk store four ways: handed bytes or a
Python file object (`io.BytesIO`), alone or with a thread that spins in Python meanwhile, and prints the wall and
CPU time of each load and how far the thread got. `graph_build/store/bulk.py` hands the loader a file object over
the chunks, and nothing else runs Python in the build's parent while it loads; a design that made the next batch
in a thread would have to hand it bytes (docs/performance.md, "The loader and the GIL").
"""

from __future__ import annotations

import argparse
import io
import tempfile
import threading
import time

from pyoxigraph import RdfFormat, Store


def nquads(count: int) -> bytes:
    return "".join(f'<http://example.org/s{i}> <http://example.org/p> "第{i}条 对新认定的国家重点实验室给予一次性奖励" <http://example.org/g{i % 10}> .\n'
                   for i in range(count)).encode()


def load(data: bytes, as_file: bool, busy: bool) -> tuple[float, float, int]:
    """Load `data` into a new store; return (wall s, process CPU s, spins of the busy thread)."""
    spins, stop = [0], threading.Event()

    def spin() -> None:
        while not stop.is_set():
            spins[0] += 1

    spinner = threading.Thread(target=spin)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(folder)
        if busy:
            spinner.start()
        wall, cpu = time.perf_counter(), time.process_time()
        store.bulk_load(input=io.BytesIO(data) if as_file else data, format=RdfFormat.N_QUADS)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        stop.set()
        if busy:
            spinner.join()
        del store
    return wall, cpu, spins[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="N-Quads lines to load (default 100,000: ~12 MB)")
    options = parser.parse_args()
    data = nquads(options.lines)
    print(f"{options.lines:,} lines, {len(data) / 1e6:.1f} MB of N-Quads")
    for as_file in (False, True):
        for busy in (False, True):
            wall, cpu, spins = load(data, as_file, busy)
            print(f"  input {'file object' if as_file else 'bytes':11}  {'busy thread' if busy else 'alone':11}  "
                  f"wall {wall:6.2f} s  CPU {cpu:6.2f} s  thread spins {spins:,}")


if __name__ == "__main__":
    main()
