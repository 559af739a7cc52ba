"""Find quantitative targets and numeric provisions (age limits, permit years) in a measure.

See graph_build/mentions.py for the decisions these rules make.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from graph_build.extract.scan import CLAUSE_STOPS, MULTIPLIER, clause_at, scope, to_number
from graph_build.records import Provision, Segment, Span, Target

# ---- targets -------------------------------------------------------------------

_NUM = r"(?P<num>\d+(?:\.\d+)?)(?:(?:-|~|—|至|到)(?P<num2>\d+(?:\.\d+)?))?"
_UNIT = r"(?P<mult>万亿|千万|百万|亿|万|千)?(?P<unit>个百分点|%|倍|家|个|项|所|名|人|件|座|条|元|平方公里|亩)"
_TAIL = r"(?P<tail>以上|以下|以内|左右)?"
# Target phrases, indicator before the verb (河北 "研发投入强度达到全省平均水平的3倍以上",
# "高新技术企业数量占全省比例超过35%", "营业收入年均增长15%以上").
_TARGET = re.compile(
    r"(?P<verb>(?:力争|确保|累计|分别)?(?:达到|达|超过|超|突破|不少于|不低于|不超过|不高于|高于|低于"
    r"|提高到|提升到|提高至|提升至|增加到|增至|增长到|控制在|保持在|(?:年均)?增长|提高|提升))"
    r"(?P<of>[^,;。\d]{0,12}的)?" + _NUM + _UNIT + _TAIL
)
# Counts set by a verb, indicator after the number: 甘肃 "每个主导产业至少建立1家科技企业孵化器",
# "确定2-3个主导产业", 河北 "每家高新区应明确2个以内重点发展的特色主导产业"; without a bound
# or range only where a year is set ("到2025年,…培育12家千亿级企业").
_COUNT = re.compile(
    r"(?P<verb>(?:至少|不少于)?(?:明确|确定|培育|建设|建立|建成|布局|聚焦|突出|打造|形成|选择|发展|新增|引进|认定)"
    r"|至少)" + _NUM + _UNIT + r"(?P<tail>以上|以内|左右)?"
)
# Counts ending a clause after their noun, where a year is set: 四川 "建成国家高新区10个,
# 省级高新区25个", "打造营业收入超万亿元高新区1个、超千亿元高新区15个以上".
_NOUN_COUNT = re.compile(
    r"(?:^|(?<=[,;。、:]))(?:建成|打造|培育|新增|形成|新建|认定|引进|建设|布局|实现|拥有|集聚)?"
    r"(?P<noun>[^,;。、:\d]{2,20}?)" + _NUM + _UNIT + _TAIL + r"(?=[,;。、)]|$)"
)
# Years a target is set for: "到2025年", "至2030年", "2025年前", "2025年底".
_YEAR = re.compile(r"(?:到|至|截至|截止)(20\d\d)年|(20\d\d)年(?:前|底|末)")
# Clauses granting money or stating a condition carry no targets ("最高额度可达300万元",
# "对进入全国排名前40、年度排名提升10位以上的国家高新区").
_NOT_TARGET = re.compile(r"给予|予以|补助|奖励|奖补|资助|补贴|最高|一次性|^对")
_INDICATOR_HEAD = re.compile(r"(?:(?:到|至)20\d\d年(?:底|末)?,?|其中|全省高新区|全省|力争|确保|推动|实现|提升|提高|使|并|同时|不断)+")
_INDICATOR_TAIL = re.compile(r"(?:力争|确保|要|应|均|将|可|能够|分别|累计)+$")
_COUNT_UNITS = {"家", "个", "项", "所", "名", "人", "件", "座", "条"}


def _comparator(verb: str, tail: str | None) -> str:
    """Return the comparator a target verb and its tail word state.

    >>> _comparator("达到", "以上"), _comparator("超过", None), _comparator("明确", "以内"), _comparator("不少于", None)
    ('>=', '>', '<=', '>=')
    """
    pairs = (("不少于 不低于", ">="), ("不超过 不高于 控制在", "<="), ("低于 少于", "<"), ("超过 超 突破 高于 多于", ">"))
    for words, comparator in pairs:
        if any(verb.endswith(w) for w in words.split()):
            return comparator
    if verb.endswith("保持在") or tail == "左右":
        return "="
    return "<=" if tail in ("以内", "以下") else ">="


def _phrase(sub: str, m: re.Match[str]) -> tuple[int, int, str]:
    """Return the bounds of a target phrase and its indicator in words."""
    if "noun" in m.groupdict():
        return m.start("noun"), m.end(), m.group("noun")
    if m.re is _COUNT:
        end = clause_at(sub, m.end())[1]
        return m.start(), end, sub[m.end() : end]
    lo = clause_at(sub, m.start(), CLAUSE_STOPS + "、")[0]
    head = _INDICATOR_HEAD.match(sub, lo, m.start())
    lo = head.end() if head else lo
    words = _INDICATOR_TAIL.sub("", sub[lo : m.start()])
    return lo, m.end(), words + m.group("verb") if m.group("verb").endswith("增长") else words


def _indicator(words: str, unit: str) -> str:
    """Return the indicator named by words, a count made explicit.

    >>> _indicator("国家高新区", "家"), _indicator("国家高新区数量", "家"), _indicator("研发投入强度", "%")
    ('国家高新区数量', '国家高新区数量', '研发投入强度')
    """
    if unit in _COUNT_UNITS and words and not re.search(r"数量?$|比例$|比重$", words):
        return words + "数量"
    return words


def _targets_of(sub: str, m: re.Match[str]) -> Iterator[tuple[int, int, str, str, Decimal]]:
    """Yield (start, end, indicator, comparator, value) for one target phrase."""
    if sub.startswith("的", m.end()) or _NOT_TARGET.search(sub[slice(*clause_at(sub, m.start()))]):
        return
    lo, hi, words = _phrase(sub, m)
    indicator = _indicator(words, m.group("unit"))
    if not indicator:
        return
    scale = MULTIPLIER.get(m.group("mult") or "", 1)
    low, high = Decimal(m.group("num")) * scale, m.group("num2")
    if high:
        yield lo, hi, indicator, ">=", low
        yield lo, hi, indicator, "<=", Decimal(high) * scale
    else:
        yield lo, hi, indicator, _comparator(m.groupdict().get("verb") or "", m.group("tail")), low


def _target_matches(sub: str, years: list[tuple[int, int | None]]) -> list[re.Match[str]]:
    """Return the target phrases of sub, counts without a bound only after a year."""
    found = list(_TARGET.finditer(sub))
    for m in _COUNT.finditer(sub):
        if m.group("num2") or m.group("tail") or "至少" in m.group("verb") or any(y < m.start() for y, _ in years):
            found.append(m)
    for m in _NOUN_COUNT.finditer(sub):
        if any(y < m.start() for y, _ in years) and not any(f.start() < m.end() and m.start() < f.end() for f in found):
            found.append(m)
    return found


def find_targets(text: str, segment: Segment) -> tuple[Target, ...]:
    """Find the quantitative targets a measure sets, each with the year it is set for."""
    sub, base = scope(text, segment)
    years = [(y.start(), int(y.group(1) or y.group(2))) for y in _YEAR.finditer(sub)]
    found = []
    for m in _target_matches(sub, years):
        year = max((y for y in years if y[0] < m.start()), default=(0, None))[1]
        for lo, hi, indicator, comparator, value in _targets_of(sub, m):
            span = Span.of(text, base + lo, base + hi)
            found.append(Target(span, segment.path, indicator, comparator, value, m.group("unit"), year))
    return tuple(sorted(found, key=lambda t: t.span.start))


# ---- provisions ----------------------------------------------------------------

# A small number with a talent or administrative unit (云南 "放宽至65岁", "5年以内",
# 003 "可在3年内", "延长1次"), in Arabic or Chinese numerals; not 2025年, 一次性, 第一次.
_PROVISION_NUM = re.compile(
    r"(?<![\d第.])(?P<num>\d{1,2}|[一二两三四五六七八九十]{1,3})(?P<unit>周岁|岁|个月|年|次)"
    r"(?P<tail>以内|以下|以上|内)?(?![度性级底末前])"
)
# Kinds of provision, keyed by the nouns around the number; the first row whose cue is in
# the clause and whose units include the number's wins. Each row: kind, cue, units, default.
_KINDS = (
    ("age-limit", re.compile(r"年龄|周岁|岁"), ("岁", "周岁"), "<="),
    ("extension-period", re.compile(r"延长期|延期期限|延长期限"), ("年", "个月"), "<="),
    ("extension-count", re.compile(r"延长|延期|续签|续期"), ("次",), "<="),
    ("residence-permit", re.compile(r"居留许可|居留证件?|居留"), ("年",), "<="),
    ("visa", re.compile(r"签证"), ("年",), "<="),
    ("work-permit", re.compile(r"工作许可"), ("年",), "<="),
    ("retention-period", re.compile(r"人事关系|保留[^,;。]{0,4}(?:编制|身份|待遇|职务)"), ("年",), "<="),
    ("off-post-period", re.compile(r"离岗"), ("年",), "<="),
    ("validity-period", re.compile(r"有效期"), ("年", "个月"), "="),
)
_AT_MOST = re.compile(r"(?:不超过|不高于|最长|最多|至多|放宽至|放宽到|延长至|延长到)$")
_AT_LEAST = re.compile(r"(?:不少于|不低于|至少|最少|满)$")


def _provision_comparator(sub: str, m: re.Match[str], default: str) -> str:
    """Return the comparator the words around a provision number state."""
    if m.group("tail") in ("以内", "以下", "内") or _AT_MOST.search(sub, max(0, m.start() - 4), m.start()):
        return "<="
    if m.group("tail") == "以上" or _AT_LEAST.search(sub, max(0, m.start() - 4), m.start()):
        return ">="
    return default


def _provision_kind(sub: str, m: re.Match[str]) -> tuple[str, re.Match[str], str] | None:
    """Return the kind, the cue and the default comparator of the number m, or None."""
    lo, hi = clause_at(sub, m.start())
    for kind, cue_re, units, default in _KINDS:
        cue = cue_re.search(sub, lo, hi)
        if cue and m.group("unit") in units:
            return kind, cue, default
    return None


def find_provisions(text: str, segment: Segment) -> tuple[Provision, ...]:
    """Find the talent and administrative provisions that carry a number."""
    sub, base = scope(text, segment)
    found = []
    for m in _PROVISION_NUM.finditer(sub):
        if found_kind := _provision_kind(sub, m):
            kind, cue, default = found_kind
            span = Span.of(text, base + min(cue.start(), m.start()), base + max(cue.end(), m.end()))
            unit = "岁" if m.group("unit") == "周岁" else m.group("unit")
            comparator = _provision_comparator(sub, m, default)
            found.append(Provision(span, segment.path, kind, comparator, to_number(m.group("num")), unit))
    return tuple(found)

