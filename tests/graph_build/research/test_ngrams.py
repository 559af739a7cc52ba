"""Character n-gram TF-IDF in numpy gives scikit-learn's vectors, up to column order."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

# fmt: off
from graph_build.research import ngrams, similarity

# fmt: off
TEXTS = [
    "支持高新区以揭榜挂帅等方式组织开展关键核心技术攻关",
    "支持#高新区以揭榜制等方式组织开展关键技术攻关和成果转化应用",
    "申请工作许可的年龄可放宽至0岁",
    "高新区",  # shorter than a 4-gram
    "区",  # no n-gram at all
    "",
    "支持高新区以揭榜挂帅等方式组织开展关键核心技术攻关",  # a repeat
    "A0B0高新高新高新",  # repeated n-grams: sublinear tf
]
# fmt: on


@pytest.mark.parametrize("sizes", [(2, 4), (1, 3)])
def test_cosines_equal_scikit_learn(sizes: tuple[int, int]) -> None:
    ours = ngrams.tfidf(TEXTS, sizes)
    theirs = TfidfVectorizer(analyzer="char", ngram_range=sizes, lowercase=False, sublinear_tf=True).fit_transform(TEXTS)
    assert np.allclose((ours @ ours.T).toarray(), (theirs @ theirs.T).toarray(), atol=1e-6)
    assert ours.nnz == theirs.nnz


def test_seed_measures_equal_scikit_learn(works) -> None:  # type: ignore[no-untyped-def]
    texts = [m.text for m in similarity.measure_texts(works)]
    ours = ngrams.tfidf(texts, similarity.NGRAMS)
    theirs = TfidfVectorizer(analyzer="char", ngram_range=similarity.NGRAMS, lowercase=False, sublinear_tf=True).fit_transform(texts)
    assert np.allclose((ours @ ours.T).toarray(), (theirs @ theirs.T).toarray(), atol=1e-5)
