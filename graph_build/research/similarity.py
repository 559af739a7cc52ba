"""Diffusion: link the measures of different works that say the same thing, with a score and the wording they share.

The method, deterministic for a given set of inputs:

1. **Normalise** each measure: its words (``instruments.measure_body``: without
   the printed number and the closing list of responsible departments) in the
   analysis text (simplified, full-width folded); province names and the
   zones the extractor found become ``#``, every run of digits ``0``; only
   letters, digits and ``#`` are kept (punctuation and white space go). Each
   kept character remembers its source offsets, so shared wording found in the
   normalised text is cut back out of the source text as a span.
2. **Collapse** identical normalised texts (recombined or copied measures often
   are): the work is done once per distinct text, two measures saying the same
   text score 1.0.
3. **Vectors**: TF-IDF of character 2- to 4-grams (sublinear term frequency,
   smoothed idf, unit length: scikit-learn's ``TfidfVectorizer``, computed in
   numpy by ``ngrams.tfidf``). Chinese has no spaces, and character n-grams are
   the usual unit of Chinese text-reuse and policy-similarity work; 2-grams catch
   the terms that carry a measure (揭榜, 攻关), 3- and 4-grams reused phrasing. The
   idf comes from all distinct texts, so boilerplate (支持高新区) weighs little.
4. **Score**: the cosine of two vectors, linked at ``THRESHOLD`` or more; chosen by
   reading every seed pair around it (README, "Research features").
5. **Nearest measures**: each measure keeps its ``K`` nearest measures of other
   works whose score reaches the threshold (ties to the smaller (work, path) key);
   the links are the union, so a cluster of 2,000 identical measures gives at most
   2,000·K links, not 2 million pairs.
6. **Candidates, not all pairs**: only n-grams found in at most ``DF_CAP`` distinct
   texts index a text (rarer wording says more; frequent n-grams still count in the
   exact score); per text, the ``CANDIDATES`` texts with the largest dot product on
   those rare n-grams (sparse products in row chunks) are scored exactly. The cost
   per text is bounded by its n-grams times DF_CAP, so the stage grows linearly. When
   no n-gram is more frequent than DF_CAP and no text has more than CANDIDATES
   partners above the threshold (the seeds), the result is exactly brute force's
   top-K; beyond, weak topical links are the ones given up.
7. **Shared wording**: ``difflib.SequenceMatcher`` (no junk heuristic) on the two
   normalised texts; its ``PASSAGES`` longest matching blocks of at least
   ``SHARED_MIN`` characters become pairs of spans, one in each source text.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from pyoxigraph import Literal, NamedNode
from scipy import sparse

from graph_build import iris, reference
from graph_build.build.cache import key as cache_key
from graph_build.records import AnnotatedWork, BuildRun, SharedWording, SimilarityLink, Span
from graph_build.research import ngrams, wording
from graph_build.research.instruments import measure_body
from graph_build.text.segment import leaves
from graph_build.vocab import RDF_TYPE, gx, oa, prov, xsd

THRESHOLD = 0.1
NGRAMS = (2, 4)
SHARED_MIN = 6  # normalised characters
CHUNK = 2000  # pairs scored at a time
CANDIDATE_ROWS = 500  # rows whose candidates are found at a time: each row's product holds up to ~DF_CAP entries per rare n-gram
K = 5  # nearest measures of other works each measure keeps
DF_CAP = 200  # n-grams in more distinct texts than this make no candidates (they still count in the score)
CANDIDATES = 20  # candidate partners scored exactly per distinct text
PASSAGES = wording.PASSAGES  # longest shared passages kept per link
PLACE, DIGITS = "#", "0"
METHOD = gx.CharNgramTfidfCosine


@dataclass(frozen=True)
class MeasureText:
    """One measure's normalised text, with the source offsets each of its characters stands for."""

    key: tuple[str, str]  # (work slug, measure path)
    script: str
    source: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def place_names() -> list[str]:
    """List the province names to mask, longest first so 云南省 wins over 云南."""
    names = {n for p in reference.provinces() for n in (p.name, p.short_name)}
    return sorted(names, key=lambda n: (-len(n), n))


def masked_ranges(view: str, start: int, end: int, zones: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Find the places (provinces, zones) and digit runs in view[start:end], as absolute offsets."""
    pattern = "|".join(re.escape(n) for n in place_names())
    found = [(start + m.start(), start + m.end()) for m in re.finditer(pattern, view[start:end])]
    found += [(s, e) for s, e in zones if start <= s and e <= end]
    found += [(start + m.start(), start + m.end()) for m in re.finditer(r"\d+", view[start:end])]
    return sorted(found)


def normalise(view: str, start: int, end: int, masks: list[tuple[int, int]]) -> tuple[str, list[int], list[int]]:
    """Normalise view[start:end]: masks become one placeholder, only letters and digits stay; keep each character's offsets.

    >>> normalise("在云南省内,给予100万元。", 0, 14, [(1, 4), (8, 11)])
    ('在#内给予0万元', [0, 1, 4, 6, 7, 8, 11, 12], [1, 4, 5, 7, 8, 11, 12, 13])
    """
    chars, starts, ends = [], [], []
    mask_at = {s: e for s, e in masks}
    i = start
    while i < end:
        if i in mask_at:
            chars.append(DIGITS if view[i].isdigit() else PLACE)
            starts.append(i)
            ends.append(mask_at[i])
            i = mask_at[i]
            continue
        if view[i].isalnum():
            chars.append(view[i])
            starts.append(i)
            ends.append(i + 1)
        i += 1
    return "".join(chars), starts, ends


def measure_texts(works: list[AnnotatedWork]) -> list[MeasureText]:
    """Normalise every measure of every work, in work and reading order."""
    return [measure for annotated in works for measure in work_measure_texts(annotated)]


def work_measure_texts(annotated: AnnotatedWork) -> list[MeasureText]:
    """Normalise every measure of one work, in reading order."""
    expression = annotated.work.primary
    view = expression.analysis
    zones = [(z.span.start, z.span.end) for z in annotated.extraction.zones]
    result = []
    for measure in leaves(annotated.segments):
        start, end = measure_body(view, measure)
        text, starts, ends = normalise(view, start, end, drop_overlaps(masked_ranges(view, start, end, zones)))
        result.append(MeasureText((annotated.work.slug, measure.path), expression.script, expression.text, text, tuple(starts), tuple(ends)))
    return result


def drop_overlaps(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep the first of overlapping ranges (sorted by start), so a zone name inside a province name is masked once.

    >>> drop_overlaps([(0, 4), (2, 6), (6, 8)])
    [(0, 4), (6, 8)]
    """
    kept: list[tuple[int, int]] = []
    for s, e in ranges:
        if not kept or s >= kept[-1][1]:
            kept.append((s, e))
    return kept


# ---- scoring ----------------------------------------------------------------------


def vectors(texts: list[str]) -> sparse.csr_matrix:
    """Turn normalised texts into unit TF-IDF vectors of character n-grams."""
    return ngrams.tfidf(texts, NGRAMS)


def candidate_pairs(matrix: sparse.csr_matrix, works: np.ndarray, threshold: float, df_cap: int = DF_CAP, per_row: int = CANDIDATES) -> np.ndarray:
    """Return the sorted pairs (i < j, not both of one work) to score: each row's best partners by their shared rare n-grams.

    ``works`` gives each row's work, or -1 for a text that stands in several works.
    """
    postings = rare_entries(matrix, df_cap).T.tocsr()  # per n-gram, the texts it indexes
    found = []
    for first in range(0, matrix.shape[0], CANDIDATE_ROWS):
        product = (matrix[first : first + CANDIDATE_ROWS] @ postings).tocsr()  # frequent n-grams meet empty postings: no term
        product.sort_indices()
        product = product.tocoo()
        rows, cols, values = product.row + first, product.col, product.data
        keep = (rows != cols) & ((works[rows] != works[cols]) | (works[rows] < 0))
        rows, cols = best_per_row(rows[keep], cols[keep], values[keep], per_row)
        found.append(np.stack([np.minimum(rows, cols), np.maximum(rows, cols)], axis=1))
    pairs = np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64)
    return np.unique(pairs, axis=0) if len(pairs) else pairs


def rare_entries(matrix: sparse.csr_matrix, df_cap: int) -> sparse.csr_matrix:
    """Keep the entries of the n-grams found in at most `df_cap` texts, columns unchanged (no column-sliced copy of the matrix).

    Only the kept entries' positions are listed: a running count over every entry (int64) took 1 GB for a moment at
    10,000 documents, the stage's peak.

    >>> rare_entries(sparse.csr_matrix(np.array([[1, 2, 0], [0, 3, 4], [5, 6, 0]], dtype=np.float32)), 2).toarray()
    array([[1., 0., 0.],
           [0., 0., 4.],
           [5., 0., 0.]], dtype=float32)
    """
    rare = document_frequencies(matrix) <= df_cap
    kept = np.flatnonzero(rare[matrix.indices])  # few: 1.3 of 60 million entries at 10,000 documents
    kept_before = np.searchsorted(kept, matrix.indptr)  # per row start, the kept entries before it: the new row starts
    return sparse.csr_matrix((matrix.data[kept], matrix.indices[kept], kept_before), shape=matrix.shape)


def document_frequencies(matrix: sparse.csr_matrix, step: int = 1 << 22) -> np.ndarray:
    """Count the rows each column has an entry in, a slice of entries at a time (bincount widens its input to int64).

    >>> document_frequencies(sparse.csr_matrix(np.array([[1, 2, 0], [0, 3, 4]])), step=2)
    array([1, 2, 1])
    """
    counts = np.zeros(matrix.shape[1], dtype=np.int64)
    for first in range(0, matrix.nnz, step):
        counts += np.bincount(matrix.indices[first : first + step], minlength=matrix.shape[1])
    return counts


def best_per_row(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep each row's `count` highest values, ties to the lower column (rows ascending, and columns within a row).

    >>> best_per_row(np.array([0, 0, 0, 1]), np.array([1, 2, 3, 0]), np.array([0.5, 0.9, 0.5, 0.1]), 2)
    (array([0, 0, 1]), array([2, 1, 0]))
    """
    order = np.argsort(rows + (1 - np.clip(values, 0, 1)) * 0.5, kind="stable")  # one float key: row, then value downwards
    rows, cols = rows[order], cols[order]
    rank = ranks(rows)
    return rows[rank < count], cols[rank < count]


def ranks(groups: np.ndarray) -> np.ndarray:
    """Number each entry within its run of equal group numbers (each group's entries stand together), from 0.

    >>> ranks(np.array([3, 3, 3, 5, 7, 7]))
    array([0, 1, 2, 0, 0, 1])
    """
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]]) if len(groups) else np.empty(0, dtype=np.int64)
    return np.arange(len(groups)) - np.repeat(starts, np.diff(np.r_[starts, len(groups)]))


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Repeat each index as many times as its count, with the position of each repeat: the rows of a ragged array.

    >>> expand(np.array([2, 0, 3]))
    (array([0, 0, 2, 2, 2]), array([0, 1, 0, 1, 2]))
    """
    rows = np.repeat(np.arange(len(counts)), counts)
    return rows, np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)


def scores(matrix: sparse.csr_matrix, pairs: np.ndarray) -> np.ndarray:
    """Compute the exact cosine of each pair of rows."""
    if not len(pairs):
        return np.empty(0)
    return np.concatenate(
        [np.asarray(matrix[pairs[k : k + CHUNK, 0]].multiply(matrix[pairs[k : k + CHUNK, 1]]).sum(axis=1)).ravel() for k in range(0, len(pairs), CHUNK)]
    )


@dataclass(frozen=True)
class Corpus:
    """The distinct normalised texts of the measures, and which measures (in key order) say each."""

    texts: list[str]
    members: list[list[int]]  # measure numbers per text, in key order
    works: np.ndarray  # per text: its work number, or -1 when it stands in several works

    def member_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the members as one array and where each text's run of it starts (one more start than texts)."""
        sizes = np.array([len(m) for m in self.members], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        return np.fromiter(itertools.chain.from_iterable(self.members), dtype=np.int64, count=int(starts[-1])), starts


def corpus(texts: list[str], works: list[int]) -> Corpus:
    """Collapse identical texts; `texts` and `works` are per measure, already in key order."""
    number: dict[str, int] = {}
    members: list[list[int]] = []
    for i, text in enumerate(texts):
        k = number.setdefault(text, len(number))
        if k == len(members):
            members.append([])
        members[k].append(i)
    sole = np.array([works[m[0]] if len({works[i] for i in m}) == 1 else -1 for m in members], dtype=np.int64)
    return Corpus(list(number), members, sole)


@dataclass(frozen=True)
class Near:
    """The pairs of distinct texts at or above the threshold, both ways round, and every text several measures say with itself at 1.0.

    Held as arrays, not lists of tuples: a 10,000-document corpus has millions of them.
    """

    texts: np.ndarray
    others: np.ndarray
    values: np.ndarray  # float64: the cosines as the scores give them


def neighbours(collapsed: Corpus, threshold: float) -> Near:
    """Find, per distinct text, the texts it reaches the threshold with (itself at 1.0 when several measures say it)."""
    matrix = vectors(collapsed.texts)
    pairs = candidate_pairs(matrix, collapsed.works, threshold)
    values = scores(matrix, pairs).astype(np.float64)
    del matrix
    keep = values >= threshold
    left, right, values = pairs[keep, 0], pairs[keep, 1], values[keep]
    several = np.flatnonzero(np.array([len(m) > 1 for m in collapsed.members], dtype=bool))
    return Near(np.concatenate([several, left, right]), np.concatenate([several, right, left]), np.concatenate([np.ones(len(several)), values, values]))


def nearest(texts: list[str], works: list[int], threshold: float = THRESHOLD, k: int = K) -> dict[tuple[int, int], float]:
    """Link each measure to its k nearest measures of other works above the threshold (ties to the lower number); return the union."""
    pairs, values = nearest_pairs(texts, works, threshold, k)
    return dict(zip(map(tuple, pairs.tolist()), values.tolist(), strict=True))


def nearest_pairs(texts: list[str], works: list[int], threshold: float = THRESHOLD, k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """Do what :func:`nearest` does, as arrays: the sorted pairs (i < j) and their scores."""
    collapsed = corpus(texts, works)
    return top_k(collapsed, neighbours(collapsed, threshold), works, k)


TOP_K_TEXTS = 20_000  # texts whose measures are ranked at a time, so the ragged arrays stay small


def top_k(collapsed: Corpus, near: Near, works: list[int], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep, per measure, its k nearest measures of other works among the near texts' measures; return the union as sorted pairs and scores.

    Per text, its near texts' measures (the first `length` of each) are ranked by score, then measure number, and the
    first `length` kept; each of its measures then takes the first k of those in other works than its own.
    """
    work_of = np.asarray(works, dtype=np.int64)
    length = k + max_per_work(works)
    members, starts = collapsed.member_arrays()
    edge, offset = expand(np.minimum(np.diff(starts)[near.others], length))
    text, value, measure = near.texts[edge], near.values[edge], members[starts[near.others[edge]] + offset]
    order = np.lexsort((measure, -value, text))
    text, value, measure = text[order], value[order], measure[order]
    kept = ranks(text) < length
    text, value, measure = text[kept], value[kept], measure[kept]
    ranked_from = np.searchsorted(text, np.arange(len(collapsed.members) + 1))  # text u's ranked measures: ranked_from[u]:ranked_from[u + 1]
    found_pairs, found_values = [], []
    for first in range(0, len(collapsed.members), TOP_K_TEXTS):
        last = min(first + TOP_K_TEXTS, len(collapsed.members))
        own = members[starts[first] : starts[last]]  # the measures of these texts
        own_text = np.repeat(np.arange(first, last), np.diff(starts[first : last + 1]))
        row, at = expand(ranked_from[own_text + 1] - ranked_from[own_text])
        mine, other, score_ = own[row], measure[ranked_from[own_text[row]] + at], value[ranked_from[own_text[row]] + at]
        keep = work_of[other] != work_of[mine]
        mine, other, score_ = mine[keep], other[keep], score_[keep]
        keep = ranks(mine) < k
        found_pairs.append(np.stack([np.minimum(mine[keep], other[keep]), np.maximum(mine[keep], other[keep])], axis=1))
        found_values.append(score_[keep])
    pairs = np.concatenate(found_pairs) if found_pairs else np.empty((0, 2), dtype=np.int64)
    values = np.concatenate(found_values) if found_values else np.empty(0)
    pairs, first_seen = np.unique(pairs, axis=0, return_index=True)
    return pairs.reshape(-1, 2), values[first_seen]


def max_per_work(works: list[int]) -> int:
    """Return the most measures one work has, so a ranked list long enough for any of them is kept."""
    return int(np.bincount(works).max()) if works else 0


@dataclass(frozen=True)
class Links:
    """The similarity links of a corpus, held as arrays so hundreds of thousands of them stay small (measure numbers in key order).

    The shared wording is held as offsets into the works' source texts: the measures' normalised texts and their
    per-character offsets (most of the stage's memory) are dropped once the spans are cut.
    """

    keys: list[tuple[str, str]]  # per measure number: (work slug, measure path), in key order
    pairs: np.ndarray  # (links, 2): left and right measure numbers, left < right, sorted
    scores: np.ndarray  # per link: its cosine
    spans: np.ndarray  # (links, PASSAGES, 4): start and end in the left source text, then in the right one (end 0: no passage), in reading order
    sources: Mapping[str, str]  # per work slug: the source text the spans cut

    def records(self) -> Iterator[SimilarityLink]:
        """Yield every link as a record, in (left, right) order."""
        for first in range(0, len(self.pairs), CHUNK):
            chunk = slice(first, first + CHUNK)
            for (i, j), value, spans in zip(self.pairs[chunk].tolist(), self.scores[chunk].tolist(), self.spans[chunk].tolist(), strict=True):
                yield self.link(i, j, value, spans)

    def record(self, number: int) -> SimilarityLink:
        """Return one link as a record (the loader asks for those it writes)."""
        (i, j), value, spans = self.pairs[number].tolist(), float(self.scores[number]), self.spans[number].tolist()
        return self.link(i, j, value, spans)

    def link(self, i: int, j: int, value: float, spans: list[list[int]]) -> SimilarityLink:
        """Make the record of the link of measures i and j, its shared passages cut out of the two source texts."""
        left, right = self.keys[i], self.keys[j]
        left_text, right_text = self.sources[left[0]], self.sources[right[0]]
        shared = tuple(SharedWording(Span.of(left_text, a, b), Span.of(right_text, c, d)) for a, b, c, d in spans if b)
        return SimilarityLink(left, right, score(value), shared)


def source_spans(measures: list[MeasureText], pairs: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    """Turn each link's blocks of shared normalised text (start in left, start in right, size) into spans of the two source texts."""
    spans = np.zeros((len(pairs), PASSAGES, 4), dtype=np.int64)
    for first in range(0, len(pairs), CHUNK):
        for n, ((i, j), passages) in enumerate(zip(pairs[first : first + CHUNK].tolist(), blocks[first : first + CHUNK].tolist(), strict=True), start=first):
            for p, (a, b, size) in enumerate(passages):
                if size:
                    left, right = measures[i], measures[j]
                    spans[n, p] = (left.starts[a], left.ends[a + size - 1], right.starts[b], right.ends[b + size - 1])
    return spans


def score(value: float) -> Decimal:
    """Round a cosine to the three decimals the graph states.

    >>> score(0.123456)
    Decimal('0.123')
    """
    return Decimal(str(round(value, 3)))


def longest_blocks(a: str, b: str) -> list[tuple[int, int, int]]:
    """Find the `PASSAGES` longest blocks difflib's matching blocks would give (at least `SHARED_MIN` long), in reading order.

    >>> longest_blocks("甲乙丙丁戊己庚辛壬癸子丑", "子丑甲乙丙丁戊己庚辛")
    [(0, 2, 8)]
    """
    return [(x, y, size) for x, y, size in wording.shared_blocks([a, b], np.array([[0, 1]]), SHARED_MIN)[0].tolist() if size]


def diffuse(works: list[AnnotatedWork], threshold: float = THRESHOLD, k: int = K) -> list[SimilarityLink]:
    """Link each measure to its k nearest measures of other works at or above the threshold, in a fixed order."""
    return diffuse_texts(measure_texts(works), threshold, k)


def diffuse_texts(texts: Iterable[MeasureText], threshold: float = THRESHOLD, k: int = K) -> list[SimilarityLink]:
    """Link the normalised measures as :func:`diffuse` does, from their texts alone (what the build's workers hand back)."""
    return list(similarity_links(texts, threshold, k).records())


def similarity_links(texts: Iterable[MeasureText], threshold: float = THRESHOLD, k: int = K) -> Links:
    """Link the normalised measures as :func:`diffuse_texts` does, and hold the links as arrays."""
    measures = linked_measures(texts)
    return links_of(measures, *found_links(measures, threshold, k))


def found_links(measures: list[MeasureText], threshold: float = THRESHOLD, k: int = K) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Find the links of measures in key order: pairs, scores, and shared blocks in the normalised texts (a function of
    the keys and normalised texts alone: `links_key`; what the build cache keeps)."""
    slugs = {slug: number for number, slug in enumerate(sorted({m.key[0] for m in measures}))}
    normalised = [m.text for m in measures]
    pairs, values = nearest_pairs(normalised, [slugs[m.key[0]] for m in measures], threshold, k)
    return pairs, values, wording.shared_blocks(normalised, pairs, SHARED_MIN)


def links_of(measures: list[MeasureText], pairs: np.ndarray, values: np.ndarray, blocks: np.ndarray) -> Links:
    """Hold found links with their shared blocks cut into spans of the source texts (the measures' offsets are then not needed)."""
    return Links([m.key for m in measures], pairs, values, source_spans(measures, pairs, blocks), {m.key[0]: m.source for m in measures})


def linked_measures(texts: Iterable[MeasureText]) -> list[MeasureText]:
    """Return the measures the links number: those with a normalised text, in key order."""
    return sorted((m for m in texts if m.text), key=lambda m: m.key)


def links_key(measures: list[MeasureText], builder: str, threshold: float = THRESHOLD, k: int = K) -> str:
    """Digest what the links of these measures (in key order) are a function of: their keys and normalised texts, the parameters, the builder.

    Vectors, candidates, scores, the top k and the shared blocks read the keys and the normalised texts only;
    the offsets and source texts come in when the blocks are cut into spans (`links_of`), after the links are found.
    """
    parts = (f"{m.key[0]}\0{m.key[1]}\0{m.text}" for m in measures)
    return cache_key(builder, repr((threshold, k, NGRAMS, SHARED_MIN, DF_CAP, CANDIDATES, PASSAGES)), *parts)


# ---- RDF ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkBlock:
    """One link for the loader: its IRI, a digest of everything its N-Quads say but the build run, and a way to write them.

    Lines are formatted here, not built as pyoxigraph quads: a 10,000-document corpus has ~557,000 links, ~18.6
    million quads, gigabytes as objects. Every term is still written by pyoxigraph (``str`` of a term is its
    N-Triples form). The link's record (its spans cut from the source texts) is made only when its N-Quads are
    asked for, so a rebuild that keeps most links makes few.
    """

    iri: str
    digest: str
    links: Links
    number: int  # the link's row in `links`
    sources: Mapping[str, tuple[str, str]]
    run_term: str

    @property
    def item(self) -> SimilarityLink:
        return self.links.record(self.number)

    def nquads(self) -> str:
        return link_nquads(self.item, self.sources, self.run_term)


def similarity_blocks(links: Links, sources: Mapping[str, tuple[str, str]], run: BuildRun) -> Iterator[LinkBlock]:
    """Yield each link for the loader, in link order; its N-Quads are written only when asked for (a rebuild skips unchanged links)."""
    run_term = str(NamedNode(run.iri))
    works = work_fingerprints(sources)
    for number, ((i, j), value, spans) in enumerate(zip(links.pairs.tolist(), links.scores.tolist(), links.spans.tolist(), strict=True)):
        left, right = links.keys[i], links.keys[j]
        digest = link_digest(works[left[0]], works[right[0]], (left, right, str(score(value)), spans))
        yield LinkBlock(iris.similarity_link(left, right), digest, links, number, sources, run_term)


def work_fingerprints(sources: Mapping[str, tuple[str, str]]) -> dict[str, bytes]:
    """Digest, per work, what a link's N-Quads read of it: its script and its source text (digested once for all its links)."""
    return {slug: hashlib.blake2b(f"{script}\0{source}".encode(), digest_size=16).digest() for slug, (script, source) in sources.items()}


def link_digest(left: bytes, right: bytes, link: tuple[object, ...]) -> str:
    """Digest one link from its two works' fingerprints and (its measures' keys, its score as written, its spans in the source texts).

    That is everything its N-Quads say but the build run: the IRIs come from the keys, the quotes are cut out of the
    sources at the spans, the expressions come from the slugs and the script.
    """
    return hashlib.blake2b(left + right + repr(link).encode("utf-8"), digest_size=10).hexdigest()


def link_nquads(item: SimilarityLink, sources: Mapping[str, tuple[str, str]], run_term: str) -> str:
    """Write one link, its shared passages and their evidence as N-Quads lines."""
    node = str(NamedNode(iris.similarity_link(item.left, item.right)))
    lines = [(node, predicate, obj) for predicate, obj in link_terms(item, run_term)]
    for k, shared in enumerate(item.shared, start=1):
        passage = f"{node[:-1]}/shared/{k}>"
        lines += [(node, NT["sharedWording"], passage), (passage, NT["type"], NT["SharedWording"]), (passage, NT["position"], integer(k))]
        for side, key, span in (("left", item.left, shared.left), ("right", item.right, shared.right)):
            lines += span_terms(passage, f"{passage[:-1]}/{side}>", key[0], sources[key[0]][0], span)
    return "".join(f"{s} {p} {o} {NT['graph']} .\n" for s, p, o in lines)


def link_terms(item: SimilarityLink, run_term: str) -> list[tuple[str, str]]:
    """List what a link says about itself, as N-Triples terms."""
    return [
        (NT["type"], NT["SimilarityLink"]),
        (NT["type"], NT["Annotation"]),
        (NT["motivatedBy"], NT["linking"]),
        (NT["hasTarget"], str(NamedNode(iris.part(*item.left)))),
        (NT["hasTarget"], str(NamedNode(iris.part(*item.right)))),
        (NT["similarityScore"], str(Literal(str(item.score), datatype=xsd.decimal))),
        (NT["similarityMethod"], str(METHOD)),
        (NT["wasGeneratedBy"], run_term),
    ]


def span_terms(subject: str, node: str, slug: str, script: str, span: Span) -> list[tuple[str, str, str]]:
    """Describe one span of shared wording as evidence, the way to_rdf describes every span, as N-Triples terms."""
    position, quote = f"{node[:-1]}/position>", f"{node[:-1]}/quote>"
    return [
        (subject, NT["evidence"], node),
        (node, NT["type"], NT["SpecificResource"]),
        (node, NT["hasSource"], str(NamedNode(iris.expression(slug, script)))),
        (node, NT["hasSelector"], position),
        (position, NT["type"], NT["TextPositionSelector"]),
        (node, NT["hasSelector"], quote),
        (quote, NT["type"], NT["TextQuoteSelector"]),
        (position, NT["start"], integer(span.start)),
        (position, NT["end"], integer(span.end)),
        (quote, NT["exact"], str(Literal(span.quote))),
    ]


def integer(value: int) -> str:
    """Write an xsd:integer literal in N-Triples.

    >>> integer(12)
    '"12"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    return str(Literal(str(value), datatype=xsd.integer))


NT = {
    "graph": str(NamedNode(iris.SIMILARITY_GRAPH)),
    "type": str(RDF_TYPE),
    **{name: str(gx[name]) for name in ("SimilarityLink", "SharedWording", "sharedWording", "position", "similarityScore", "similarityMethod", "evidence")},
    **{name: str(oa[name]) for name in ("Annotation", "motivatedBy", "linking", "hasTarget", "SpecificResource", "hasSource", "hasSelector")},
    **{name: str(oa[name]) for name in ("TextPositionSelector", "TextQuoteSelector", "start", "end", "exact")},
    "wasGeneratedBy": str(prov.wasGeneratedBy),
}
