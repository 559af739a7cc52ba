"""Find the zone approvals of a reply (批复): a zone established, upgraded, renamed or expanded.

A 批复 grants a request in fixed words: 同意(将)A升级为国家高新技术产业开发区,定名为B
(upgrade), 同意将A更名为B (renaming), 同意(在…)设立/建设/筹建B (establishment), 同意A扩区
/调整区位 (expansion). The approving body and the date are the document's own (its issuer
and signature date); the finder records the action, the zone under its new name, its
former name and the level the words give (国家, 省级, 自治区级).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graph_build.extract.scan import scope
from graph_build.extract.zones import ZONE_TYPES, zone_name
from graph_build.records import Segment, Span, ZoneApproval

# Words that name a zone of any kind, the place included: "福建南靖高新技术产业园区", "黑龙江建三江国家农业科技园区".
_KINDS = "|".join((*ZONE_TYPES, "经济技术开发区", "经济开发区", "工业园区", "科技园区", "科技园", "产业园区", "开发区"))
_ZONE = rf"[\u4e00-\u9fff()]{{2,24}}?(?:{_KINDS})"
# 同意(将)A升级为/建设为/更名为/调整为 B(,定名为 C)
_CHANGED = re.compile(
    rf"同意(?:将)?(?P<old>{_ZONE})(?P<verb>升级|建设|更名|调整)为(?P<target>[^,;。]{{0,30}}?(?:{_KINDS}))"
    rf"(?:,?(?:定名|命名)为(?P<new>{_ZONE}))?"
)
# 同意(在吴江市盛泽镇)设立/建设/筹建 B
_ESTABLISHED = re.compile(rf"同意(?:在[^,;。]{{1,20}}?)?(?:设立|建设|建立|筹建)(?P<new>{_ZONE})(?!(?:升级|建设|更名|调整)为)")
# 同意 A 扩区 / 调区扩区 / 调整区位 / 扩大范围
_EXPANDED = re.compile(rf"同意(?:将)?(?P<new>{_ZONE})(?:调区扩区|扩区|调区|调整区位|扩大(?:规划)?(?:面积|范围))")
# A further zone of the same approval: "、武功高新技术产业开发区", "和礼泉高新技术产业开发区".
_MORE = re.compile(rf"(?:\([^)]{{0,20}}\))?(?:、|和|及)(?P<new>{_ZONE})")
_ACTIONS = {"升级": "upgrade", "建设": "upgrade", "更名": "renaming", "调整": "renaming"}


def level_of(words: str) -> str | None:
    """Read the level the words of an approval give the zone.

    >>> level_of("国家高新技术产业开发区"), level_of("省级高新技术产业开发区"), level_of("高新技术产业园区")
    ('national', 'provincial', None)
    """
    if "国家" in words:
        return "national"
    return "provincial" if re.search(r"省级|自治区级", words) else None


def find_approvals(text: str, segment: Segment) -> tuple[ZoneApproval, ...]:
    """Find every zone approval in a segment: the zone under its new name, its former name, the action and level."""
    sub, base = scope(text, segment)
    return tuple(ZoneApproval(Span.of(text, base + a, base + b), segment.path, *rest) for a, b, *rest in _approvals(sub))


def _approvals(sub: str) -> Iterator[tuple[int, int, str, str, str | None, str | None]]:
    """Yield (start, end, action, zone, former name, level) for every approval in sub."""
    taken: list[tuple[int, int]] = []
    for match in _CHANGED.finditer(sub):
        old, target, new = match.group("old"), match.group("target"), match.group("new")
        named = zone_name(new) if new else zone_name(target)
        zone = named or zone_name(old)
        if zone is None:
            continue
        former = old if zone_name(old) != zone else None
        taken.append(match.span())
        yield match.start(), match.end(), _ACTIONS[match.group("verb")], zone, former, level_of(target)
    for pattern, action in ((_ESTABLISHED, "establishment"), (_EXPANDED, "expansion")):
        for match in pattern.finditer(sub):
            if any(a <= match.start() < b for a, b in taken) or (zone := zone_name(match.group("new"))) is None:
                continue
            yield match.start(), match.end(), action, zone, None, level_of(match.group("new"))
            if action == "establishment":  # 同意设立兴平高新技术产业开发区、武功高新技术产业开发区: one approval a zone
                end = match.end()
                while (more := _MORE.match(sub, end)) and (other := zone_name(more.group("new"))) is not None:
                    yield more.start("new"), more.end(), action, other, None, level_of(more.group("new"))
                    end = more.end()
