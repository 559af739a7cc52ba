"""Time the similarity stage on synthetic corpora made of the seed measures' sentences, and print the figures.

    python bench/diffuse_scale.py [MEASURES ...]     # default: 10000 50000 250000

Each synthetic measure joins 3–6 sentences drawn (fixed seed) from the seeds' measures and belongs to a
synthetic work of 25 measures: after normalisation almost every pair shares wording, the worst case for
candidates. Per size it prints the time of each step (vectors and candidates, top-k, shared wording of
every link), the peak RSS of the process so far, the candidate pairs scored, the links, and at the end the
growth exponent of the total time (slope of log time over log measures).
"""

from __future__ import annotations

import math
import os
import platform
import random
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np

from graph_build import diffuse, pipeline

ROOT = Path(__file__).resolve().parents[1]


def sentences() -> list[str]:
    """Split the seed measures into normalised sentences."""
    works = pipeline.annotated_works(ROOT / "data", report=lambda _: None)
    found = []
    for measure in diffuse.measure_texts(works):
        if measure.text:
            words = measure.source[measure.starts[0] : measure.ends[-1]]
            found += [diffuse.normalise(s, 0, len(s), [])[0] for s in re.split(r"[。；;]", words)]
    return [s for s in found if len(s) > 8]


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def run(count: int, pool: list[str]) -> float:
    """Link a synthetic corpus of `count` measures as diffuse does; print one line of figures and return the seconds."""
    rng = random.Random(count)
    texts = ["".join(rng.sample(pool, rng.randint(3, 6))) for _ in range(count)]
    works = (np.arange(count) // 25).tolist()
    started = time.perf_counter()
    collapsed = diffuse.corpus(texts, works)
    matrix = diffuse.vectors(collapsed.texts)
    pairs = diffuse.candidate_pairs(matrix, collapsed.works, diffuse.THRESHOLD)
    del matrix
    candidates = time.perf_counter()
    links = diffuse.nearest(texts, works)
    linked = time.perf_counter()
    for i, j in links:
        diffuse.longest_blocks(texts[i], texts[j])
    done = time.perf_counter()
    print(f"{count:>7} measures  {len(collapsed.texts):>7} texts  {len(pairs):>9} candidates  {len(links):>8} links  "
          f"candidates {candidates - started:6.1f} s  top-k {linked - candidates:6.1f} s  wording {done - linked:6.1f} s  "
          f"similarity stage {linked - candidates + done - linked:6.1f} s  peak RSS {peak_mb()} MB", flush=True)
    return linked - candidates + done - linked


def main() -> None:
    counts = [int(a) for a in sys.argv[1:]] or [10_000, 50_000, 250_000]
    print(f"{platform.node()}: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"threshold {diffuse.THRESHOLD}, K {diffuse.K}, DF_CAP {diffuse.DF_CAP}, CANDIDATES {diffuse.CANDIDATES}")
    pool = sentences()
    print(f"{len(pool)} seed sentences")
    times = [run(count, pool) for count in counts]
    if len(counts) > 1:
        slope = math.log(times[-1] / times[0]) / math.log(counts[-1] / counts[0])
        print(f"growth exponent of the similarity stage {counts[0]} → {counts[-1]}: {slope:.2f}")


if __name__ == "__main__":
    main()
