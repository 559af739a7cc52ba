"""Stage 5, group: the same work scraped twice becomes one work with two expressions.

Two expressions are one work when they carry the same 文号, or when their
bodies share most of their wording: the Jaccard similarity of their sets of
character 5-grams, taken over the simplified text with punctuation, spaces
and numbers removed, is at least SAME_WORK. Deciding by content catches drafts
and documents without a 文号, copies in the other script, and copies whose
province name a converter corrupted.
"""

from __future__ import annotations

import re

from . import iris
from .records import Expression, Identity, Work

SHINGLE = 5
SAME_WORK = 0.6
_NOT_WORDING = re.compile(r"[^\u4e00-\u9fff]")


def group(expressions: list[Expression], identities: list[Identity]) -> list[Work]:
    """Group expressions into works, the zh-Hans expression first, in file-name order."""
    parents = list(range(len(expressions)))
    shingles = [shingle_set(e) for e in expressions]
    for i in range(len(expressions)):
        for j in range(i):
            if same_work(identities[i], identities[j], shingles[i], shingles[j]):
                parents[find(parents, i)] = find(parents, j)
    clusters: dict[int, list[int]] = {}
    for i in range(len(expressions)):
        clusters.setdefault(find(parents, i), []).append(i)
    return [make_work([expressions[i] for i in members], [identities[i] for i in members]) for members in clusters.values()]


def find(parents: list[int], i: int) -> int:
    """Find the representative of i's cluster (union-find with path halving)."""
    while parents[i] != i:
        parents[i] = parents[parents[i]]
        i = parents[i]
    return i


def shingle_set(expression: Expression) -> frozenset[str]:
    """Return the character 5-grams of an expression's body wording."""
    body = expression.analysis[expression.clean.body_start : expression.clean.body_end]
    wording = _NOT_WORDING.sub("", body)
    return frozenset(wording[k : k + SHINGLE] for k in range(len(wording) - SHINGLE + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Return the Jaccard similarity of two sets.

    >>> jaccard(frozenset("abc"), frozenset("bcd"))
    0.5
    """
    return len(a & b) / len(a | b) if a or b else 0.0


def same_work(a: Identity, b: Identity, shingles_a: frozenset[str], shingles_b: frozenset[str]) -> bool:
    """Tell whether two expressions realise the same work."""
    if a.doc_number_text and b.doc_number_text:
        if a.doc_number_text == b.doc_number_text:
            return True
        if a.status == b.status:
            return False
    return jaccard(shingles_a, shingles_b) >= SAME_WORK


def make_work(expressions: list[Expression], identities: list[Identity]) -> Work:
    """Order a cluster's expressions (zh-Hans first, then fewest dropped lines) and name the work."""
    order = sorted(range(len(expressions)), key=lambda i: (expressions[i].script != "zh-Hans", expressions[i].name))
    ordered = tuple(expressions[i] for i in order)
    ordered_ids = tuple(identities[i] for i in order)
    return Work(iris.work_slug(merged(ordered_ids), ordered[0]), ordered, ordered_ids)


def merged(identities: tuple[Identity, ...]) -> Identity:
    """Merge identities field by field: the first expression that states a value wins."""
    values = {}
    for field in Identity.__dataclass_fields__:
        values[field] = next((getattr(i, field) for i in identities if getattr(i, field) not in (None, ())), getattr(identities[0], field))
    values["status"] = "draft" if any(i.status == "draft" for i in identities) else "final"
    return Identity(**values)
