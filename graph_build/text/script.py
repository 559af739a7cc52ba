"""Stage 3, script: traditional → simplified with OpenCC, keeping every offset.

The analysis text the later stages read has exactly the length of the source
text: full-width ASCII forms are folded one character for one, and OpenCC's
conversion is kept only where it is one character for one. So the map back to
the original offsets is the identity, and :func:`to_simplified` checks it.

OpenCC's hk2s configuration is used rather than t2s: on the seeds and the
development corpus the two differ only where hk2s also folds the Hong Kong
form 衞 (衞生 → 卫生), and neither folds the variant 陜 (陜西) of 陕, which
VARIANTS adds. tw2s is not used: it turns 显著 into 显着.
"""

from __future__ import annotations

import re
from functools import cache

import opencc

from graph_build.records import CleanText, Expression

# Full-width ASCII block (！ to ～) and the ideographic space, folded to ASCII.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Variant characters of scraped government pages that OpenCC leaves as they are.
VARIANTS = str.maketrans({"陜": "陕", "彚": "汇", "㑹": "会"})
# Share of CJK characters OpenCC changes above which a text is traditional script.
TRADITIONAL_SHARE = 0.03


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("hk2s")


def fold(text: str) -> str:
    """Fold full-width ASCII forms to half-width, one character for one.

    >>> fold("（一）对１０家，给予１０％")
    '(一)对10家,给予10%'
    """
    return text.translate(_FOLD)


def to_simplified(text: str) -> str:
    """Convert traditional to simplified script without changing any offset.

    >>> to_simplified("對國家重點實驗室給予1000萬元補助")
    '对国家重点实验室给予1000万元补助'
    >>> to_simplified("陜西省愛國衞生")
    '陕西省爱国卫生'
    """
    converted = _converter().convert(text)
    if len(converted) != len(text):
        converted = "".join(_one_for_one(char) for char in text)
    return converted.translate(VARIANTS)


def _one_for_one(char: str) -> str:
    converted = _converter().convert(char)
    return converted if len(converted) == 1 else char


def detect_script(text: str) -> str:
    """Name the script of a text, "zh-Hant" or "zh-Hans", by how much OpenCC would change.

    >>> detect_script("雲南省人民政府關於促進高新技術產業開發區")
    'zh-Hant'
    >>> detect_script("云南省人民政府关于促进高新技术产业开发区")
    'zh-Hans'
    """
    cjk = _CJK.findall(text)
    if not cjk:
        return "zh-Hans"
    changed = sum(a != b for a, b in zip(cjk, to_simplified("".join(cjk)), strict=False))
    return "zh-Hant" if changed / len(cjk) > TRADITIONAL_SHARE else "zh-Hans"


def analysis_view(text: str) -> str:
    """Return the folded, simplified view of a text, of the same length."""
    view = to_simplified(fold(text))
    assert len(view) == len(text), "the analysis view must keep every offset"
    return view


def script(clean: CleanText) -> Expression:
    """Make the expression of a cleaned text: its script and its analysis text, noise blanked."""
    text = clean.source.text
    view = list(clean.view)
    for line in clean.dropped:
        view[line.span.start : line.span.end] = " " * (line.span.end - line.span.start)
    body = text[clean.body_start : clean.body_end]
    return Expression(clean, "".join(view), detect_script(body))
