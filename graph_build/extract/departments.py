"""Find the departments a measure names: responsible (the (…负责) list) or acting (由省科技厅…).

Responsibility lists come as a trailing bracket ((省科技厅负责), (牵头单位:…;配合单位:…),
(省科技厅牵头,省财政厅配合), (教育部会同有关部门负责), or a bare (市工信委、市财政局)) or
as 由A、B负责. A listed body is the lead (牵头) or a supporting body (配合, 参与, 协同,
the bodies after 会同) when the list says so. A level prefix (自治区, 省, 市) written once
goes to the bare names after it: 自治区科技厅、财政厅 names 自治区财政厅.
See graph_build/mentions.py for the other decisions these rules make.
"""

from __future__ import annotations

import re

from graph_build import reference
from graph_build.extract.scan import paren_groups, scope, split_at
from graph_build.records import DepartmentMention, Segment, Span

# ---- departments ---------------------------------------------------------------

# Role words closing a responsibility list, as in 云南 "…按照职责分工负责",
# 河北 "…按职责分工负责", "(省科技厅负责)", and "(省科技厅牵头,省财政厅配合)".
_ROLE_TAIL = re.compile(r"(?:等)?(?:按照?|根据|依据)?(?:各自)?(?:职责|职能)?(?:分工)?(?:分别|共同)?(?:负责|牵头|配合|参与)?(?:落实|实施)?$")
_DUTY_END = re.compile(r"(?:负责|牵头|配合|参与)(?:落实|实施)?$")
# Labelled lists used by other provinces: "(责任单位:省科技厅、省财政厅)",
# "牵头单位:省科技厅;配合单位:省教育厅".
_DUTY_LABEL = re.compile(r"(?:牵头|责任|配合|参与|协同)(?:单位|部门):")
_ITEM_LABEL = re.compile(r"(?:.*?(?:单位|部门):)?由?")
# Groups rather than bodies: 各高新区管委会, 有关州、市人民政府, 省直有关部门,
# 各市、县政府 (split into 各市 / 县政府), 省级主管部门, …成员单位.
_GENERIC_BODY = re.compile(
    r"^(?:各|有关|相关|所在|其他|其它|省直|省级|省有关|省属|市县|各级|各地|高新区)"
    r"|(?:有关|相关|成员|责任|主管)(?:部门|单位)$"
    r"|^[省市县区州盟旗()、]*(?:人民)?(?:政府|党委|管委会)$"
)
_PROVINCES = "|".join(p.short_name for p in reference.provinces())
# 由科技部、国土资源部、住房城乡建设部负责发布 (a responsibility stated in the running text).
_BY_DUTY = re.compile(r"由(?P<list>[^,;。由()]{2,60}?)(?:共同|联合|分别)?负责")
_SENTENCE_END = re.compile(r"\s*(?:。|$)")
_BODY_SHAPE = re.compile(r"[^\s,;。:()“”《》0-9]{1,16}?(?:厅|局|委|办|部|委员会|办公室|政府|管委会)(?:等)?")
# A level prefix written once for a list (市场监管局 does not start with 市).
_LEVEL_PREFIX = re.compile(r"^(?:自治区|省|市(?!场)|县|区(?!域)|州|盟)")
_BARE_DEPARTMENT = re.compile(r"[^\s、,;()]{2,10}?(?:厅|局|委|办|委员会|办公室)")
_PLACE_START = re.compile(rf"^(?:{_PROVINCES}|国家|国务院|中央|中国|人民银行|各|有关|相关)")
# A provincial body named in running text (甘肃 "由省科技厅会同…,商省财政厅",
# "可直接向省科技厅推荐"; 广西/新疆 "自治区科技厅"); 省级/省内/我省/全省 … are not bodies.
_BODY_CHARS = r"[^\s,;。:、()“”《》的在对向与为将把由从等及并或了是以于按给0-9]"
_ACTOR = re.compile(
    rf"(?<![全本我该外各跨分])(?:(?:{_PROVINCES})(?:省|市|壮族|回族|维吾尔)?)?"
    rf"(?:省委(?!省|政府){_BODY_CHARS}{{1,6}}?(?:部|办公室|办|委员会)"
    rf"|(?:省|自治区)(?!委|级|内|外|直|属|际|域|份|市(?!场)|县|(?:人民)?政府(?!办公厅))"
    rf"{_BODY_CHARS}{{1,11}}?(?:委员会|领导小组办公室|领导小组|办公室|办公厅|(?<!大)厅|(?<![布格结当])局|委(?!托)"
    rf"|(?<![举创主承开兴督])办(?![法理事])))"
)


def _duty_ranges(sub: str) -> list[tuple[int, int]]:
    """Return the bounds of the responsibility lists in a measure."""
    ranges, groups = [], paren_groups(sub)
    for lo, hi in groups:
        stop = sub.find("。", lo, hi)
        first = stop if stop >= 0 else hi
        if _DUTY_END.search(sub, lo, first) or _DUTY_LABEL.match(sub, lo) or _bare_list(sub, lo, hi):
            ranges.append((lo, first))
    for m in _BY_DUTY.finditer(sub):
        if not any(a <= m.start() < b for a, b in groups):
            ranges.append((m.start("list"), m.end()))
    for m in _DUTY_LABEL.finditer(sub):
        if not any(a <= m.start() < b for a, b in groups):
            end = min((i for i in (sub.find(c, m.end()) for c in "。\n)】") if i >= 0), default=len(sub))
            ranges.append((m.start(), end))
    return ranges


def _bare_list(sub: str, lo: int, hi: int) -> bool:
    """Tell whether a bracket closing its sentence lists only bodies: (市工信委、市财政局)."""
    if not _SENTENCE_END.match(sub, hi + 1):
        return False
    items = [sub[a:b] for a, b in split_at(sub, lo, hi, "、,;")]
    return bool(items) and all(_BODY_SHAPE.fullmatch(item) for item in items)


def _duty(sub: str, lo: int, clause: tuple[int, int], item_end: int) -> str | None:
    """Tell whether the item ending at item_end is listed as the lead, a supporting body or neither."""
    tail = _ROLE_TAIL.search(sub, *clause)
    words = tail.group() if tail and re.search("牵头|配合|参与|协同|协助", tail.group()) else ""
    labels = list(_DUTY_LABEL.finditer(sub, lo, item_end))
    words = words or (labels[-1].group() if labels else "")
    if "牵头" in words:
        return "lead"
    return "supporting" if re.search("配合|参与|协同|协助", words) else None


def _clauses(sub: str, lo: int, hi: int) -> list[tuple[int, int, str | None]]:
    """Split a list at , and ; and at 会同 (the bodies before it lead, the ones after support)."""
    result: list[tuple[int, int, str | None]] = []
    for a, b in split_at(sub, lo, hi, ",;"):
        joint = sub.find("会同", a, b)
        result += [(a, joint, "lead"), (joint + 2, b, "supporting")] if joint > a else [(a, b, None)]
    return result


def _prefixed(name: str, prefix: str | None) -> tuple[str, str | None]:
    """Give a bare name the level prefix of the list (财政厅 → 自治区财政厅) and return the prefix to carry on."""
    own = _LEVEL_PREFIX.match(name)
    if own:
        return name, own.group()
    if prefix and _BARE_DEPARTMENT.fullmatch(name) and not _PLACE_START.match(name):
        return prefix + name, prefix
    return name, None if _PLACE_START.match(name) else prefix


def _addressee_or_signature(sub: str, start: int, end: int) -> bool:
    """Tell whether a body stands in the addressee line (漳州市人民政府、省科技厅:) or alone on a line (a signature)."""
    line_start = sub.rfind("\n", 0, start) + 1
    line_end = len(sub) if (stop := sub.find("\n", end)) < 0 else stop
    line = sub[line_start:line_end].strip()
    return line.endswith(":") or line == sub[start:end]


def _body_bounds(sub: str, lo: int, hi: int) -> tuple[int, int] | None:
    """Return the bounds of the body named by one list item, or None for a group."""
    lo = _ITEM_LABEL.match(sub, lo, hi).end()
    tail = _ROLE_TAIL.search(sub, lo, hi)
    hi = tail.start() if tail else hi
    if hi - lo < 2 or _GENERIC_BODY.search(sub[lo:hi]):
        return None
    return lo, hi


def find_departments(text: str, segment: Segment) -> tuple[DepartmentMention, ...]:
    """Find the bodies a measure makes responsible and the bodies it names acting."""
    sub, base = scope(text, segment)
    found: list[DepartmentMention] = []
    duty = _duty_ranges(sub)
    for lo, hi in duty:
        prefix = None
        for ca, cb, joint in _clauses(sub, lo, hi):
            for a, b in split_at(sub, ca, cb, "、 \u3000\xa0"):
                bounds = _body_bounds(sub, a, b)
                if bounds:
                    span = Span.of(text, base + bounds[0], base + bounds[1])
                    name, prefix = _prefixed(span.quote, prefix)
                    role = joint or _duty(sub, lo, (ca, cb), b)
                    found.append(DepartmentMention(span, segment.path, name, "responsible", role))
    for m in _ACTOR.finditer(sub):
        if not any(a <= m.start() < b for a, b in duty) and not _addressee_or_signature(sub, m.start(), m.end()):
            span = Span.of(text, base + m.start(), base + m.end())
            found.append(DepartmentMention(span, segment.path, span.quote, "actor"))
    return tuple(sorted(found, key=lambda d: d.span.start))


