"""Reference tables shipped with the project (data/reference/*.csv): divisions, zones, classifications, mappings.

Administrative division codes (GB/T 2260, as in the Ministry of Civil Affairs'
list of county-level and higher codes) are six digits: two for the province,
two for the prefecture, two for the county, ``00`` where a level is absent
(530000 云南省, 530100 昆明市, 530102 五华区). Wikidata's P442 writes the same
code as its significant two-digit pairs separated by spaces ("53", "53 01",
"53 01 02"); :func:`to_p442` and :func:`from_p442` convert between the two.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from typing import Any, TypeVar

T = TypeVar("T")
ZONE_SUFFIX = "高新区"


class ReferenceError(ValueError):
    """A reference table that cannot be read; the message names the file and line."""


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


@dataclass(frozen=True)
class Division:
    """A prefecture- or county-level division below a province (divisions.csv)."""

    code: str  # GB/T 2260, six digits, e.g. "620100"
    name: str  # 兰州市
    short_name: str  # 兰州, the form that names zones (兰州高新区)
    level: str  # prefecture or county
    parent: str  # code of the province or prefecture it belongs to
    wikidata: str  # Q-id, or "" when not known for certain
    source: str

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


@dataclass(frozen=True)
class Zone:
    """A high-tech zone as documents name it, with the division it lies in (zones.csv)."""

    name: str  # 兰州高新区
    official_name: str  # 兰州高新技术产业开发区, or "" when not verified
    level: str  # national, or "" when not verified
    division: str  # GB/T 2260 code of the division the zone lies in
    wikidata: str
    source: str


@dataclass(frozen=True)
class ClassCode:
    """One class of a national classification (sei_2018.csv, gbt_4754_2017.csv)."""

    code: str
    label: str
    label_en: str
    source: str
    broader: str = ""  # the code of the enclosing class, e.g. C for division 27


@dataclass(frozen=True)
class IndustryLink:
    """How an industry label used in documents maps to the classifications (industries.csv)."""

    label: str  # 生物医药
    sei: str  # code 1–9 of 战略性新兴产业分类(2018), or ""
    sei_match: str  # broad or close
    gbt4754: str  # GB/T 4754-2017 section letter or two-digit division, or ""
    gbt4754_match: str
    related: str  # another label of the table this one is a variant of, or ""
    note: str  # why there is no match, where there is none


@dataclass(frozen=True)
class RecipientType:
    """A recipient type with its broader type (recipient_types.csv)."""

    label: str  # 国家重点实验室
    broader: str  # 国家级创新平台, or "" for a top concept
    label_en: str
    note: str


def table(file_name: str, record: type[T]) -> tuple[T, ...]:
    """Read one CSV of data/reference into records, naming the file and line of a malformed row."""
    names = {f.name for f in fields(record)}  # type: ignore[arg-type]
    with resources.files("gaoxin_reference").joinpath(file_name).open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = []
        for row in reader:
            rows.append(checked_row(file_name, reader.line_num, row, names, record))
        return tuple(rows)


def checked_row(file_name: str, line: int, row: dict[str, Any], names: set[str], record: type[T]) -> T:
    """Build a record from a CSV row or fail naming the file and line."""
    if None in row or None in row.values() or not set(row) <= names:
        raise ReferenceError(f"data/reference/{file_name}:{line}: expected the columns {sorted(names)}")
    return record(**row)


@cache
def provinces() -> tuple[Province, ...]:
    """Load the 31 provincial-level divisions from the shipped CSV."""
    return table("provinces.csv", Province)


@cache
def divisions() -> tuple[Division, ...]:
    """Load the prefecture- and county-level divisions the project knows."""
    return table("divisions.csv", Division)


@cache
def zones() -> tuple[Zone, ...]:
    return table("zones.csv", Zone)


@cache
def sei_areas() -> tuple[ClassCode, ...]:
    """Load the nine areas of 战略性新兴产业分类(2018)."""
    return table("sei_2018.csv", ClassCode)


@cache
def gbt4754_classes() -> tuple[ClassCode, ...]:
    """Load the GB/T 4754-2017 sections and divisions the mapping uses."""
    return table("gbt_4754_2017.csv", ClassCode)


@cache
def industry_links() -> dict[str, IndustryLink]:
    return {row.label: row for row in table("industries.csv", IndustryLink)}


@cache
def recipient_types() -> dict[str, RecipientType]:
    return {row.label: row for row in table("recipient_types.csv", RecipientType)}


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


def division_by_code(code: str) -> Division:
    """Find a division by its six-digit code."""
    return next(d for d in divisions() if d.code == code)


def division_named(name: str, province_code: str | None) -> Division | None:
    """Find a division of a province by its full or short name (兰州市, 兰州), or None.

    >>> division_named("兰州", "620000").code
    '620100'
    >>> division_named("兰州", "530000") is None
    True
    """
    found = (d for d in divisions() if name in (d.name, d.short_name) and d.province_code == province_code)
    return next(found, None)


def zone_division(zone_name: str, province_code: str | None) -> Division | None:
    """Find the division a zone lies in: from zones.csv, else the division its name starts with.

    A zone is named after the place it lies in (兰州高新区 in 兰州市, 陇西高新区 in
    陇西县), so a zone missing from zones.csv is placed by the division of its
    province whose full or short name is the zone name without 高新区.

    >>> zone_division("陇西高新区", "620000").name
    '陇西县'
    >>> zone_division("曲靖高新区", "530000").code
    '530300'
    >>> zone_division("前进高新区", "530000") is None
    True
    """
    row = zone_row(zone_name)
    if row is not None and row.division[:2] == (province_code or "")[:2]:
        return division_by_code(row.division)
    return division_named(zone_name.removesuffix(ZONE_SUFFIX), province_code) if zone_name.endswith(ZONE_SUFFIX) else None


def zone_row(zone_name: str) -> Zone | None:
    return next((z for z in zones() if z.name == zone_name), None)


def to_p442(code: str) -> str:
    """Write a six-digit GB/T 2260 code in Wikidata's P442 form: its significant pairs, space-separated.

    >>> to_p442("530000"), to_p442("530100"), to_p442("530102")
    ('53', '53 01', '53 01 02')
    >>> to_p442("53010")
    Traceback (most recent call last):
    ValueError: not a six-digit GB/T 2260 code: '53010'
    """
    if not re.fullmatch(r"\d{6}", code):
        raise ValueError(f"not a six-digit GB/T 2260 code: {code!r}")
    pairs = [code[0:2], code[2:4], code[4:6]]
    while len(pairs) > 1 and pairs[-1] == "00":
        pairs.pop()
    return " ".join(pairs)


def from_p442(value: str) -> str:
    """Write a Wikidata P442 code ("53 01") as a six-digit GB/T 2260 code ("530100").

    >>> from_p442("53"), from_p442("53 01"), from_p442("53 01 02")
    ('530000', '530100', '530102')
    >>> all(from_p442(to_p442(code)) == code for code in ("110000", "620981", "130403"))
    True
    >>> from_p442("5301")
    Traceback (most recent call last):
    ValueError: not a P442 code of space-separated pairs: '5301'
    """
    if not re.fullmatch(r"\d{2}(?: \d{2}){0,2}", value):
        raise ValueError(f"not a P442 code of space-separated pairs: {value!r}")
    return value.replace(" ", "").ljust(6, "0")
