"""Checks on the hand-made gold file data/gold/seeds.yaml.

The gold is used to score the extractor, so it must load, point at real files,
quote them exactly, and keep every value inside the agreed vocabularies.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
GOLD = ROOT / "data" / "gold" / "seeds.yaml"
RAW = ROOT / "tests" / "data" / "seeds" / "raw"

WORK_KEYS = {
    "files",
    "primary",
    "province",
    "doc_number",
    "title",
    "issuer",
    "date_document",
    "status",
    "implements",
    "incentives",
    "departments",
    "zones",
    "industries",
    "targets",
    "provisions",
}
CATEGORIES = ("incentives", "departments", "zones", "industries", "targets", "provisions")
INCENTIVE_KEYS = {
    "measure",
    "path",
    "quote",
    "recipient",
    "amount_yuan",
    "min_yuan",
    "max_yuan",
    "rate_percent",
    "rate_base",
    "frequency",
    "payer",
}
MONEY_KEYS = ("amount_yuan", "min_yuan", "max_yuan")
FREQUENCIES = {"one-time", "annual", "unspecified"}
COMPARATORS = {">=", ">", "=", "<=", "<"}
ROLES = {"responsible", "actor"}
STATUSES = {"final", "draft"}
LEVELS = {None, "national", "provincial"}
DOC_NUMBER = re.compile(r"^\S+〔\d{4}〕\d+号$")


def _load() -> list[dict]:
    with GOLD.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


WORKS = _load()


def _text(name: str) -> str:
    return (RAW / name).read_text(encoding="utf-8")


def _entries():
    """Yield (work primary, category, entry) for every gold entry."""
    for work in WORKS:
        for cat in CATEGORIES:
            for entry in work[cat]:
                yield work["primary"], cat, entry


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def test_gold_loads_as_list_of_works():
    assert isinstance(WORKS, list) and WORKS
    for work in WORKS:
        assert isinstance(work, dict)
        assert set(work) == WORK_KEYS, work.get("primary")
        for cat in CATEGORIES:
            assert isinstance(work[cat], list), (work["primary"], cat)


def test_files_exist_and_each_raw_file_belongs_to_one_work():
    seen = []
    for work in WORKS:
        assert work["primary"] in work["files"]
        for name in work["files"]:
            assert (RAW / name).is_file(), name
        seen.extend(work["files"])
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(p.name for p in RAW.glob("*.txt"))


def test_work_metadata_values():
    for work in WORKS:
        assert work["status"] in STATUSES
        assert isinstance(work["province"], str) and work["province"].endswith("省")
        assert work["date_document"] is None or isinstance(work["date_document"], dt.date)
        for key in ("title", "issuer"):
            assert work[key] is None or isinstance(work[key], str)
        assert work["doc_number"] is None or DOC_NUMBER.match(work["doc_number"])
        assert isinstance(work["implements"], list)
        for number in work["implements"]:
            assert DOC_NUMBER.match(number), number


@pytest.mark.parametrize("primary,cat,entry", list(_entries()))
def test_quotes_are_substrings_of_primary(primary, cat, entry):
    if cat in ("incentives", "targets", "provisions"):
        assert isinstance(entry["quote"], str) and entry["quote"]
    if "quote" in entry:
        assert entry["quote"] in _text(primary), entry["quote"]


@pytest.mark.parametrize("primary,cat,entry", list(_entries()))
def test_measure_and_path(primary, cat, entry):
    measure, path = entry["measure"], entry["path"]
    assert isinstance(measure, str) and measure
    assert isinstance(path, str) and path.endswith(measure)


def test_incentive_values():
    for primary, cat, inc in _entries():
        if cat != "incentives":
            continue
        assert set(inc) == INCENTIVE_KEYS, primary
        assert inc["frequency"] in FREQUENCIES
        for key in (*MONEY_KEYS, "rate_percent"):
            assert inc[key] is None or (_is_number(inc[key]) and inc[key] > 0), (key, inc["quote"])
        if inc["min_yuan"] is not None and inc["max_yuan"] is not None:
            assert inc["min_yuan"] <= inc["max_yuan"]
        if inc["rate_percent"] is not None:
            assert inc["rate_percent"] <= 100
            assert isinstance(inc["rate_base"], str) and inc["rate_base"]
        for key in ("recipient", "rate_base", "payer"):
            assert inc[key] is None or isinstance(inc[key], str)


def test_money_figures_in_quote_are_normalised():
    """Every yuan value must be a quoted 万元 figure ×10^4 (or 亿元 ×10^8)."""
    for _, cat, inc in _entries():
        if cat != "incentives":
            continue
        figures = {int(n) * (10**4 if unit == "万元" else 10**8) for n, unit in re.findall(r"(\d+)(万元|亿元)", inc["quote"])}
        for key in MONEY_KEYS:
            if inc[key] is not None:
                assert inc[key] in figures, (key, inc[key], inc["quote"])


def test_department_zone_industry_values():
    for _, cat, entry in _entries():
        if cat == "departments":
            assert entry["role"] in ROLES
            assert isinstance(entry["name"], str) and entry["name"]
        elif cat == "zones":
            assert entry["name"].endswith("高新区")
            assert entry["level"] in LEVELS
            assert all(isinstance(i, str) and i for i in entry["industries"])
        elif cat == "industries":
            assert isinstance(entry["name"], str) and entry["name"]


def test_target_and_provision_values():
    for _, cat, entry in _entries():
        if cat not in ("targets", "provisions"):
            continue
        assert entry["comparator"] in COMPARATORS
        assert _is_number(entry["value"])
        assert entry["unit"] is None or isinstance(entry["unit"], str)
        if cat == "targets":
            assert isinstance(entry["indicator"], str) and entry["indicator"]
            assert entry["year"] is None or (isinstance(entry["year"], int) and 2000 < entry["year"] < 2100)
        else:
            assert isinstance(entry["kind"], str) and entry["kind"]


def test_no_duplicate_entries():
    for work in WORKS:
        for cat in ("departments", "zones", "industries"):
            keys = [tuple(sorted((k, str(v)) for k, v in e.items())) for e in work[cat]]
            assert len(keys) == len(set(keys)), (work["primary"], cat)


def test_values_are_simplified_chinese():
    opencc = pytest.importorskip("opencc")
    t2s = opencc.OpenCC("t2s")

    def strings(obj, key=None):
        if isinstance(obj, dict):
            for k, v in obj.items():
                yield from strings(v, k)
        elif isinstance(obj, list):
            for v in obj:
                yield from strings(v, key)
        elif isinstance(obj, str) and key not in ("quote", "files", "primary"):
            yield obj

    for work in WORKS:
        for s in strings(work):
            assert t2s.convert(s) == s, s
