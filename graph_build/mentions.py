"""Find departments, zones, industries, targets and numeric provisions in one measure.

Every finder reads the whole analysis text of a document (simplified script,
full-width ASCII folded to half-width, so "," ";" ":" "(" ")" "%" are ASCII while
、 。 “” 《》 stay) and looks only inside one segment; every span it returns is a
whole-text span. The rules target the common language of Chinese provincial
policy documents on 高新区, not the wording of one province.

Decisions worth knowing:

* Generic bodies in a responsibility list (各高新区管委会, 有关州、市人民政府,
  省直有关部门, 各市、县政府, …成员单位) are skipped, not flagged.
* Everything listed in a responsibility clause is "responsible", 牵头 and 配合 alike.
* 省政府/省人民政府 are never actors: they are the issuer of these documents.
* A list followed by 的 ("在生物医药、资源开发、软件服务等领域的技术合作") names
  areas of something else (cooperation), not priority industries: skipped.
* A range "确定2-3个主导产业" gives two targets, ">=" 2 and "<=" 3.
* A money target ("营业收入突破2万亿元") is a Target valued in yuan, unit "元";
  a number in a clause that grants money (给予, 补助, 奖励, 最高 …) is never a target.
* 万/亿 multiply the value ("1.5万家" is 15000 家); a count target (家, 个, 项 …)
  gets 数量 appended to its indicator unless it already names a count or a ratio.
* A zone's place name is the text before 高新区 after the last lead word (推动, 支持,
  在 …), rejected when it holds a character of a verb or modifier (_NOT_PLACE); so an
  unusual lead-in may lose a zone, but a verb is not taken for a place.
* An industry's span leaves out a trailing 产业 ("电子信息产业" → 电子信息); the
  last item of a list is split at 和/以及 ("高端装备和新材料").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from graph_build.records import DepartmentMention, IndustryMention, Provision, Segment, Span, Target, ZoneMention

_CJK = "\u4e00-\u9fff"
_CLAUSE_STOPS = ",;。:!?\n"

# ---- shared helpers ------------------------------------------------------------


def _scope(text: str, segment: Segment) -> tuple[str, int]:
    """Return the segment's text and its offset in the whole text."""
    return text[segment.span.start : segment.span.end], segment.span.start


def _paren_groups(sub: str) -> list[tuple[int, int]]:
    """Return the inner bounds of every top-level parenthesis.

    >>> _paren_groups("a(b(c)d)e(f)")
    [(2, 7), (10, 11)]
    """
    groups, depth, opened = [], 0, 0
    for i, ch in enumerate(sub):
        if ch == "(":
            depth, opened = depth + 1, (i + 1 if depth == 0 else opened)
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append((opened, i))
    return groups


def _split(sub: str, lo: int, hi: int, seps: str) -> list[tuple[int, int]]:
    """Split sub[lo:hi] on seps outside parentheses into stripped, non-empty bounds.

    >>> s = "甲、各市(州)、县(市、区)政府"
    >>> [s[a:b] for a, b in _split(s, 0, len(s), "、")]
    ['甲', '各市(州)', '县(市、区)政府']
    """
    parts, depth, start = [], 0, lo
    for i in range(lo, hi + 1):
        ch = sub[i] if i < hi else seps[0]
        depth += (ch == "(") - (ch == ")" and depth > 0)
        if depth == 0 and ch in seps:
            part = sub[start:i]
            a, b = start + len(part) - len(part.lstrip()), i - len(part) + len(part.rstrip())
            parts += [(a, b)] if a < b else []
            start = i + 1
    return parts


def _clause(sub: str, pos: int, stops: str = _CLAUSE_STOPS) -> tuple[int, int]:
    """Return the bounds of the clause around pos.

    >>> _clause("甲,乙丙;丁", 3)
    (2, 4)
    """
    start = max(sub.rfind(ch, 0, pos) for ch in stops) + 1
    ends = [i for i in (sub.find(ch, pos) for ch in stops) if i >= 0]
    return start, min(ends, default=len(sub))


_CN_DIGIT = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_MULTIPLIER = {"千": 1000, "万": 10**4, "百万": 10**6, "千万": 10**7, "亿": 10**8, "万亿": 10**12}


def _number(word: str) -> Decimal:
    """Read an Arabic numeral or a Chinese one below a hundred.

    >>> _number("65"), _number("十二"), _number("两"), _number("2.5")
    (Decimal('65'), Decimal('12'), Decimal('2'), Decimal('2.5'))
    """
    if word[0].isdigit():
        return Decimal(word)
    if "十" in word:
        tens, _, ones = word.partition("十")
        return Decimal(_CN_DIGIT.get(tens, 1) * 10 + _CN_DIGIT.get(ones, 0))
    return Decimal(_CN_DIGIT[word])


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
_PROVINCES = (
    "北京|天津|河北|山西|内蒙古|辽宁|吉林|黑龙江|上海|江苏|浙江|安徽|福建|江西|山东|河南|湖北|"
    "湖南|广东|广西|海南|重庆|四川|贵州|云南|西藏|陕西|甘肃|青海|宁夏|新疆"
)
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
    ranges, groups = [], _paren_groups(sub)
    for lo, hi in groups:
        stop = sub.find("。", lo, hi)
        first = stop if stop >= 0 else hi
        if _DUTY_END.search(sub, lo, first) or _DUTY_LABEL.match(sub, lo):
            ranges.append((lo, first))
    for m in _DUTY_LABEL.finditer(sub):
        if not any(a <= m.start() < b for a, b in groups):
            end = min((i for i in (sub.find(c, m.end()) for c in "。\n)】") if i >= 0), default=len(sub))
            ranges.append((m.start(), end))
    return ranges


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
    sub, base = _scope(text, segment)
    found: list[DepartmentMention] = []
    duty = _duty_ranges(sub)
    for lo, hi in duty:
        for a, b in _split(sub, lo, hi, "、,; \u3000\xa0"):
            bounds = _body_bounds(sub, a, b)
            if bounds:
                span = Span.of(text, base + bounds[0], base + bounds[1])
                found.append(DepartmentMention(span, segment.path, span.quote, "responsible"))
    for m in _ACTOR.finditer(sub):
        if not any(a <= m.start() < b for a, b in duty):
            span = Span.of(text, base + m.start(), base + m.end())
            found.append(DepartmentMention(span, segment.path, span.quote, "actor"))
    return tuple(sorted(found, key=lambda d: d.span.start))


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
_LIST_STOPS = _CLAUSE_STOPS + "“”《》()"
_ITEM_OK = re.compile(rf"[{_CJK}A-Za-z0-9+\-]{{2,15}}$")
# Items that are actions or clauses, not industries ("培育万亿级支柱产业", "以科技领军企业为龙头",
# "大中小企业融通发展的"); a list led by a verb without 等 holding one is no list of industries.
_ITEM_BAD = re.compile(r"的|为|以|级|发展|培育|打造|建设|推动|加快|实施|形成|若干|自主|融通|^(?:产业|领域|行业)$")


def _items(sub: str, lo: int, hi: int, *, lead_required: bool) -> list[tuple[int, int]]:
    """Return the item bounds of the enumeration sub[lo:hi], its lead words removed."""
    items = _split(sub, lo, hi, "、")
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
    hi = min(hi, _clause(sub, verb.end())[1])
    tail = _LIST_TAIL.search(sub, verb.end(), hi)
    if not tail or tail.start() <= verb.end():
        return []
    items = _items(sub, verb.end(), tail.start(), lead_required=False)
    return items if len(items) >= len(_split(sub, verb.end(), tail.start(), "、")) else []


def _enumerations(sub: str) -> Iterator[list[tuple[int, int]]]:
    """Yield the item bounds of every enumeration of industries in sub."""
    for m in _LIST_END.finditer(sub):
        if not _LIST_NEXT.match(sub, m.end()):
            continue
        yield _items(sub, _clause(sub, m.start(), _LIST_STOPS)[0], m.start(), lead_required=False)
    for m in _LIST_END_SPLIT.finditer(sub):
        yield _items(sub, _clause(sub, m.start(), _LIST_STOPS)[0], m.start(), lead_required=True)
    for m in _LIST_VERB.finditer(sub):
        items = _list_after(sub, m.start(), _clause(sub, m.start())[1], 0)
        if len(items) >= 2:
            yield items


# ---- zones ---------------------------------------------------------------------

# A zone head, with the level the text gives it: 甘肃 "兰州高新区", 河北 "石家庄、保定高新区",
# "XX国家高新区", "XX省级高新区", and full names "西安高新技术产业开发区".
_ZONE_HEAD = re.compile(r"(?P<level>国家级?|省级)?(?:高新技术产业开发区|高新技术产业园区|高新区)")
_LEVEL = {"国家": "national", "国家级": "national", "省级": "provincial"}
# Words after which a zone's place name starts (verbs taking 高新区 as object, prepositions,
# generic modifiers as in 全省/省内/东部发达地区/新获批的/所在/该/各 高新区), chosen for the
# verbs whose characters also occur in place names (推进/武进, 建成/成都, 深化/深圳).
_ZONE_LEAD = re.compile(
    r"的|在|对|与|和|及|向|把|将|由|至|到|让|使|等|以|按|或|为|各|该|全省|省内|我省|本省|本市|全国|所在"
    r"|其他|相关|有关|现有|周边|东部|西部|中部|发达|先进|落后|地区|区域|一批|若干|深化|强化|优化|通过"
    r"|保障|保持|确保|聚焦|加大|大力|扩大|壮大|做大|做强|聚集|集聚|汇聚|服务|提升|推动|推进|促进|引进"
    r"|走进|建成|新建|建立|建设|创建|成立|成为|形成|组成|支持|鼓励|重点|根据|合作|联合|结合|整合|协同"
    r"|共同|开展|开放|开发|安排|承担|承接|主要|重要"
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

    >>> _name_start("推动沧州"), _name_start("加大"), _name_start("兰州"), _name_start("东部发达地区")
    (2, None, 0, None)
    """
    cut = 0
    for m in _ZONE_LEAD.finditer(run):
        cut = m.end()
    cut = max([cut] + [i + 1 for i, ch in enumerate(run) if ch in _NOT_PLACE])
    return cut if 2 <= len(run) - cut <= 5 else None


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
        if start is None:
            break
        places.insert(0, (start, places[0][0] - 1))
    return places


def _zone_hits(sub: str) -> Iterator[tuple[int, int, str, str | None, list[tuple[int, int]]]]:
    """Yield (start, end, name, level, industry bounds) for every named zone in sub."""
    for m in _ZONE_HEAD.finditer(sub):
        places = _zone_places(sub, m.start())
        stops = [i for i in (sub.find(c, m.end()) for c in ";。\n") if i >= 0]
        industries = _list_after(sub, m.end(), min(stops, default=len(sub)), 8) if places else []
        for i, (a, b) in enumerate(places):
            end = m.end() if i == len(places) - 1 else b
            yield a, end, sub[a:b] + "高新区", _LEVEL.get(m.group("level") or ""), industries


def find_zones(text: str, segment: Segment) -> tuple[ZoneMention, ...]:
    """Find the named zones in a measure, with their level and the industries given them."""
    sub, base = _scope(text, segment)
    return tuple(
        ZoneMention(Span.of(text, base + a, base + b), segment.path, name, level, tuple(sub[x:y] for x, y in found))
        for a, b, name, level, found in _zone_hits(sub)
    )


def find_industries(text: str, segment: Segment) -> tuple[IndustryMention, ...]:
    """Find the industries a measure names as priorities, leaving out those given to a zone."""
    sub, base = _scope(text, segment)
    taken = {bounds for *_, industries in _zone_hits(sub) for bounds in industries}
    seen: dict[tuple[int, int], IndustryMention] = {}
    for items in _enumerations(sub):
        for a, b in items:
            if not any(x < b and a < y for x, y in taken | set(seen)):
                seen[(a, b)] = IndustryMention(Span.of(text, base + a, base + b), segment.path, sub[a:b])
    return tuple(sorted(seen.values(), key=lambda i: i.span.start))


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
        end = _clause(sub, m.end())[1]
        return m.start(), end, sub[m.end() : end]
    lo = _clause(sub, m.start(), _CLAUSE_STOPS + "、")[0]
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
    if sub.startswith("的", m.end()) or _NOT_TARGET.search(sub[slice(*_clause(sub, m.start()))]):
        return
    lo, hi, words = _phrase(sub, m)
    indicator = _indicator(words, m.group("unit"))
    if not indicator:
        return
    scale = _MULTIPLIER.get(m.group("mult") or "", 1)
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
    sub, base = _scope(text, segment)
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
    lo, hi = _clause(sub, m.start())
    for kind, cue_re, units, default in _KINDS:
        cue = cue_re.search(sub, lo, hi)
        if cue and m.group("unit") in units:
            return kind, cue, default
    return None


def find_provisions(text: str, segment: Segment) -> tuple[Provision, ...]:
    """Find the talent and administrative provisions that carry a number."""
    sub, base = _scope(text, segment)
    found = []
    for m in _PROVISION_NUM.finditer(sub):
        if found_kind := _provision_kind(sub, m):
            kind, cue, default = found_kind
            span = Span.of(text, base + min(cue.start(), m.start()), base + max(cue.end(), m.end()))
            unit = "岁" if m.group("unit") == "周岁" else m.group("unit")
            comparator = _provision_comparator(sub, m, default)
            found.append(Provision(span, segment.path, kind, comparator, _number(m.group("num")), unit))
    return tuple(found)
