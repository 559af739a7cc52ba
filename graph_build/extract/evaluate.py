"""Score the extractor against a hand-made gold file: precision and recall per kind of fact.

The gold (data/gold/seeds.yaml) was made by reading the documents. Facts are
compared as keys of normalised values, so a fact counts as found only when
every value in its key is right:

- incentives: amount, minimum, maximum, rate, frequency, recipient
- incentive values: the same without the recipient
- departments: the measure, the name, the role
- zones: the zone's name; zone industries: (zone, industry) pairs
- industries: the name; targets: comparator, value, unit, year; provisions: comparator, value, unit
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from graph_build import reference
from graph_build.records import AnnotatedWork, Segment
from graph_build.text.script import analysis_view


@dataclass(frozen=True)
class Score:
    """Precision and recall of one kind of fact."""

    kind: str
    gold: int
    found: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 1.0


def number(value: Any) -> str:
    """Normalise a number for comparison: no trailing zeros, None stays empty.

    >>> number(Decimal("10.0")), number(5000000), number(None)
    ('10', '5000000', '')
    """
    if value is None:
        return ""
    return format(Decimal(str(value)).normalize(), "f")


def plain(text: str | None) -> str:
    """Normalise words for comparison: simplified, half-width, no spaces."""
    return re.sub(r"\s+", "", analysis_view(text or ""))


def chains(segments: tuple[Segment, ...]) -> dict[str, str]:
    """Give each segment path its printed numbering chain, e.g. "2.1" → "二、(一)"."""
    label = {s.path: s.number or (s.heading.quote if s.heading else s.path) for s in segments}
    parts = {path: [label[p] for p in ancestors(path) if p in label] for path in label}
    return {path: plain("".join(part)) for path, part in parts.items()}


def ancestors(path: str) -> list[str]:
    """List a path and its ancestors, outermost first.

    >>> ancestors("2.1.3")
    ['2', '2.1', '2.1.3']
    """
    pieces = path.split(".")
    return [".".join(pieces[: k + 1]) for k in range(len(pieces))]


KEYS: dict[str, tuple[Callable[[dict], tuple], Callable[[Any, dict[str, str]], Iterable[tuple]]]] = {
    "incentives": (
        lambda g: (number(g["amount_yuan"]), number(g["min_yuan"]), number(g["max_yuan"]), number(g["rate_percent"]), g["frequency"], plain(g["recipient"])),
        lambda x, _: [(*money_key(i), plain(i.recipient)) for i in x.incentives],
    ),
    "incentive values": (
        lambda g: (number(g["amount_yuan"]), number(g["min_yuan"]), number(g["max_yuan"]), number(g["rate_percent"]), g["frequency"]),
        lambda x, _: [money_key(i) for i in x.incentives],
    ),
    "departments": (
        lambda g: (plain(g["path"]), plain(g["name"]), g["role"]),
        lambda x, chain: [(chain.get(d.measure, d.measure), plain(d.name), d.role) for d in x.departments],
    ),
    "zones": (lambda g: (plain(g["name"]),), lambda x, _: [(plain(z.name),) for z in x.zones]),
    "industries": (lambda g: (plain(g["name"]),), lambda x, _: [(plain(i.name),) for i in x.industries]),
    "targets": (
        lambda g: (g["comparator"], number(g["value"]), plain(g["unit"]), g["year"] or ""),
        lambda x, _: [(t.comparator, number(t.value), plain(t.unit), t.year or "") for t in x.targets],
    ),
    "provisions": (
        lambda g: (g["comparator"], number(g["value"]), plain(g["unit"])),
        lambda x, _: [(p.comparator, number(p.value), plain(p.unit)) for p in x.provisions],
    ),
}


def money_key(incentive: Any) -> tuple:
    values = (incentive.amount, incentive.minimum, incentive.maximum)
    return (*(number(m.yuan if m else None) for m in values), number(incentive.rate_percent), incentive.frequency)


def gold_items(entry: dict, kind: str) -> list[tuple]:
    """List the gold keys of one kind for one work."""
    if kind == "zone industries":
        return [(plain(z["name"]), plain(i)) for z in entry.get("zones") or [] for i in z.get("industries") or []]
    field = "incentives" if kind == "incentive values" else kind
    return [KEYS[kind][0](item) for item in entry.get(field) or []]


def found_items(annotated: AnnotatedWork, kind: str) -> list[tuple]:
    """List the extracted keys of one kind for one work."""
    if kind == "zone industries":
        return [(plain(z.name), plain(i)) for z in annotated.extraction.zones for i in z.industries]
    return list(KEYS[kind][1](annotated.extraction, chains(annotated.segments)))


def evaluate(works: list[AnnotatedWork], gold_path: Path) -> list[Score]:
    """Score the extraction of every gold work, per kind of fact (multiset matching)."""
    gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
    by_primary = {w.work.primary.name: w for w in works}
    scores = []
    for kind in (*KEYS, "zone industries"):
        expected, found = Counter(), Counter()
        for entry in gold:
            work = by_primary.get(entry["primary"])
            expected += Counter((entry["primary"], *k) for k in gold_items(entry, kind))
            if work is not None:
                found += Counter((entry["primary"], *k) for k in found_items(work, kind))
        correct = sum((expected & found).values())
        scores.append(Score(kind, sum(expected.values()), sum(found.values()), correct))
    return scores


def table(scores: list[Score]) -> str:
    """Format scores as a small text table."""
    lines = [f"{'kind':18} {'gold':>5} {'found':>5} {'right':>5} {'precision':>9} {'recall':>7}"]
    lines += [f"{s.kind:18} {s.gold:5} {s.found:5} {s.correct:5} {s.precision:9.2f} {s.recall:7.2f}" for s in scores]
    return "\n".join(lines)


# ---- a gold folder in the development-corpus format (data/gold/devcorpus) ----------------------------------

FOLDER_KINDS = (
    "documents accepted", "文号", "province or country", "parent directives", "zones", "money with a figure", "money + recipient", "targets", "departments",
)
FIGURES = ("amount", "min", "max", "rate")


@dataclass(frozen=True)
class GoldDocument:
    """One gold file of a folder: the raw file it annotates and its annotation."""

    file: str  # the raw file's name, <gold file stem>.txt
    gold: dict


def gold_folder(folder: Path) -> list[GoldDocument]:
    """Read every <slug>.yaml of a gold folder; each annotates the raw file <slug>.txt."""
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise ValueError(f"{folder}: no gold files (*.yaml)")
    return [GoldDocument(f"{path.stem}.txt", yaml.safe_load(path.read_text(encoding="utf-8"))) for path in paths]


def jurisdiction(identity: Any) -> str:
    """Name what an identity places a document in: a province's short name, 国家, or nothing.

    >>> from graph_build.records import Identity
    >>> jurisdiction(Identity(province_code="320000")), jurisdiction(Identity(national=True)), jurisdiction(Identity())
    ('江苏', '国家', '')
    """
    if identity.province_code:
        return reference.by_code(identity.province_code).short_name
    return "国家" if identity.national else ""


def gold_jurisdiction(document: dict) -> str:
    """Name the gold's jurisdiction: the issuer's province, or 国家 for a national document."""
    return "国家" if document.get("level") == "national" else plain(document.get("province"))


def zone_key(name: str) -> str:
    """Fold a zone's name to the short form the finder gives: 高新区 for 高新技术产业开发区, no leading province.

    >>> zone_key("江苏省江阴高新技术产业开发区"), zone_key("苏州国家高新技术产业开发区"), zone_key("安徽宿州高新区")
    ('江阴高新区', '苏州高新区', '宿州高新区')
    """
    name = re.sub(r"(国家)?高新技术产业开发区$", "高新区", plain(name))
    for province in reference.provinces():
        for prefix in (province.name, province.short_name):
            if name.startswith(prefix) and len(name) > len(prefix) + 3:
                return name[len(prefix) :]
    return name


def parent_keys(identity: Any) -> list[str]:
    """List the documents an identity says it implements, by 文号, else by 《title》."""
    return list(dict.fromkeys(c.doc_number or f"《{c.title}》" for c in identity.citations if c.implements))


def figure_key(item: dict) -> tuple:
    return (*(number(item.get(k)) for k in ("amount", "min", "max", "rate")), item.get("frequency"))


def gold_keys(document: GoldDocument, kind: str) -> list[tuple]:
    """List the gold keys of one kind for one gold file."""
    gold, meta = document.gold, document.gold.get("document") or {}
    money = [i for i in gold.get("incentives") or [] if any(i.get(k) is not None for k in FIGURES)]
    return {
        "documents accepted": [("accepted",)],
        "文号": [(meta["doc_number"],)] if meta.get("doc_number") else [],
        "province or country": [(j,)] if (j := gold_jurisdiction(meta)) else [],
        "parent directives": [(p,) for p in meta.get("parent_directives") or []],
        "zones": sorted({(zone_key(z["name"]),) for z in gold.get("zones") or []}),
        "money with a figure": [figure_key(i) for i in money],
        "money + recipient": [(*figure_key(i), plain(i.get("recipient"))) for i in money],
        "targets": [(number(t["value"]), plain(t["unit"]), t["year"] or "") for t in gold.get("targets") or []],
        "departments": sorted({(plain(d),) for d in gold.get("departments") or []}),
    }[kind]


def file_keys(annotated: AnnotatedWork, identity: Any, kind: str) -> list[tuple]:
    """List the keys of one kind the builder finds for one raw file: its own identity, its work's extraction."""
    found = annotated.extraction
    money = [i for i in found.incentives if any(v is not None for v in (i.amount, i.minimum, i.maximum, i.rate_percent))]
    return {
        "documents accepted": [("accepted",)],
        "文号": [(identity.doc_number_text,)] if identity.doc_number_text else [],
        "province or country": [(j,)] if (j := jurisdiction(identity)) else [],
        "parent directives": [(p,) for p in parent_keys(identity)],
        "zones": sorted({(zone_key(z.name),) for z in found.zones}),
        "money with a figure": [money_key(i) for i in money],
        "money + recipient": [(*money_key(i), plain(i.recipient)) for i in money],
        "targets": [(number(t.value), plain(t.unit), t.year or "") for t in found.targets],
        "departments": sorted({(plain(d.span.quote),) for d in found.departments}),  # the gold's departments are verbatim
    }[kind]


@dataclass(frozen=True)
class Difference:
    """What the builder missed and what it found that the gold lacks, for one field of one file."""

    kind: str
    file: str
    missed: tuple[tuple, ...]
    spurious: tuple[tuple, ...]


def compare_folder(works: list[AnnotatedWork], folder: Path) -> tuple[list[Score], list[Difference], list[str]]:
    """Compare the builder with every file of a gold folder, per field: scores, differences, rejected files."""
    documents = gold_folder(folder)
    by_file = {e.name: (w, i) for w in works for e, i in zip(w.work.expressions, w.work.identities, strict=True)}
    scores, differences = [], []
    for kind in FOLDER_KINDS:
        expected, found = Counter(), Counter()
        for document in documents:
            gold = Counter(gold_keys(document, kind))
            mine = Counter(file_keys(*by_file[document.file], kind)) if document.file in by_file else Counter()
            expected += Counter({(document.file, *k): n for k, n in gold.items()})
            found += Counter({(document.file, *k): n for k, n in mine.items()})
            if gold != mine:
                differences.append(Difference(kind, document.file, tuple((gold - mine).elements()), tuple((mine - gold).elements())))
        scores.append(Score(kind, sum(expected.values()), sum(found.values()), sum((expected & found).values())))
    return scores, differences, [d.file for d in documents if d.file not in by_file]


def evaluate_folder(works: list[AnnotatedWork], folder: Path) -> tuple[list[Score], list[str]]:
    """Score the builder on every file of a gold folder, per field; return the scores and the files no work holds (rejected)."""
    scores, _, rejected = compare_folder(works, folder)
    return scores, rejected


def differences_text(differences: list[Difference]) -> str:
    """List the differences field by field: each file with what was missed (-) and what is spurious (+)."""
    lines = []
    for kind in FOLDER_KINDS:
        mine = [d for d in differences if d.kind == kind]
        if mine:
            lines.append(f"== {kind}")
        for d in mine:
            lines.append(f"  {d.file}")
            lines += [f"    - {' '.join(map(str, key))}" for key in d.missed]
            lines += [f"    + {' '.join(map(str, key))}" for key in d.spurious]
    return "\n".join(lines)


def folder_table(scores: list[Score], rejected: list[str]) -> str:
    """Format a gold folder's scores and its rejected files."""
    lines = [table(scores), f"documents rejected: {len(rejected)}"]
    return "\n".join(lines + [f"  {name}" for name in rejected])
