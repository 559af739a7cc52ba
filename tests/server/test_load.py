"""Under load: 64 clients mixing pages, CSV, SPARQL and resource pages while the graph is rebuilt and switched twice.

Not a timed test: it asserts only correctness (no failed request, no wrong answer,
every version served and answered correctly) and that memory comes back. The
figures are printed by bench/load_test.py, which runs the same load for longer.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.load_mix import Plan, Report, judge, run
from bench.server_memory import TOLERANCE_FLOOR_KB, TOLERANCE_FRACTION


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """Load the server for 15 s (longer if a rebuild is slow) with 64 clients; rebuilds at 5 s and 10 s."""
    plan = Plan(clients=64, seconds=15.0, settle=5.0)
    return run(plan, tmp_path_factory.mktemp("load"))


def test_no_request_fails(report: Report) -> None:
    assert report.outcomes and report.failures == []


def test_no_answer_is_wrong_for_the_version_it_names(report: Report) -> None:
    assert report.wrong == []


def test_both_rebuilds_are_served_and_every_version_answers(report: Report) -> None:
    assert len(report.switches) == 2
    assert {s.version for s in report.switches} <= set(report.versions_seen)
    assert len(report.versions_seen) >= 3
    assert all(count > 0 for count in report.versions_seen.values())


def test_every_kind_of_request_is_in_the_mix(report: Report) -> None:
    kinds = {o.target.kind for o in report.outcomes}
    assert kinds == {"canned page", "canned csv", "sparql count", "sparql lookup", "sparql construct", "resource page"}


def test_the_versions_differ_in_what_they_answer(report: Report) -> None:
    counts = {o.version: o.fact for o in report.outcomes if o.target.fact == "count"}
    documents = {s.version: s.documents for s in report.switches}
    assert all(counts[v] == n for v, n in documents.items() if v in counts)
    listed = {o.version: o.fact for o in report.outcomes if o.target.fact == "documents" and o.target.kind == "canned csv"}
    assert len(set(listed.values())) == len(listed) >= 2  # V1, V2 and V3 list different documents


def test_memory_returns_to_its_baseline(report: Report) -> None:
    memory = report.memory
    lasting = memory.lasting()
    assert {memory.roles[pid] for pid in lasting} >= {"master", "worker", "query"}
    grown = {f"{memory.roles[pid]} {pid}": (memory.baseline[pid], memory.after[pid]) for pid in lasting if not memory.growth_ok(pid)}
    assert grown == {}, f"RSS (kB) grew beyond max({TOLERANCE_FRACTION:.0%}, {TOLERANCE_FLOOR_KB} kB): {grown}"



def test_the_checks_catch_an_answer_from_another_version_and_an_error_status(report: Report) -> None:
    (first,) = set(report.expected) - {s.version for s in report.switches}
    count = next(o for o in report.outcomes if o.target.fact == "count" and o.version == first)
    assert judge(count, report.expected) == ("ok", "")
    assert judge(replace(count, version=report.switches[0].version), report.expected)[0] == "wrong"  # 4 documents in V1, 3 in V2
    assert judge(replace(count, version="20000101T000000000000-unknown"), report.expected)[0] == "wrong"
    assert judge(replace(count, status=503), report.expected)[0] == "failure"
