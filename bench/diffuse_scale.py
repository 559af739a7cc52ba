"""Time the similarity stage on the measures of a bench corpus (or on synthetic measures), and print the figures per phase.

    python bench/diffuse_scale.py --corpus DIR [MEASURES ...]   # DIR from bench/corpus.py N DIR; default: every measure
    python bench/diffuse_scale.py [MEASURES ...]                # synthetic measures; default: 10000 50000 250000

With ``--corpus`` the measures are the real output of the build's stages read …
annotate on that corpus (run once on both cores, kept in DIR/measures.pickle),
the first MEASURES in key order. Without it, each synthetic measure joins 3–6
sentences drawn (fixed seed) from the seeds' measures, in works of 25 measures.
Per size it prints the wall time and the peak RSS of the process after each
phase (collapse, vectors + candidates + exact scores, top-k, shared wording,
N-Quads written and counted, not kept), the links and the quads, and at the end
the growth exponent of the stage's time (N-Quads excluded: they are written
while the store loads).
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import platform
import random
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph_build.build import driver  # noqa: E402
from graph_build.build.events import ignore  # noqa: E402
from graph_build.records import BuildRun  # noqa: E402
from graph_build.research import similarity, wording  # noqa: E402

RUN = BuildRun("https://w3id.org/gaoxin-kg/id/build/bench", "0" * 64, "2026-01-01T00:00:00+00:00", "bench")


def corpus_measures(data: Path) -> tuple[list[similarity.MeasureText], dict[str, tuple[str, str]]]:
    """Return the measures of a bench corpus and each work's source, running read … annotate once (kept in DIR/measures.pickle)."""
    kept = data / "measures.pickle"
    if not kept.exists():
        with driver.stages(data, ignore, os.cpu_count() or 1, None) as run:
            facts = run.annotated(run.works(run.scanned()[0]))
        texts = [f.texts for f in facts]
        kept.write_bytes(pickle.dumps(([m for w in texts for m in w.measures], {w.slug: (w.script, w.source) for w in texts})))
    return pickle.loads(kept.read_bytes())


def synthetic_measures(count: int) -> tuple[list[similarity.MeasureText], dict[str, tuple[str, str]]]:
    """Make `count` measures of 3–6 seed sentences each, 25 to a work."""
    rng, pool = random.Random(count), sentences()
    texts = ["".join(rng.sample(pool, rng.randint(3, 6))) for _ in range(count)]
    offsets = [(tuple(range(len(t))), tuple(range(1, len(t) + 1))) for t in texts]
    measures = [similarity.MeasureText((f"w{i // 25:06d}", str(i % 25)), "Hans", t, t, *offsets[i]) for i, t in enumerate(texts)]
    return measures, {m.key[0]: ("Hans", m.source) for m in measures}


def sentences() -> list[str]:
    """Split the seed measures into normalised sentences."""
    works = driver.annotated_works(ROOT / "data")
    found = []
    for measure in similarity.measure_texts(works):
        if measure.text:
            words = measure.source[measure.starts[0] : measure.ends[-1]]
            found += [similarity.normalise(s, 0, len(s), [])[0] for s in re.split(r"[。；;]", words)]
    return [s for s in found if len(s) > 8]


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


class Phases:
    """Note the wall time and the peak RSS after each phase."""

    def __init__(self) -> None:
        self.last, self.notes, self.stage = time.perf_counter(), [], 0.0

    def __call__(self, name: str, stage: bool = True) -> None:
        now = time.perf_counter()
        self.stage += (now - self.last) if stage else 0
        self.notes.append(f"{name} {now - self.last:.1f} s ({peak_mb()} MB)")
        self.last = now


def run(measures: list[similarity.MeasureText], sources: dict[str, tuple[str, str]]) -> float:
    """Link the measures as the build does, phase by phase; print one line of figures and return the stage's seconds."""
    measures = sorted((m for m in measures if m.text), key=lambda m: m.key)
    slugs = {slug: number for number, slug in enumerate(sorted({m.key[0] for m in measures}))}
    texts, works = [m.text for m in measures], [slugs[m.key[0]] for m in measures]
    phases = Phases()
    collapsed = similarity.corpus(texts, works)
    phases("collapse")
    near = similarity.neighbours(collapsed, similarity.THRESHOLD)
    phases("vectors+candidates+scores")
    pairs, scores = similarity.top_k(collapsed, near, works, similarity.K)
    del near
    phases("top-k")
    spans = similarity.source_spans(measures, pairs, wording.shared_blocks(texts, pairs, similarity.SHARED_MIN))
    links = similarity.Links([m.key for m in measures], pairs, scores, spans, {m.key[0]: m.source for m in measures})
    phases("shared wording")
    quads = sum(block.nquads().count("\n") for block in similarity.similarity_blocks(links, sources, RUN))
    phases("N-Quads", stage=False)
    print(f"{len(measures):>7} measures {len(collapsed.texts):>7} texts {len(pairs):>8} links {quads:>9} quads | similarity stage {phases.stage:.1f} s, "
          f"peak RSS {peak_mb()} MB | {', '.join(phases.notes)}", flush=True)
    return phases.stage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="a bench corpus directory (bench/corpus.py N DIR)")
    parser.add_argument("measures", type=int, nargs="*", help="how many measures to link, one run each")
    args = parser.parse_args()
    print(f"{platform.node()}: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"threshold {similarity.THRESHOLD}, K {similarity.K}, DF_CAP {similarity.DF_CAP}, CANDIDATES {similarity.CANDIDATES}")
    if args.corpus:
        measures, sources = corpus_measures(args.corpus)
        print(f"{len(measures)} measures in {args.corpus}; peak RSS with them loaded {peak_mb()} MB")
        counts = args.measures or [len(measures)]
        times = [run(sorted(measures, key=lambda m: m.key)[:count], sources) for count in counts]
    else:
        counts = args.measures or [10_000, 50_000, 250_000]
        times = [run(*synthetic_measures(count)) for count in counts]
    if len(counts) > 1:
        slope = math.log(times[-1] / times[0]) / math.log(counts[-1] / counts[0])
        print(f"growth exponent of the similarity stage {counts[0]} → {counts[-1]}: {slope:.2f}")


if __name__ == "__main__":
    main()
