"""Time the similarity stage on a synthetic corpus made of the seed measures' sentences, and print the figures.

    python bench/diffuse_scale.py [MEASURES ...]     # default: 1000 5000 20000

Each synthetic measure joins 3–6 sentences drawn (fixed seed) from the seeds' measures and belongs to a
synthetic work of 25 measures, so scores are higher than in real documents: an upper bound on candidates.
"""

from __future__ import annotations

import platform
import random
import re
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


def run(count: int, pool: list[str]) -> None:
    """Build, index and score a synthetic corpus of `count` measures; print one line of figures."""
    rng = random.Random(count)
    texts = ["".join(rng.sample(pool, rng.randint(3, 6))) for _ in range(count)]
    works = np.arange(count) // 25
    started = time.perf_counter()
    matrix = diffuse.vectors(texts)
    vectorised = time.perf_counter()
    pairs = diffuse.candidate_pairs(matrix, works, diffuse.THRESHOLD)
    indexed = time.perf_counter()
    links = int((diffuse.scores(matrix, pairs) >= diffuse.THRESHOLD).sum())
    done = time.perf_counter()
    all_pairs = count * (count - 1) // 2
    print(f"{count:>7} measures  {len(pairs):>10} candidates ({100 * len(pairs) / all_pairs:.2f}% of pairs)  {links:>9} links  "
          f"vectors {vectorised - started:.1f} s  candidates {indexed - vectorised:.1f} s  scores {done - indexed:.1f} s")


def main() -> None:
    counts = [int(a) for a in sys.argv[1:]] or [1000, 5000, 20000]
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, threshold {diffuse.THRESHOLD}")
    pool = sentences()
    print(f"{len(pool)} seed sentences")
    for count in counts:
        run(count, pool)


if __name__ == "__main__":
    main()
