"""Time segment, extract and annotate on one document whose measure is repeated, at 1× and 10× its length.

    python bench/segment_scale.py [--repeats 1000] [--factor 10] [--profile]

The document is data/raw/002_eb9a3bdd4a792803.txt (云政发〔2020〕36号) with its
first measure, （一）…, repeated --repeats times, then --repeats × --factor
times. For each size the script prints the seconds of each stage and, last,
the ratio of the large to the small time: about --factor when the stages are
linear in the document's length (issue 13 measured 81.9 s against 13 s).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_build.extract.annotate import annotate  # noqa: E402
from graph_build.extract.extract import extract  # noqa: E402
from graph_build.records import Work  # noqa: E402
from graph_build.research.corpus import work_texts  # noqa: E402
from graph_build.text.clean import clean  # noqa: E402
from graph_build.text.identify import identify  # noqa: E402
from graph_build.text.read import read  # noqa: E402
from graph_build.text.script import script  # noqa: E402
from graph_build.text.segment import segment  # noqa: E402

SOURCE = ROOT / "data/raw/002_eb9a3bdd4a792803.txt"


def document(repeats: int) -> str:
    """Return the source document with its first numbered item repeated."""
    lines = SOURCE.read_text(encoding="utf-8").split("\n")
    item = next(k for k, line in enumerate(lines) if line.strip().startswith("（一）"))
    return "\n".join(lines[:item] + [lines[item]] * repeats + lines[item + 1 :])


def timings(repeats: int, folder: Path) -> dict[str, float]:
    """Run the stages on the document with `repeats` measures and return the seconds of each."""
    path = folder / f"repeated-{repeats}.txt"
    path.write_text(document(repeats), encoding="utf-8")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    expression = script(clean(read(path)))
    identity = identify(expression)
    seconds["read … identify"] = time.perf_counter() - started
    work = Work("repeated", (expression,), (identity,))
    for stage, run in (("segment", lambda: segment(expression)),):
        started = time.perf_counter()
        segments = run()
        seconds[stage] = time.perf_counter() - started
    started = time.perf_counter()
    extraction = extract(work, segments)
    seconds["extract"] = time.perf_counter() - started
    started = time.perf_counter()
    work_texts(annotate(work, segments, extraction))
    seconds["annotate (+ measure texts)"] = time.perf_counter() - started
    seconds["segment … annotate"] = seconds["segment"] + seconds["extract"] + seconds["annotate (+ measure texts)"]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1000)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="print the top functions of the large run (cProfile)")
    args = parser.parse_args()
    sizes = (args.repeats, args.repeats * args.factor)
    with tempfile.TemporaryDirectory() as folder:
        small = timings(sizes[0], Path(folder))
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        large = timings(sizes[1], Path(folder))
        if profiler:
            profiler.disable()
    print(f"{'stage':<28} {sizes[0]:>8} measures {sizes[1]:>8} measures   ratio (linear ≈ {args.factor})")
    for stage in small:
        ratio = large[stage] / small[stage] if small[stage] > 0 else float("nan")
        print(f"{stage:<28} {small[stage]:>15.2f} s {large[stage]:>15.2f} s   {ratio:6.1f}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
