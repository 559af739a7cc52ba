"""Time the search index of a built store: writing it, its size, and queries of both scripts and both lengths.

    python bench/search.py [--store var/store] [--repeat 50]

Rewrites the index of the store's current version in a copy of nothing but the index
(the store is opened read-only; the index goes to a temporary directory beside nothing
served), then runs each query of QUERIES `--repeat` times, printing the median and the
slowest time and the number of hits. The machine and the command line come first.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_build.store import search_index  # noqa: E402
from graph_build.store.access import current_version  # noqa: E402

QUERIES = [  # (what, text, facets)
    ("simplified, 7 chars", "国家重点实验室", {}),
    ("traditional, 7 chars", "國家重點實驗室", {}),
    ("2 chars (LIKE scan)", "补助", {}),
    ("two words", "高新区 奖励", {}),
    ("a facet only", "", {"year": ["2020"]}),
    ("no hit", "不存在的一段文字", {}),
]


def timed(function, *arguments):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function(*arguments)
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "store")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    print(f"# {platform.node()} {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"# {' '.join(sys.argv)}")
    version = current_version(args.store)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / "version"
        shutil.copytree(version, work, ignore=shutil.ignore_patterns(search_index.INDEX_FILE))
        seconds, entries = timed(search_index.write, work)
        size = (work / search_index.INDEX_FILE).stat().st_size
        print(f"index: {entries} entries written in {seconds:.2f} s, {size / 1024:.0f} KiB")
        for what, text, facets in QUERIES:
            times, hits = [], 0
            for _ in range(args.repeat):
                elapsed, results = timed(search_index.search, work, text, facets)
                times.append(elapsed * 1000)
                hits = results.total
            print(f"{what:24} {hits:5} hits  median {statistics.median(times):6.2f} ms  max {max(times):6.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
