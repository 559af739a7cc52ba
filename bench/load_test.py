"""Load `gaoxin-kg serve` with a mix of canned pages, ad-hoc SPARQL and resource pages while the graph is rebuilt twice.

    .venv/bin/python bench/load_test.py [--clients 64] [--duration 30] [--settle 8] [--workers 2] [--threads 4] [--keep DIR]

Bounded on purpose: loopback only, a fixed number of clients, a fixed duration
(extended only until the second rebuild has been served for a few seconds).
Builds the seed graph (V1) into a temporary store, serves it, warms every
request up, then loads it while `gaoxin-kg build` switches it to V2 (one
document left out) at 1/3 and V3 (another left out) at 2/3 of the duration.
Every response is checked against the graph version its X-Gaoxin-Graph-Version
names. Prints the machine, the command line, requests, req/s, p50/p99 per kind,
failures, wrong answers, the versions seen and the RSS of every server process;
exits 1 on any failure or wrong answer.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_mix import Plan, Report, machine, percentile, run  # noqa: E402
from bench.server_memory import TOLERANCE_FLOOR_KB, TOLERANCE_FRACTION  # noqa: E402


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients (default 64)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument("--settle", type=float, default=8.0, help="quiet seconds before RSS is sampled again (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--keep", type=Path, help="work in this directory (kept) instead of a temporary one")
    return parser.parse_args(argv)


def print_report(report: Report) -> None:
    """Print the figures of one run."""
    print(f"load: {report.clients} clients, {report.seconds:.1f} s, {len(report.outcomes)} requests, {len(report.outcomes) / report.seconds:.0f} req/s")
    for kind in sorted({o.target.kind for o in report.outcomes}):
        times = report.latencies(kind)
        p50, p99 = percentile(times, 0.5) * 1000, percentile(times, 0.99) * 1000
        print(f"  {kind:<17} {len(times):>6} requests  p50 {p50:8.1f} ms  p99 {p99:8.1f} ms")
    for number, switch in enumerate(report.switches, 1):
        print(f"rebuild {number}: {switch.started:.1f}-{switch.ended:.1f} s → {switch.version} ({switch.documents} documents)")
    print("versions seen: " + ", ".join(f"{version} ({count} answers)" for version, count in sorted(report.versions_seen.items())))
    print(f"failures: {len(report.failures)}; wrong answers: {len(report.wrong)} (warm-up included)")
    for line in (report.failures + report.wrong)[:20]:
        print(f"  {line}")
    print_memory(report)


def print_memory(report: Report) -> None:
    """Print RSS baseline, peak and after per server process, and whether each is back within the tolerance."""
    memory = report.memory
    print(f"RSS (MB) per server process; tolerance after - baseline <= max({TOLERANCE_FRACTION:.0%}, {TOLERANCE_FLOOR_KB // 1024} MB):")
    others = sorted(set(memory.roles) - set(memory.lasting()))  # processes that started or ended during the run
    for pid in memory.lasting() + others:
        base, peak, after = (memory.baseline.get(pid), memory.peak.get(pid), memory.after.get(pid))
        verdict = "ok" if base and after and memory.growth_ok(pid) else "-" if not (base and after) else "GREW"
        print(f"  {memory.roles[pid]:<10} {pid:>7}  baseline {mb(base):>7}  peak {mb(peak):>7}  after {mb(after):>7}", end="")
        print(f"  growth {growth(base, after):>7}  {verdict}")
    print(f"  {'total':<10} {'':>7}  baseline {mb(sum(memory.baseline.values())):>7}  peak {mb(sum(memory.peak.values())):>7}"
          f"  after {mb(sum(memory.after.values())):>7}")


def mb(kb: int | None) -> str:
    return "-" if not kb else f"{kb / 1024:.1f}"


def growth(base: int | None, after: int | None) -> str:
    return "-" if not (base and after) else f"{(after - base) / 1024:+.1f}"


def main(argv: list[str] | None = None) -> int:
    """Run the load test once and print its figures."""
    options = arguments(argv)
    plan = Plan(clients=options.clients, seconds=options.duration, settle=options.settle, workers=options.workers, threads=options.threads)
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(f"machine: {machine()}")
    at = ", ".join(f"{fraction:.2f}" for fraction in plan.rebuild_at)
    print(f"server: gaoxin-kg serve --workers {plan.workers} --threads {plan.threads}; rebuilds at {at} of the duration")
    if options.keep:
        options.keep.mkdir(parents=True, exist_ok=True)
        report = run(plan, options.keep, log=lambda line: print(f"  .. {line}", flush=True))
    else:
        with tempfile.TemporaryDirectory(prefix="gaoxin-load-") as workdir:
            report = run(plan, Path(workdir), log=lambda line: print(f"  .. {line}", flush=True))
    print_report(report)
    return 1 if report.failures or report.wrong else 0


if __name__ == "__main__":
    sys.exit(main())
