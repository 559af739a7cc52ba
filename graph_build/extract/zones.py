"""Find named zones (…高新区) with their industries, and priority industries, in a measure.

See graph_build/mentions.py for the decisions these rules make.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graph_build import reference
from graph_build.extract.scan import CJK, CLAUSE_STOPS, clause_at, scope, split_at
from graph_build.records import IndustryMention, Segment, Span, ZoneMention

# ---- industries (shared with zones) ---------------------------------------------

# Words between 等 and 产业/领域 that keep a list a list of industries (等战略性新兴产业,
# 等未来产业, 等三大产业, 等科技服务业领域); "等新技术改造…产业", "等制约产业" fail it.
_MOD = (
    r"(?:[\d一二三四五六七八九十两几]+[大个])?(?:[千百万]亿级)?(?:战略性|新兴|未来|特色|主导|优势|重点|支柱|先导|高新技术"
    r"|高技术|现代|传统|数字|科技|高端|先进|绿色|新型|前沿|核心|服务业|制造业|新)*"
)
# End of an enumeration of industries: 河北 "…节能环保等战略性新兴产业领域",
# "…冰雪科技等未来产业", 云南 "…人工智能等产业", 003 "…人工智能等领域".
_LIST_END = re.compile(rf"等{_MOD}(?:产业|领域|行业|赛道|制造业|服务业)(?:集群|链|领域|体系)?")
# Split form: 云南 "围绕生物医药、…、食品与消费品加工等,明确着力发展的特色主导产业".
_LIST_END_SPLIT = re.compile(r"等(?=,[^;。]{0,24}?(?:主导|特色|重点|新兴|优势|支柱|未来)产业)")
# Tail of a list led by a verb, with or without 等: "…新材料产业", "…等产业", "以…为主导产业".
_LIST_TAIL = re.compile(rf"(?:等|为)?{_MOD}(?:产业|领域)(?:集群)?$")
# Words after the list's 产业/领域 that keep it a list of priorities ("等领域,探索…",
# "等产业集群", "等领域开展…"); others make it modify a noun ("等领域数字化建设",
# "等产业创新服务", "等产业发展关键环节", "等产业载体"), and 的 too ("等领域的技术合作").
_LIST_NEXT = re.compile(r"[,;。)]|$|开展|实施|布局|培育|加快|形成|打造|探索|攻关|取得|突破|抢占|集聚|方向")
# Words leading into an enumeration: "围绕…", "瞄准…", "前瞻发展…", "在…等领域", "做强…".
_LIST_LEAD = re.compile(
    r"围绕|聚焦|瞄准|面向|在|发展|培育|布局|壮大|做强|做大|做优|做精|打造|突破|深耕|主攻|重点|着力"
    r"|优先|前瞻|引进|集聚|招引|抢占|对接|涵盖|包括|如|以|推动|推进|支持|加快|主导产业为|主导产业是"
)
# Verbs leading a list without 等 ("重点发展集成电路、人工智能产业"), also after a zone
# (甘肃 "兰州高新区重点发展生物医药、新材料等产业", "X高新区以…为主导产业").
_LIST_VERB = re.compile(
    r"(?:(?:重点|主要|着力|优先|大力|加快|前瞻)?(?:发展|培育|打造|布局|壮大|做强|主攻|聚焦|围绕)"
    r"|以(?=[^,;。]+为(?:主导|特色|重点|支柱|优势)))"
)
_LIST_STOPS = CLAUSE_STOPS + "“”《》()"
_ITEM_OK = re.compile(rf"[{CJK}A-Za-z0-9+\-]{{2,15}}$")
# Items that are actions or clauses, not industries ("培育万亿级支柱产业", "以科技领军企业为龙头",
# "大中小企业融通发展的"); a list led by a verb without 等 holding one is no list of industries.
_ITEM_BAD = re.compile(r"的|为|以|级|发展|培育|打造|建设|推动|加快|实施|形成|若干|自主|融通|^(?:产业|领域|行业)$")


def _items(sub: str, lo: int, hi: int, *, lead_required: bool) -> list[tuple[int, int]]:
    """Return the item bounds of the enumeration sub[lo:hi], its lead words removed."""
    items = split_at(sub, lo, hi, "、")
    if not items:
        return []
    a, b = items[0]
    leads = list(_LIST_LEAD.finditer(sub, a, b))
    if leads:
        items[0] = (leads[-1].end(), b)
    elif lead_required or b - a > 8:
        items = items[1:]
    items = [(a, b - 2 if b - a > 4 and sub.endswith("产业", a, b) else b) for a, b in items]
    if len(items) >= 2:
        a, b = items[-1]
        joint = re.compile("以及|和").search(sub, a + 2, b - 1)
        if joint:
            items[-1:] = [(a, joint.start()), (joint.end(), b)]
    return [(a, b) for a, b in items if _ITEM_OK.match(sub, a, b) and not _ITEM_BAD.search(sub[a:b])]


def _list_after(sub: str, lo: int, hi: int, reach: int) -> list[tuple[int, int]]:
    """Return the items of a list led by a verb within reach of lo and closed at hi."""
    verb = _LIST_VERB.search(sub, lo, hi)
    if not verb or verb.start() - lo > reach:
        return []
    hi = min(hi, clause_at(sub, verb.end())[1])
    tail = _LIST_TAIL.search(sub, verb.end(), hi)
    if not tail or tail.start() <= verb.end():
        return []
    items = _items(sub, verb.end(), tail.start(), lead_required=False)
    return items if len(items) >= len(split_at(sub, verb.end(), tail.start(), "、")) else []


def _enumerations(sub: str) -> Iterator[list[tuple[int, int]]]:
    """Yield the item bounds of every enumeration of industries in sub."""
    for m in _LIST_END.finditer(sub):
        if not _LIST_NEXT.match(sub, m.end()):
            continue
        yield _items(sub, clause_at(sub, m.start(), _LIST_STOPS)[0], m.start(), lead_required=False)
    for m in _LIST_END_SPLIT.finditer(sub):
        yield _items(sub, clause_at(sub, m.start(), _LIST_STOPS)[0], m.start(), lead_required=True)
    for m in _LIST_VERB.finditer(sub):
        items = _list_after(sub, m.start(), clause_at(sub, m.start())[1], 0)
        if len(items) >= 2:
            yield items


# ---- zones ---------------------------------------------------------------------

# A zone head, with the level the text gives it: 甘肃 "兰州高新区", 河北 "石家庄、保定高新区",
# "XX国家高新区", "XX省级高新区", full names "西安高新技术产业开发区", the other kinds of
# high-tech zone 公文 name beside 高新区 (高新技术产业园区/集聚区, 新技术开发区, 农业高新技术产业
# 示范区; 经济开发区 and 工业园区 are other kinds of zone, left out), and a count after a list of cities: 辽宁 "沈阳、大连…辽阳8个国家级
# 高新区", 国函 "…鞍山等二十五个城市建立国家高新技术产业开发区".
ZONE_TYPES = (
    "农业高新技术产业示范区", "高新技术产业开发区", "高新技术产业园区", "高新技术产业集聚区", "高新技术产业示范区",
    "新技术产业开发区", "新技术开发区", "高新区",
)  # fmt: skip
_COUNT = r"(?P<count>等?[\d一二三四五六七八九十两]{1,3}个(?:城市)?(?:建立|设立)?)"
_ZONE_HEAD = re.compile(rf"{_COUNT}?(?P<level>国家级?|省级|自治区级)?(?P<type>{'|'.join(ZONE_TYPES)})")
_LEVEL = {"国家": "national", "国家级": "national", "省级": "provincial", "自治区级": "provincial"}
# Kinds named "高新区" for short; the others keep the kind as written (福州高新技术产业园区).
_SHORT_TYPES = ("高新技术产业开发区", "高新区")
_PLACE_LONGEST = 8  # 安徽阜阳界首, 江苏吴江: a province and a city before the kind
# Words after which a zone's place name starts (verbs taking 高新区 as object, prepositions,
# generic modifiers as in 全省/省内/东部发达地区/新获批的/所在/该/各 高新区), chosen for the
# verbs whose characters also occur in place names (推进/武进, 建成/成都, 深化/深圳).
_ZONE_LEAD = re.compile(
    r"的|在|对|与|和|及|向|把|将|由|至|到|让|使|等|以|按|或|为|各|该|全省|省内|我省|本省|本市|全国|所在"
    r"|其他|相关|有关|现有|周边|东部|西部|中部|发达|先进|落后|地区|区域|一批|若干|深化|强化|优化|通过"
    r"|保障|保持|确保|聚焦|加大|大力|扩大|壮大|做大|做强|聚集|集聚|汇聚|服务|提升|推动|推进|促进|引进"
    r"|走进|建成|新建|建立|建设|创建|成立|成为|形成|组成|支持|鼓励|重点|根据|合作|联合|结合|整合|协同"
    r"|共同|开展|开放|开发|安排|承担|承接|主要|重要|申报|申请|认定|批准|同意|命名|定名|更名|升级"
)
# Characters of verbs, function words and modifiers that do not occur in the place names
# zones bear ("加大高新区", "编制高新区", "以下简称高新区", "每季度召开高新区"); the
# characters of common place names (保, 通, 深, 扬, 化, 焦, 内, 关, 新, 大, 明, 家, 建, 开,
# 成, 台, 营, 门, 长, 水, 平, 定, 合, 同, 安, 承, 包, 进, 照, 自, 作, 多, 子, 上, 中 …)
# are deliberately absent, so a zone named after an unlisted verb may be missed, not invented.
_NOT_PLACE = set(
    "加强促鼓励推优善提构培育赋予搭编订修选织取消暂停奖约谈考核评价与对的在向把让被给使施实现展持升制理指引"
    "导障支援助参设创立确放面服务落汇入打造申报争认托挥绕过经快筹规完管整复派挂带动部级省全各该所其他有相一"
    "批地发边聚称简据扣紧排满足担享受做好研究召括每季度式切会走出用果技科术融业企产群链政策府委区国际目项标"
    "数统计监测量质园工局机才人员班领主体责法律行权限职能力年时期间次了着也要需应可必须得就还再又而且但此"
    "这若何些种类条件位单点小少更最较很积稳续继扩减降步抓办处置分配视察看见听说讲议论审查准决划改革换代转型"
    "变形筑招吸纳帮扶补贴激辐射示范协调联系结接衔沟交流共闭控督检估算告护维守循靠借利获赢抢占拥具备负履执"
    "列归属往按令叫跟沿域个兼任兄弟辖赋超元"
)


def _name_start(run: str) -> int | None:
    """Return where the place name starts in the text run before a zone head, or None.

    A name that opens with a province or division of the gazetteer may be longer (安徽阜阳界首);
    words before such a name are no part of it (同意潜江 → 潜江, 建江苏吴江 → 江苏吴江).

    >>> _name_start("推动沧州"), _name_start("加大"), _name_start("兰州"), _name_start("东部发达地区")
    (2, None, 0, None)
    >>> _name_start("同意潜江"), _name_start("建江苏吴江"), _name_start("九江共青城"), _name_start("安徽阜阳界首")
    (2, 1, 0, 0)
    """
    lead = 0
    for m in _ZONE_LEAD.finditer(run):
        lead = m.end()
    placed = next((k for k in range(lead, len(run) - 1) if _opens_with_place(run[k:])), None)
    if placed is not None and len(run) - placed <= _PLACE_LONGEST:
        return placed
    cut = max([lead] + [i + 1 for i, ch in enumerate(run) if ch in _NOT_PLACE])
    return cut if 2 <= len(run) - cut <= 5 else None


def _opens_with_place(words: str) -> bool:
    """Tell whether words open with a province's or a division's name of the gazetteer (one province only).

    A name holding a character of a verb or function word (会同县, 通道县) counts only with its 县/市/区:
    "会同高新区" is 会同 (together with) 高新区, not a zone of 会同县.

    >>> _opens_with_place("九江共青城"), _opens_with_place("会同"), _opens_with_place("江苏吴江")
    (True, False, True)
    """
    if reference.province_at_start(words) is not None:
        return True
    for length in range(min(len(words), _PLACE_LONGEST), 1, -1):
        name = words[:length]
        if reference.division_named(name, None) is not None:
            return name[-1] in "市县区旗州盟" or not any(ch in _NOT_PLACE for ch in name)
    return False


def _is_place(words: str) -> bool:
    """Tell whether words are exactly a province's or a division's name (襄樊, 绥中, 乌鲁木齐)."""
    return reference.by_name(words) is not None or reference.division_named(words, None) is not None


def _place_before(sub: str, end: int) -> int | None:
    """Return where the place name ending at end starts, or None when there is none."""
    start = end
    while start > 0 and end - start < 10 and "\u4e00" <= sub[start - 1] <= "\u9fff":
        start -= 1
    cut = _name_start(sub[start:end])
    return None if cut is None else start + cut


def _zone_places(sub: str, head_start: int) -> list[tuple[int, int]]:
    """Return the place-name bounds before a zone head, coordinated ones ("沧州、衡水、") first."""
    start = _place_before(sub, head_start)
    places = [] if start is None else [(start, head_start)]
    while places and places[0][0] > 0 and sub[places[0][0] - 1] == "、":
        start = _place_before(sub, places[0][0] - 1)
        if start is None or _ZONE_HEAD.search(sub, start, places[0][0] - 1):  # 昆明国家高新区、玉溪国家高新区: a zone of its own
            break
        places.insert(0, (start, places[0][0] - 1))
    return places


# A zone's old name in a reply that renames or upgrades it: "将福建南靖高新技术产业园区更名为漳州高新技术产业开发区".
# Also "申报潜江高新技术产业园区为国家高新技术产业开发区": the zone applied for under its old name.
_RENAMED = re.compile(
    rf"{_ZONE_HEAD.pattern}(?:\([^)]{{0,20}}\))?(?:(?:升级|更名|调整|建设)为|更名的|为(?:国家级?|省级|自治区级)?(?:{'|'.join(ZONE_TYPES)}))"
)


def _renamed(sub: str, place_end: int) -> bool:
    """Tell whether the zone whose place ends at place_end is renamed or upgraded right after (its old name is no zone mention)."""
    return bool(_RENAMED.match(sub, place_end))


def _without_province(place: str) -> str:
    """Drop the province a zone's place opens with: 甘肃省定西 → 定西, 江苏吴江 → 吴江 (the quote keeps the words)."""
    if (province := reference.province_at_start(place)) is not None:
        for prefix in (province.name, province.short_name):
            if place.startswith(prefix) and len(place) - len(prefix) >= 2:
                return place[len(prefix) :]
    return place


def _zone_hits(sub: str) -> Iterator[tuple[int, int, str, str | None, list[tuple[int, int]]]]:
    """Yield (start, end, name, level, industry bounds) for every named zone in sub."""
    for m in _ZONE_HEAD.finditer(sub):
        places = _zone_places(sub, m.start())
        if m.group("count"):  # a list of cities, each with its zone: every item must be a place of the gazetteer
            places = [(a, b) for a, b in places if _is_place(sub[a:b])]
        places = [(a, b) for a, b in places if not _renamed(sub, b)]
        if not m.group("count"):  # 广西高新区 (every zone of a province) names no zone; 吉林 in a list of cities does
            places = [(a, b) for a, b in places if reference.by_name(sub[a:b]) is None]
        short = m.group("type") in _SHORT_TYPES or m.group("count")
        kind = "高新区" if short else m.group(0)  # 佳木斯国家农业高新技术产业示范区 keeps its words as written
        stops = [i for i in (sub.find(c, m.end()) for c in ";。\n") if i >= 0]
        industries = _list_after(sub, m.end(), min(stops, default=len(sub)), 8) if places else []
        for i, (a, b) in enumerate(places):
            end = m.end() if i == len(places) - 1 else b
            yield a, end, _without_province(sub[a:b]) + kind, _LEVEL.get(m.group("level") or ""), industries


def find_zones(text: str, segment: Segment) -> tuple[ZoneMention, ...]:
    """Find the named zones in a measure, with their level and the industries given them."""
    sub, base = scope(text, segment)
    return tuple(
        ZoneMention(Span.of(text, base + a, base + b), segment.path, name, level, tuple(sub[x:y] for x, y in found))
        for a, b, name, level, found in _zone_hits(sub)
    )


def find_industries(text: str, segment: Segment) -> tuple[IndustryMention, ...]:
    """Find the industries a measure names as priorities, leaving out those given to a zone."""
    sub, base = scope(text, segment)
    taken = {bounds for *_, industries in _zone_hits(sub) for bounds in industries}
    seen: dict[tuple[int, int], IndustryMention] = {}
    for items in _enumerations(sub):
        for a, b in items:
            if not any(x < b and a < y for x, y in taken | set(seen)):
                seen[(a, b)] = IndustryMention(Span.of(text, base + a, base + b), segment.path, sub[a:b])
    return tuple(sorted(seen.values(), key=lambda i: i.span.start))


def zone_name(words: str) -> str | None:
    """Name the zone that words such as "福建南靖高新技术产业园区" are, as the finder names it, or None.

    >>> zone_name("潜江高新技术产业开发区"), zone_name("江苏吴江高新技术产业园区"), zone_name("国家高新技术产业开发区")
    ('潜江高新区', '吴江高新技术产业园区', None)
    """
    hits = [name for _, end, name, _, _ in _zone_hits(words) if end == len(words)]
    return hits[-1] if hits else None
