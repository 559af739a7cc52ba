"""Reference tables shipped with the project: provinces and their GB/T 2260 codes."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Province:
    """A provincial-level division with its code, names and abbreviations."""

    code: str  # GB/T 2260, six digits, e.g. "530000"
    name: str  # 云南省
    short_name: str  # 云南
    doc_prefix: str  # the one-character abbreviation in 文号, e.g. 云 in 云政发
    other_abbr: str  # another abbreviation, e.g. 滇
    slug: str  # yunnan
    name_en: str
    wikidata: str  # Q-id, or "" when not known for certain
    source: str


@cache
def provinces() -> tuple[Province, ...]:
    """Load the 31 provincial-level divisions from the shipped CSV."""
    table = resources.files("gaoxin_reference").joinpath("provinces.csv")
    with table.open(encoding="utf-8") as handle:
        return tuple(Province(**row) for row in csv.DictReader(handle))


def by_code(code: str) -> Province:
    """Find a province by its six-digit code."""
    return next(p for p in provinces() if p.code == code)


def by_name(name: str) -> Province | None:
    """Find a province by its full or short name (云南省, 云南), or None.

    >>> by_name("云南").code
    '530000'
    >>> by_name("快递大陆") is None
    True
    """
    return next((p for p in provinces() if name in (p.name, p.short_name)), None)


def by_doc_prefix(doc_number: str) -> Province | None:
    """Find the province whose abbreviation opens a 文号 such as 云政发〔2020〕36号.

    >>> by_doc_prefix("冀政字〔2020〕52号").short_name
    '河北'
    >>> by_doc_prefix("国发〔2020〕7号") is None
    True
    """
    return next((p for p in provinces() if doc_number.startswith(p.doc_prefix)), None)


def by_code_prefix(digits: str) -> Province | None:
    """Find the province whose code starts with the first two of these digits."""
    return next((p for p in provinces() if p.code[:2] == digits[:2]), None)
