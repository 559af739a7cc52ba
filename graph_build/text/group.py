"""Stage 5, group: the same work scraped twice becomes one work with two expressions.

Two expressions are one work when they carry the same 文号, or when their
bodies share most of their wording: the Jaccard similarity of their sets of
character 5-grams, taken over the simplified text with punctuation, spaces
and numbers removed, is at least SAME_WORK. Deciding by content catches drafts
and documents without a 文号, copies in the other script, and copies whose
province name a converter corrupted.

Comparing every pair is quadratic, so candidate pairs come from MinHash
locality-sensitive hashing (datasketch, 128 permutations, threshold below
SAME_WORK so that pairs near the bound are still proposed) and from equal
文号; every candidate is then decided by the exact Jaccard similarity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Protocol

import numpy as np
from datasketch import MinHash, MinHashLSH

from graph_build import iris
from graph_build.records import Expression, Identity, Work

SHINGLE = 5
SAME_WORK = 0.6
PERMUTATIONS = 128
SCHEME = "affine32"  # datasketch 2.0's default, named because signatures are rebuilt from cached values
CANDIDATE = 0.45  # LSH threshold: below SAME_WORK, so a pair at 0.6 is proposed with near certainty
_NOT_WORDING = re.compile(r"[^\u4e00-\u9fff]")


@dataclass(frozen=True)
class Fingerprint:
    """What grouping needs of one expression: its 文号, status and wording."""

    doc_number: str | None
    status: str
    wording: str  # the body's CJK characters, from which the shingles are cut again for candidate pairs only
    minhash: tuple[int, ...]


def group(expressions: list[Expression], identities: list[Identity]) -> list[Work]:
    """Group expressions into works, the zh-Hans expression first, in file-name order."""
    prints = [fingerprint(e, i) for e, i in zip(expressions, identities, strict=True)]
    return [make_work([expressions[i] for i in members], [identities[i] for i in members]) for members in clusters(prints)]


def fingerprint(expression: Expression, identity: Identity) -> Fingerprint:
    """Take the fingerprint of one expression (computed once, in the per-file stages of a build)."""
    words = wording(expression)
    return Fingerprint(identity.doc_number_text, identity.status, words, minhash(shingles_of(words)))


class Decisions(Protocol):
    """Where the decisions on candidate pairs are remembered between builds (the build cache, by the two files' keys)."""

    def get(self, i: int, j: int) -> bool | None: ...

    def put(self, i: int, j: int, same: bool) -> None: ...


def clusters(prints: list[Fingerprint], decisions: Decisions | None = None) -> list[list[int]]:
    """Cluster fingerprints into works: indexes in first-member order, members in index order.

    With `decisions`, a candidate pair decided before (same two files) is not compared again: a rebuild after one
    change compares only the pairs that file is in (at 10,000 documents the exact comparisons took 13 s of group's 20 s).
    """
    parents = list(range(len(prints)))
    for i, j in candidate_pairs(prints):
        same = decisions.get(i, j) if decisions is not None else None
        if same is None:
            same = same_work(prints[i], prints[j])
            if decisions is not None:
                decisions.put(i, j, same)
        if same:
            parents[find(parents, i)] = find(parents, j)
    _shingles.cache_clear()  # it serves one clustering; kept, it would hold 4,096 sets to the end of the build
    found: dict[int, list[int]] = {}
    for i in range(len(prints)):
        found.setdefault(find(parents, i), []).append(i)
    return list(found.values())


def candidate_pairs(prints: list[Fingerprint]) -> Iterator[tuple[int, int]]:
    """Propose the pairs (i, j), i > j, that share a 文号 or collide in the MinHash LSH index."""
    lsh = MinHashLSH(threshold=CANDIDATE, num_perm=PERMUTATIONS)
    by_number: dict[str, list[int]] = {}
    for i, p in enumerate(prints):
        if p.doc_number:
            yield from ((i, j) for j in by_number.get(p.doc_number, ()))
            by_number.setdefault(p.doc_number, []).append(i)
        signature = as_minhash(p.minhash)
        yield from sorted((i, j) for j in lsh.query(signature))
        lsh.insert(i, signature, check_duplication=False)


def minhash(shingles: frozenset[str]) -> tuple[int, ...]:
    """Return the MinHash signature of a set of shingles.

    >>> a, b = minhash(frozenset(["甲乙丙丁戊"])), minhash(frozenset(["甲乙丙丁戊"]))
    >>> a == b and len(a) == PERMUTATIONS
    True
    """
    signature = MinHash(num_perm=PERMUTATIONS, permutations=_permutations(), scheme=SCHEME)
    signature.update_batch([s.encode("utf-8") for s in sorted(shingles)])
    return tuple(int(v) for v in signature.hashvalues)


def as_minhash(values: tuple[int, ...]) -> MinHash:
    """Rebuild a datasketch MinHash from its signature."""
    return MinHash(num_perm=PERMUTATIONS, hashvalues=list(values), permutations=_permutations(), scheme=SCHEME)


@cache
def _permutations() -> tuple:
    """Compute datasketch's permutations once per process (seed 1, its default)."""
    return MinHash(num_perm=PERMUTATIONS, seed=1, scheme=SCHEME).permutations


def find(parents: list[int], i: int) -> int:
    """Find the representative of i's cluster (union-find with path halving)."""
    while parents[i] != i:
        parents[i] = parents[parents[i]]
        i = parents[i]
    return i


def shingle_set(expression: Expression) -> frozenset[str]:
    """Return the character 5-grams of an expression's body wording."""
    return shingles_of(wording(expression))


def wording(expression: Expression) -> str:
    """Return the CJK characters of an expression's body, simplified."""
    return _NOT_WORDING.sub("", expression.analysis[expression.clean.body_start : expression.clean.body_end])


def shingles_of(words: str) -> frozenset[str]:
    """Cut a wording into its character 5-grams.

    >>> sorted(shingles_of("高新区发展规划"))
    ['区发展规划', '新区发展规', '高新区发展']
    """
    return frozenset(words[k : k + SHINGLE] for k in range(len(words) - SHINGLE + 1))


def shingle_codes(words: str) -> np.ndarray:
    """Cut a wording into its distinct character 5-grams as sorted 10-byte codes (their UTF-16), the set of
    :func:`shingles_of` in a twelfth of the memory (a frozenset of strings holds ~350 KB for a 3,000-character body).

    >>> len(shingle_codes("高新区发展规划高新区发展")) == len(shingles_of("高新区发展规划高新区发展")) == 7
    True
    """
    units = np.frombuffer(words.encode("utf-16-le"), dtype=np.uint16)  # the wording is CJK of the BMP: one unit a character
    if len(units) < SHINGLE:
        return np.empty(0, dtype=f"V{2 * SHINGLE}")
    windows = np.ascontiguousarray(np.lib.stride_tricks.sliding_window_view(units, SHINGLE))
    return np.unique(windows.view(f"V{2 * SHINGLE}").ravel())


def code_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Return the Jaccard similarity of two sets of shingle codes, as :func:`jaccard` of the sets of strings.

    >>> code_jaccard(shingle_codes("甲乙丙丁戊己"), shingle_codes("乙丙丁戊己庚"))
    0.3333333333333333
    """
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared) if len(a) or len(b) else 0.0


_shingles = lru_cache(maxsize=4096)(shingle_codes)  # candidate pairs share members


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Return the Jaccard similarity of two sets.

    >>> jaccard(frozenset("abc"), frozenset("bcd"))
    0.5
    """
    return len(a & b) / len(a | b) if a or b else 0.0


def same_work(a: Fingerprint, b: Fingerprint) -> bool:
    """Tell whether two expressions realise the same work, by 文号 or by the exact Jaccard similarity of their shingles."""
    if a.doc_number and b.doc_number:
        if a.doc_number == b.doc_number:
            return True
        if a.status == b.status:
            return False
    return code_jaccard(_shingles(a.wording), _shingles(b.wording)) >= SAME_WORK


COMPLETER = 1.1  # a body this many times longer is another mirror's whole text, not the same text with more chrome


def make_work(expressions: list[Expression], identities: list[Identity]) -> Work:
    """Order a cluster's expressions (zh-Hans first, then by name) and name the work.

    The first is the primary expression, the one the facts are read from; a mirror that
    holds only the opening of a document gives way to one of the same script whose body is
    markedly longer (COMPLETER times), the whole text.
    """
    order = sorted(range(len(expressions)), key=lambda i: (expressions[i].script != "zh-Hans", expressions[i].name))

    def body(i: int) -> int:
        return expressions[i].clean.body_end - expressions[i].clean.body_start

    longest = max((i for i in order if expressions[i].script == expressions[order[0]].script), key=body)
    if body(longest) > COMPLETER * body(order[0]):
        order.remove(longest)
        order.insert(0, longest)
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
