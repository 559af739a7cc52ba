"""Shared wording: the two longest passages two normalised texts have in common, for many pairs at once, in compiled code.

difflib's ``SequenceMatcher(None, a, b, autojunk=False).find_longest_match``
returns the longest common substring of two regions, the one starting earliest
in ``a``, then earliest in ``b``. The same answer comes from the textbook
dynamic programme over one row of run lengths, scanning ``a`` then ``b`` and
keeping only a strictly longer run. In Python that costs ~0.2 ms a pair
(difflib builds a dictionary of ``b`` first); the similarity stage of a
10,000-document corpus asks for ~700,000 pairs, so the programme is compiled
(numba) and the pairs are shared out over the cores.

Every block difflib's matching blocks hold inside a region is at most that
region's longest match, so the second longest block is the longest one left or
right of the first: three searches per pair give the ``PASSAGES = 2`` blocks.
"""

from __future__ import annotations

import numba
import numpy as np

PASSAGES = 2  # longest shared passages kept per pair: the search below gives the first and second


@numba.njit(cache=True, nogil=True)
def longest_match(x: np.ndarray, xlo: int, xhi: int, y: np.ndarray, ylo: int, yhi: int, row: np.ndarray) -> tuple[int, int, int]:  # pragma: no cover
    """Find the longest common run of x[xlo:xhi] and y[ylo:yhi] as difflib does: (start in x, start in y, size), earliest first."""
    best, best_x, best_y = 0, xlo, ylo
    for j in range(ylo, yhi + 1):
        row[j] = 0
    for i in range(xlo, xhi):
        diagonal = 0
        for j in range(ylo, yhi):
            above = row[j + 1]
            if x[i] == y[j]:
                run = diagonal + 1
                row[j + 1] = run
                if run > best:
                    best, best_x, best_y = run, i - run + 1, j - run + 1
            else:
                row[j + 1] = 0
            diagonal = above
    return best_x, best_y, best


@numba.njit(cache=True, nogil=True)
def pair_blocks(x: np.ndarray, y: np.ndarray, minimum: int, out: np.ndarray) -> None:  # pragma: no cover
    """Write the two longest blocks of at least `minimum` characters of x and y into out (2×3: start in x, start in y, size), in reading order."""
    row = np.empty(len(y) + 1, dtype=np.int32)
    a, b, size = longest_match(x, 0, len(x), y, 0, len(y), row)
    out[:] = 0
    if size < minimum:
        return
    la, lb, lsize = longest_match(x, 0, a, y, 0, b, row)
    ra, rb, rsize = longest_match(x, a + size, len(x), y, b + size, len(y), row)
    first = 0
    if lsize >= minimum and lsize >= rsize:
        out[0, 0], out[0, 1], out[0, 2] = la, lb, lsize
        first = 1
    out[first, 0], out[first, 1], out[first, 2] = a, b, size
    if first == 0 and rsize >= minimum:
        out[1, 0], out[1, 1], out[1, 2] = ra, rb, rsize


@numba.njit(cache=True, parallel=True)
def all_blocks(codes: np.ndarray, offsets: np.ndarray, pairs: np.ndarray, minimum: int) -> np.ndarray:  # pragma: no cover
    """Find the blocks of every pair of texts (texts[k] is codes[offsets[k]:offsets[k + 1]]); size 0 marks no block."""
    out = np.zeros((len(pairs), PASSAGES, 3), dtype=np.int32)
    for p in numba.prange(len(pairs)):
        u, v = pairs[p, 0], pairs[p, 1]
        pair_blocks(codes[offsets[u] : offsets[u + 1]], codes[offsets[v] : offsets[v + 1]], minimum, out[p])
    return out


def encode(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return the texts' code points end to end, and where each text starts (one more offset than texts).

    >>> encode(["甲乙", "", "丙"])
    (array([30002, 20057, 19993], dtype=uint32), array([0, 2, 2, 3]))
    """
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    return codes, np.concatenate([[0], np.cumsum([len(t) for t in texts], dtype=np.int64)])


def shared_blocks(texts: list[str], pairs: np.ndarray, minimum: int) -> np.ndarray:
    """Find, for each pair (u, v) of texts, its `PASSAGES` longest blocks of at least `minimum` characters (a, b, size; size 0 for none).

    >>> shared_blocks(["甲乙丙丁戊己庚辛寅卯辰", "子丑甲乙丙丁戊己庚辛子寅卯辰"], np.array([[0, 1]]), 2).tolist()
    [[[0, 2, 8], [8, 11, 3]]]
    """
    codes, offsets = encode(texts)
    return all_blocks(codes, offsets, np.asarray(pairs, dtype=np.int64).reshape(-1, 2), minimum)
