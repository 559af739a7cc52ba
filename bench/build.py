"""Build the scale corpus at several sizes from scratch and print how the build grows.

    python bench/build.py [--sizes 100 1000 10000] [--seed 0] [--work var/bench] [--jobs N]

For each size N: write N documents (bench/corpus.py), build them from scratch
with `gaoxin-kg build` (new store, empty cache) and print documents/s,
triples/s, wall and CPU time, and the peak RSS of the build: the largest of
its processes (wait4), and, sampled every SAMPLE seconds, the whole process
tree's (parent and workers: RSS summed, which counts the pages the forked
workers share with the parent twice, and PSS summed, which does not) with the
phase that held it; then change one document and rebuild with the warm cache,
printing that time and its ratio to the full build. Last, the growth exponent
of time against N: the least-squares slope of log(time) on log(N) (1.0 is
flat time per document). The machine and the command line come first.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402

GAOXIN = Path(sys.executable).with_name("gaoxin-kg")
SAMPLE = 2.0  # seconds between two samples of the build's process tree
SUMMARY = re.compile(r"read (\d+) files.*?: (\d+) documents \((\d+) from the cache\).*?, (\d+) triples")


@dataclass(frozen=True)
class Run:
    """One `gaoxin-kg build`: what it built and what it cost."""

    files: int
    documents: int
    from_cache: int
    triples: int
    wall: float
    cpu: float  # user + system seconds of the build and its worker processes
    peak_rss_mb: float  # the largest resident set of any of its processes
    phases: str
    tree: TreePeak  # the whole process tree, sampled


@dataclass(frozen=True)
class TreePeak:
    """The peaks of a build's process tree, sampled every SAMPLE seconds, each with the phase it fell in."""

    rss_mb: float  # RSS summed over the tree (shared pages counted in every process that maps them)
    rss_phase: str
    pss_mb: float  # proportional set size summed over the tree: the memory the build really takes
    pss_phase: str
    parent_mb: float  # the build process alone
    parent_phase: str
    by_phase: tuple[tuple[str, float, float], ...]  # per phase: the largest tree PSS and parent RSS sampled in it, MB

    def describe(self) -> str:
        return (
            f"tree RSS {self.rss_mb:,.0f} MB ({self.rss_phase}), tree PSS {self.pss_mb:,.0f} MB ({self.pss_phase}), "
            f"parent RSS {self.parent_mb:,.0f} MB ({self.parent_phase})"
        )

    def phases(self) -> str:
        return "; ".join(f"{phase}: {pss:,.0f}/{parent:,.0f}" for phase, pss, parent in self.by_phase)


def process_tree(root: int) -> list[int]:
    """List a process and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, frontier = [root], [root]
    while frontier:
        frontier = [child for pid in frontier for child in children.get(pid, [])]
        tree += frontier
    return tree


def memory_kb(pid: int) -> tuple[int, int]:
    """Return a process's RSS and PSS in kB (0, 0 once it has ended)."""
    try:
        rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS:"))
        pss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines() if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0, 0
    return rss, pss


class TreeSampler(threading.Thread):
    """Sample a build's process tree every SAMPLE seconds until it ends; note how many phases had ended at each peak."""

    def __init__(self, pid: int, log: Path) -> None:
        super().__init__(daemon=True)
        self.pid, self.log, self.stopped = pid, log, threading.Event()
        self.peaks = {"rss": (0, 0), "pss": (0, 0), "parent": (0, 0)}  # kB, phases ended at the sample
        self.by_phase: dict[int, tuple[int, int]] = {}  # phases ended → the largest tree PSS and parent RSS, kB

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE):
            sizes = [memory_kb(pid) for pid in process_tree(self.pid)]
            ended = self.log.read_text(errors="replace").count("\n  time ")
            now = {"rss": sum(r for r, _ in sizes), "pss": sum(p for _, p in sizes), "parent": sizes[0][0]}
            for name, value in now.items():
                if value > self.peaks[name][0]:
                    self.peaks[name] = (value, ended)
            pss, parent = self.by_phase.get(ended, (0, 0))
            self.by_phase[ended] = (max(pss, now["pss"]), max(parent, now["parent"]))
            peaks = ", ".join(f"{name} {kb / 1024:,.0f} MB after {at} phases" for name, (kb, at) in self.peaks.items())
            self.log.with_suffix(".memory").write_text(f"peaks so far: {peaks}\n")  # to read while a long build runs

    def result(self, phases: list[str]) -> TreePeak:
        """Stop sampling; name each peak's phase: the one that had not yet ended when it was sampled."""
        self.stopped.set()
        self.join()

        def phase(ended: int) -> str:
            return phases[ended] if ended < len(phases) else "after the last timed phase"

        (rss, at_rss), (pss, at_pss), (parent, at_parent) = self.peaks["rss"], self.peaks["pss"], self.peaks["parent"]
        by_phase = tuple((phase(ended), tree / 1024, alone / 1024) for ended, (tree, alone) in sorted(self.by_phase.items()))
        return TreePeak(rss / 1024, phase(at_rss), pss / 1024, phase(at_pss), parent / 1024, phase(at_parent), by_phase)


def machine() -> str:
    """Describe the machine: CPU model, cores, memory, load."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "0")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{platform.node()}: {model}, {os.cpu_count()} cores, {int(memory) // 1024 // 1024} GB, {python}, load {load}"


def build(data: Path, store: Path, jobs: int | None) -> Run:
    """Run `gaoxin-kg build` as a child process and measure it with wait4."""
    command = [str(GAOXIN), "build", "--data", str(data), "--store", str(store)] + (["--jobs", str(jobs)] if jobs else [])
    log = store.parent / f"{store.name}.log"
    started = time.perf_counter()
    with log.open("w") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})  # phases logged as they end
        sampler = TreeSampler(child.pid, log)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    text = log.read_text()
    if status != 0 or not (match := SUMMARY.search(text)):
        raise SystemExit(f"bench/build.py: {' '.join(command)} failed; see {log}:\n{text[-2000:]}")
    timed = [line.strip()[5:] for line in text.splitlines() if line.startswith("  time ")]
    tree = sampler.result([line.rsplit(":", 1)[0] for line in timed])
    files, documents, cached, triples = (int(g) for g in match.groups())
    return Run(files, documents, cached, triples, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, "; ".join(timed), tree)


def change_one(raw: Path) -> Path:
    """Change one document the way a revision would: one amount in one measure."""
    path = sorted(raw.glob("doc*.txt"))[len(list(raw.glob("doc*.txt"))) // 2]
    text = path.read_text(encoding="utf-8")
    changed = re.sub(r"(\d+)万元", lambda m: f"{int(m.group(1)) + 1}万元", text, count=1)
    path.write_text(changed if changed != text else text + "\n", encoding="utf-8")
    return path


def slope(sizes: list[int], times: list[float]) -> float:
    """Return the least-squares slope of log(time) on log(size).

    >>> round(slope([100, 1000, 10000], [1.0, 10.0, 100.0]), 3)
    1.0
    """
    xs, ys = [math.log(n) for n in sizes], [math.log(t) for t in times]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def measure(n: int, work: Path, seed: int, jobs: int | None, rebuild: bool = True) -> tuple[Run, Run | None]:
    """Write the corpus of size n, build it from scratch, change one document and rebuild (unless told not to)."""
    data, store = work / f"n{n}", work / f"n{n}" / "store"
    for old in (store, store.parent / "store.versions", store.parent / "store.cache"):
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() and not old.is_symlink() else old.unlink(missing_ok=True)
    corpus.write(n, data, seed)
    full = build(data, store, jobs)
    if not rebuild:
        return full, None
    changed = change_one(data / "raw")
    again = build(data, store, jobs)
    print(f"  changed {changed.name}: {again.documents - again.from_cache} document(s) re-annotated")
    return full, again


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description="build the scale corpus at several sizes and print how the build grows")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--no-rebuild", action="store_true", help="build each size from scratch only, without the rebuild after one change")
    parser.add_argument("--jobs", type=int, default=None, help="passed to gaoxin-kg build --jobs (default: its own choice)")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    header = f"{'N':>6} {'files':>6} {'triples':>10} {'wall s':>8} {'cpu s':>8} {'docs/s':>7} {'triples/s':>10} {'peak MB':>8} {'rebuild s':>9} {'ratio':>6}"
    print(header)
    runs = []
    for n in args.sizes:
        full, again = measure(n, args.work, args.seed, args.jobs, not args.no_rebuild)
        runs.append(full)
        rebuild = f"{again.wall:>9.1f} {again.wall / full.wall:>6.2f}" if again else f"{'-':>9} {'-':>6}"
        print(
            f"{n:>6} {full.files:>6} {full.triples:>10} {full.wall:>8.1f} {full.cpu:>8.1f} {full.documents / full.wall:>7.2f} "
            f"{full.triples / full.wall:>10.0f} {full.peak_rss_mb:>8.0f} {rebuild}",
            flush=True,
        )
        print(f"         peak memory (full, sampled every {SAMPLE:.0f} s): {full.tree.describe()}")
        print(f"         largest tree PSS/parent RSS per phase, MB: {full.tree.phases()}")
        print(f"         phases (full): {full.phases}")
        if again:
            print(f"         peak memory (rebuild): {again.tree.describe()}")
            print(f"         phases (rebuild): {again.phases}", flush=True)
    if len(runs) > 1:
        sizes = [r.documents for r in runs]
        print(f"growth exponent (time ~ N^k): wall k = {slope(sizes, [r.wall for r in runs]):.2f}, cpu k = {slope(sizes, [r.cpu for r in runs]):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
