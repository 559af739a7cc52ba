"""Find the money incentives (grants, awards, subsidies) that a measure states.

A measure is cut into sentences (at 。;!? and line ends) and each sentence into
pieces at commas. A piece is a *grant* when it gives a sum of money
(给予1000万元补助, 最高可补助500万元), a rate (按投资额30%予以支持) or a money word
without a sum (给予经费补助). Earlier pieces of the sentence supply the recipient
(对X…, or a subject ending in 的) and the payer (由X…); a later piece that only
adds a ceiling or floor (最高2000万元) joins the grant before it. A grant to a
list (对A、B分别给予X、Y) becomes one incentive per recipient or per sum. Sums that
say who qualifies (资金额度300万元以上…的, 营业收入突破1亿元的企业) are conditions.

Recipients are normalised with RECIPIENT_TYPES, a lexicon of the usual grantees
of Chinese science and technology policy: the type nearest the head noun is kept
with its level word (国家, 省级; 省 and 自治区 read as 省级, 国家级 as 国家); a level
before a list (国家新认定的A、B) goes to every item; zones keep 新获批 (新认定的
省级高新区 reads as 新获批省级高新区). Without a known type the head noun after the
last 的 is kept, stripped of qualifiers (高新区内, 新认定的, 省内 …). With no 对X and
no subject, a recipient may be implied: 根据高新区…情况, 建设一批X, 加大X奖补力度.
Payers are named bodies only (由省科技厅, 省财政资金给予, 给予省级财政经费); a bare
财政资金 names none. These conventions follow data/gold/seeds.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from graph_build.extract.money import find_money, parse_money, per_unit
from graph_build.records import Incentive, Money, Segment, Span

RECIPIENT_TYPES = (
    "全国重点实验室", "重点实验室", "技术创新中心", "工程技术研究中心", "工程研究中心", "临床医学研究中心",
    "制造业创新中心", "产业创新中心", "企业技术中心", "新型研发机构", "高新技术企业", "科技型中小企业",
    "科技领军企业", "专精特新“小巨人”企业", "专精特新企业", "瞪羚企业", "独角兽企业", "雏鹰企业",
    "科技创新型企业", "创新型企业", "高新区", "高新技术产业开发区", "科技企业孵化器", "孵化器", "众创空间",
    "大学科技园", "创新型产业集群", "院士专家工作站", "院士工作站", "博士后科研工作站", "博士后工作站",
    "技术转移机构", "科研人员", "高层次人才", "领军人才", "创新团队", "团队",
)  # fmt: skip
_ALIASES = {"高新技术产业开发区": "高新区"}
_LEVELS = {"国家级": "国家", "国家": "国家", "省级": "省级", "省": "省级", "自治区级": "省级", "自治区": "省级", "市级": "市级"}
_GENERIC = re.compile(r"企业|单位|机构|团队|人才|个人|项目")

_TYPE = re.compile("|".join(sorted(map(re.escape, RECIPIENT_TYPES), key=len, reverse=True)))
_LEVEL_BEFORE = re.compile(r"(国家级|国家|省级|自治区级|自治区|市级|省)$")
_LEVEL_OF_MODIFIER = re.compile(r"^(国家级|国家|省级|自治区级|自治区|市级|省)新?(?:认定|获批|批准|备案|命名|授牌|评定|布局)")
_LOCATIVE = re.compile(r"(?:高新区|园区|省|市|县|区)内的?")  # 飞地园区省内建设单位: 省内 is a qualifier
_NEW_ZONE = re.compile(r"新(?:获批|认定|批准)")  # 新获批国家高新区; 新认定的省级高新区 reads the same
_ZONES = ("高新区", "高新技术产业开发区")
_ZONE_NOT_RECIPIENT = re.compile(r"内|企业|所在|管委会|管理")  # 高新区内, 高新区企业: not the zone itself
_QUALIFIER = re.compile(
    r"^(?:(?:高新区|园区|区)内?的?(?=[^\s、和及与内])|(?:新|首次|经)?认定的?|新?引[进入]的?|符合条件的?|(?:新|首次)?获批的?|新建的?|新设立的?|新?入驻的?)+"
)

_SENTENCE = re.compile(r"[^。;!?\n]+")
_PIECE = re.compile(r"[^,]+")
_GIVE = re.compile(r"给予|予以|安排|提供|发放|拨付")
_KIND = re.compile(r"研发经费支持|经费支持|资金支持|后补助|补助|补贴|奖补|奖励|资助|专项资金|经费|资金|配套|贴息|奖金|津贴|补偿|支持")
_NOT_GIVEN_AFTER = re.compile(r"政策|力度|管理|办法|标准|使用|方式|渠道|制度|申报|时")
_MAXIMUM = re.compile(r"最高|不超过|不高于|最多|至多|上限|封顶|可达")
_GIVEN_BEFORE = re.compile(r"(?:奖励|补助|资助|补贴|奖补)[^,\d]{0,5}$")
_MINIMUM = re.compile(r"不少于|不低于|至少|最低")
_CONDITION_BEFORE = re.compile(r"(?:超过|达到|达|突破|高于|低于|额|额度|入|值|规模)\s*$")
_RANGE_SIGN = re.compile(r"\s*(?:至|到|-|—|——|~)\s*")
_FUND_VERB = re.compile(r"设立|组建|成立|筹集|累计安排|每年安排|统筹安排|设")
_FUND_BEFORE = re.compile(
    r"(?:(?:设立|组建|成立|筹集|累计安排|每年安排|统筹)[^,;。]{0,20}?(?:专项资金|发展资金|引导资金|基金|资金池)[^,;。\d]{0,5}"
    r"|总规模|基金规模|资金规模)(?:为|达到?|不低于|不少于)?\s*$"
)
_FUND_AFTER = re.compile(r"的?[^,;。\d]{0,12}?(?:专项资金|发展资金|引导资金|基金|资金池)")
_RANGE_LOW = re.compile(r"(\d+(?:\.\d+)?)((?:[万亿]?元|[万亿])?)\s*(?:-|—|~|至|到)\s*$")
_RATE = re.compile(r"(?:按照?|依照|依据|给予|予以|比例为?)其?(?P<base>(?:(?!给予|予以)[^,;。%、]){0,20}?)的?\s*(?P<pct>\d+(?:\.\d+)?)%")
_RATE_GIVEN = re.compile(r"(?P<base>)(?P<pct>\d+(?:\.\d+)?)%的?(?:比例)?(?:给予|予以|补助|奖励|资助|补贴|支持|配套)")
_RATE_CAP = re.compile(r"(?P<base>)(?:比例)?(?:最高|不超过|不高于|最多|上限为?)+(?:为)?(?P<pct>\d+(?:\.\d+)?)%")  # 补助比例…,最高不超过20%
_RATIO = re.compile(r"(?P<a>\d+)\s*[:∶]\s*(?P<b>\d+)(?:的?比例)?(?:给予|予以)?的?配套")
_SHARE = re.compile(r"(?:按照?|依照)\s*(?P<a>\d+)\s*[:∶]\s*(?P<b>\d+)(?:的?比例)?")  # 省、市县财政按照5:5给予, 按1:1比例分担
_RATIO_BASE = re.compile(r"在(?P<base>[^,;。在]{2,15}?)的?基础上")
_CONDITION_BASE = re.compile(r"其?(?P<base>[^,;。的其]{2,15}?(?:额度|金额|投资额|投入|收入|费用))\s*\d")
_ANNUAL = re.compile(r"每年|逐年|按年度?|年度(?:给予|予以|补助|奖励|资助)|年度(?:累计)?(?:最高|不超过)|(?:给予|予以)年度|元/年|连续(?:\d+|[二两三四五])年")
_TERM = re.compile(r"(?:补助|补贴|奖励|资助|支持|享受)年限")
_DUI = re.compile(r"(?<![针相面应绝核反])(?<!加强)(?<!加大)(?<!强化)对(?![接外标于照比口话应称])")
_RECIPIENT_END = re.compile(
    r"给予|予以|按照?|分别|一次性|由|优先|每年|的(?:补助|奖励|资助|补贴|奖补)?比例|(?:建设|运营|运行)?期内|最高|依据|根据|择优|(?:奖励|补助|资助|补贴|奖补)(?=[^,]{0,6}\d)"
)
_BY = re.compile(r"由(?P<payer>[^,;。由]{2,20}?)(?=于|在|按照?|给予|予以|一次性|会同|对|从|统筹|安排|每年|根据|分别|,|$)")
_PAYER_SUBJECT = re.compile(
    r"(?:并|再|另|由)?(?P<payer>(?:所在|各)[^,]{0,8}?高新区|[^,]{0,10}?(?:财政|政府|管委会|厅|局))(?:资金)?(?:每年|一次性|分别|统筹)*"
)
_BATCH = re.compile(r"(?:建设|建立|布局|培育|引进|打造)一批(?P<who>[^,;。]{2,12})$")
_EFFORT = re.compile(rf"(?:加大|提高|加强)对?[^,]{{0,6}}?(?P<who>{_TYPE.pattern})[^,]{{0,6}}?(?:奖补|奖励|补助|扶持)力度")
_LISTED_SUBJECT = re.compile(r"^(?P<list>[^,的]+?)(?=设立|经|首次|再次|获得|获批|被|通过|入选|认定|纳入|迁入|达到)")
_HONOURS = re.compile(r"^(?:获得|获批|荣获|入选|被认定为|认定为|被评为|评为)(?P<list>[^,的]+)$")
_LEVEL_WORD = re.compile(r"国家级|国家|省级|自治区级|市级")
_ADVERBS = re.compile(r"(?:再|另|并|还|可|均|另行)*")
_CIRCUMSTANCE = re.compile(r"在[^,]*基础上|经[^,]*(?:认定|评审|审核|批准)|按照?|根据|依据")
_TITLE = re.compile(r"“(?P<title>[^”]{2,30})”")
_MEMBER_OF = re.compile(r"^(?:纳入|列入)(?P<group>[^、,]{2,10})$")  # 纳入应用场景试点的项目承担单位
_PROJECT_OF = re.compile(r"^(?:获得|承担|牵头承担)(?P<project>[^,]{2,30}项目)$")  # 获得国家重点研发计划项目的单位
_PAYER_IN_KIND = re.compile(r"(?:给予|予以)(?P<payer>(?:中央|省级?|市级?|县级?|本级)财政)(?:资金|经费)")
_PAYER_ENCOURAGED = re.compile(r"鼓励(?P<payer>[^,;。]{1,15}?(?:政府|高新区|管委会|\(州\)|[市县区]))(?:在|按照?|对|给予|予以)")


@dataclass
class _Figure:
    """A sum in a grant and what it is: amount, minimum or maximum."""

    start: int
    end: int
    money: Money
    role: str
    unit: str | None = None


@dataclass(frozen=True)
class _Rate:
    """A rate in a grant: where it starts, its percent, its base, whether it is a ceiling, the ratio it was read from."""

    start: int
    percent: Decimal | None
    base: str | None
    is_maximum: bool = False
    ratio: str | None = None


@dataclass
class _Grant:
    """What one grant piece gives: sums, rate, kind and where the giving starts."""

    start: int
    end: int
    anchor: int
    figures: list[_Figure]
    rate: _Rate | None
    kind: str | None


@dataclass
class _Draft:
    """A grant with its recipient and span, before it is split into incentives."""

    start: int
    end: int
    grant: _Grant
    recipient: tuple[int, int] | None
    figures: list[_Figure]
    tail: int = 0  # where the pieces that may still qualify it end: the next draft or the sentence end


@dataclass
class _Context:
    """What the pieces of a sentence read so far say about the next grant."""

    window: int  # where a subject recipient may start
    lead: int  # where the sentence starts
    dui: tuple[int, int, int] | None = None  # the last 对X: 对, X start, X end
    used: bool = False  # whether a draft has already started at that 对
    previous: tuple[int, int] | None = None  # the last piece read


def find_incentives(text: str, segment: Segment) -> tuple[Incentive, ...]:
    """Return the money incentives stated in the segment, in text order."""
    found: list[Incentive] = []
    for sentence in _SENTENCE.finditer(text, segment.span.start, segment.span.end):
        drafts = _drafts(text, sentence.start(), sentence.end())
        found.extend(incentive for draft in drafts for incentive in _emit(text, draft, segment.path))
    return tuple(found)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow [start, end) past surrounding spaces and commas."""
    while start < end and text[start] in " \t\r\u3000,":
        start += 1
    while end > start and text[end - 1] in " \t\r\u3000,":
        end -= 1
    return start, end


def _drafts(text: str, start: int, end: int) -> list[_Draft]:
    """Group the pieces of one sentence into grants with their recipients."""
    drafts: list[_Draft] = []
    state = _Context(window=start, lead=start)
    for match in _PIECE.finditer(text, start, end):
        ps, pe = _trim(text, match.start(), match.end())
        if ps < pe:
            _take_piece(text, ps, pe, drafts, state)
    for draft, after in zip(drafts, [*drafts[1:], None], strict=False):
        draft.tail = after.start if after else end
    return drafts


def _take_piece(text: str, ps: int, pe: int, drafts: list[_Draft], state: _Context) -> None:
    """Add the piece text[ps:pe] to the drafts: as a new grant, as part of the last one, or as context."""
    grant = _grant(text, ps, pe, state.lead)
    dui = _dui_phrase(text, ps, grant.anchor if grant else pe)
    if dui:
        state.dui, state.used = dui, False
    if grant is None:
        state.previous = (ps, pe)
    elif drafts and not dui and _joins(drafts[-1], grant):
        drafts[-1].end = pe
        drafts[-1].figures += grant.figures
        drafts[-1].grant.rate = drafts[-1].grant.rate or grant.rate
    else:
        drafts.append(_new_draft(text, ps, pe, grant, dui is not None, state))


def _new_draft(text: str, ps: int, pe: int, grant: _Grant, own_dui: bool, state: _Context) -> _Draft:
    """Start a draft for a grant, taking its recipient from the piece or the sentence so far."""
    typed = None if own_dui else (_titled(text, ps, grant, state.previous) or _typed_subject(text, ps, grant))
    dui = None if typed else state.dui
    recipient = typed or ((dui[1], dui[2]) if dui else _subject(text, state.window, ps, grant, state.previous))
    first = dui[0] if dui and not state.used else (state.window if recipient and not dui and recipient[0] < ps else ps)
    state.dui, state.used, state.window, state.previous = dui, True, pe, (ps, pe)
    return _Draft(_trim(text, min(first, ps), pe)[0], pe, grant, recipient, list(grant.figures))


def _grant(text: str, start: int, end: int, lead: int) -> _Grant | None:
    """Read the piece text[start:end] as a grant, or None if it gives no money; text[lead:start] is the sentence before it."""
    figures = _figures(text, start, end)
    rate = _rate(text, start, end)
    give = _GIVE.search(text, start, end)
    anchors = [give.start()] if give else []
    anchors += [figures[0].start - len(_marker_before(text, start, figures[0].start))] if figures else []
    percent = rate if rate and rate.percent is not None else None  # a sharing ratio alone (按1:1比例分担) gives nothing
    anchors += [percent.start] if percent else []
    if not anchors:
        return None
    if not figures and any(_is_fund(text, start, fs, fe, end) for fs, fe, _ in find_money(text, start, end)):
        return None  # 每年安排5亿元专项资金
    kind = _kind(text, give.end() if give else start, end)
    capped_share = percent is not None and percent.is_maximum and "比例" in text[lead:end]  # 补助比例可适当放大,最高不超过20%
    if not figures and not (percent and (give or kind or capped_share)) and not (give and kind and kind != "支持"):
        return None
    return _Grant(start, end, min(anchors), figures, rate, kind)


def _marker_before(text: str, start: int, position: int) -> str:
    """Return the ceiling or floor words (最高, 不少于 …) that lead up to a sum."""
    match = re.search(r"(?:最高|不超过|不少于|不低于|至少|最多|奖励|补助|资助|补贴|奖补)[^,\d]{0,5}$", text[start:position])
    return match.group() if match else ""


def _figures(text: str, start: int, end: int) -> list[_Figure]:
    """List the sums that the piece gives, skipping sums that are conditions."""
    figures: list[_Figure] = []
    for fs, fe, money in find_money(text, start, end):
        role = None if _is_fund(text, start, fs, fe, end) else _role(text, start, fs, fe, end, figures)
        if figures and role and _RANGE_SIGN.fullmatch(text[figures[-1].end : fs]):
            figures[-1].role, role = "minimum", "maximum"  # 100万元至300万元不等: both ends have their unit
        elif role == "maximum":
            figures += _range_low(text, start, fs, money)
        if role:
            unit = per_unit(text, fe, end)
            figures.append(_Figure(fs, fe, money, role, unit[1] if unit else None))
    return figures


def _is_fund(text: str, start: int, fs: int, fe: int, end: int) -> bool:
    """Tell whether a sum is the size of a fund or budget (设立不少于5亿元的专项资金, 总规模100亿元) rather than a grant."""
    if _FUND_BEFORE.search(text, start, fs):
        return True
    return bool(_FUND_VERB.search(text, start, fs) and _FUND_AFTER.match(text, fe, end))


def _role(text: str, start: int, fs: int, fe: int, end: int, figures: list[_Figure]) -> str | None:
    """Tell whether a sum is an amount, minimum or maximum given, or None for a condition."""
    window = text[max(start, figures[-1].end if figures else start, fs - 10) : fs]
    after = text[fe:end]
    given = _GIVE.search(text, start, fs) or _GIVEN_BEFORE.search(window) or re.match(r"(?:的)?(?:一次性)?" + _KIND.pattern, after)
    if not (given or re.search("最高|可达", window)):
        return None  # 年营业收入不超过2亿元的企业
    if _MAXIMUM.search(window) or _RANGE_LOW.search(window):
        return "maximum"
    if _MINIMUM.search(window):
        return "minimum"
    if _CONDITION_BEFORE.search(text[start:fs]):
        return None
    if figures and window.strip() in ("、", "和", "或"):
        return figures[-1].role
    return {"以内": "maximum", "以下": "maximum", "以上": "minimum"}.get(after[:2], "amount")


def _range_low(text: str, start: int, fs: int, high: Money) -> list[_Figure]:
    """Return the floor of a range such as 50-100万元, which shares the unit of its ceiling."""
    match = _RANGE_LOW.search(text, max(start, fs - 12), fs)
    if not match or match.group(2):
        return []  # a floor with its own unit was found as a sum already
    unit = re.sub(r"^[\d.,]+", "", high.surface)
    scale = parse_money("1" + unit)
    if scale is None:
        return []
    return [_Figure(match.start(1), match.end(1), Money(match.group(1), Decimal(match.group(1)) * scale.yuan), "minimum")]


def _rate(text: str, start: int, end: int) -> _Rate | None:
    """Find the percentage (or 1:1 matching ratio) of a grant, the base it applies to and whether it is a ceiling."""
    share = _SHARE.search(text, start, end)
    shared = f"{share.group('a')}:{share.group('b')}" if share else None
    for pattern in (_RATE, _RATE_GIVEN, _RATE_CAP):
        match = pattern.search(text, start, end)
        if match:
            capped = pattern is _RATE_CAP or bool(_MAXIMUM.search(text, max(start, match.start("pct") - 5), match.start("pct")))
            return _Rate(match.start(), Decimal(match.group("pct")), _clean_base(match.group("base")), capped, shared)
    ratio = _RATIO.search(text, start, end)
    if ratio and int(ratio.group("a")):
        base = _RATIO_BASE.search(text, start, ratio.start())
        percent = Decimal(ratio.group("b")) * 100 / Decimal(ratio.group("a"))
        return _Rate(ratio.start(), percent, base.group("base") if base else None, ratio=f"{ratio.group('a')}:{ratio.group('b')}")
    return _Rate(share.start(), None, None, ratio=shared) if share else None


def _clean_base(base: str) -> str | None:
    """Drop ceiling words and parentheses from a rate base: 项目(课题)资金额度 → 项目资金额度."""
    return re.sub(r"^(?:不超过|最高|其)|\([^)]*\)|的$", "", base.strip()).strip() or None


def _kind(text: str, start: int, end: int) -> str | None:
    """Return the last money word given in text[start:end] (补助, 奖励, 研发经费支持 …)."""
    kinds = [m.group() for m in _KIND.finditer(text, start, end) if not _NOT_GIVEN_AFTER.match(text, m.end(), end)]
    return kinds[-1] if kinds else None


def _joins(draft: _Draft, grant: _Grant) -> bool:
    """Tell whether a grant piece only completes the draft before it (最高2000万元)."""
    if not (grant.figures or grant.rate) or (grant.rate and draft.grant.rate):
        return False
    if {figure.role for figure in draft.figures} & {figure.role for figure in grant.figures}:
        return False
    return grant.kind is None or draft.grant.kind in (None, grant.kind)


def _dui_phrase(text: str, start: int, end: int) -> tuple[int, int, int] | None:
    """Find the last 对X phrase in text[start:end] as (对, X start, X end)."""
    matches = list(_DUI.finditer(text, start, end))
    if not matches:
        return None
    dui = matches[-1].start()
    stop = _RECIPIENT_END.search(text, dui + 1, end)
    rs, re_ = _trim(text, dui + 1, stop.start() if stop else end)
    return (dui, rs, re_) if rs < re_ else None


def _subject(text: str, window: int, ps: int, grant: _Grant, previous: tuple[int, int] | None) -> tuple[int, int] | None:
    """Find a recipient named as subject: "…的," before the grant or a known type before 给予."""
    pre = text[ps : grant.anchor].strip()
    earlier = _earlier_subject(text, window, ps) if _ADVERBS.fullmatch(pre) else None
    if pre.endswith("的"):
        span = _trim(text, window, grant.anchor)
    elif not pre and previous and text[previous[0] : previous[1]].endswith("的"):
        span = _trim(text, window, previous[1])
    elif earlier:
        span = earlier
    else:
        return _implied(text, window, grant, previous) or _object(text, grant)
    return span if span[0] < span[1] else None


def _titled(text: str, ps: int, grant: _Grant, previous: tuple[int, int] | None) -> tuple[int, int] | None:
    """Find the honours just conferred when each is given money: 授予…“A”、…“B”称号,并各奖励200万元 (the span from “A” to “B”)."""
    if "各" not in text[ps : grant.anchor] or previous is None or not re.search("授予|命名", text[previous[0] : previous[1]]):
        return None
    titles = list(_TITLE.finditer(text, previous[0], previous[1]))
    return (titles[0].start(), titles[-1].end()) if len(titles) > 1 else None


def _earlier_subject(text: str, window: int, ps: int) -> tuple[int, int] | None:
    """Find a subject ending in 的 followed only by circumstances: A的,在…基础上,再给予…."""
    pieces = [_trim(text, m.start(), m.end()) for m in _PIECE.finditer(text, window, ps)]
    for k in range(len(pieces) - 1, -1, -1):
        if text[pieces[k][0] : pieces[k][1]].endswith("的"):
            return _trim(text, window, pieces[k][1]) if k < len(pieces) - 1 else None
        if not _CIRCUMSTANCE.match(text, pieces[k][0], pieces[k][1]):
            return None
    return None


def _implied(text: str, window: int, grant: _Grant, previous: tuple[int, int] | None) -> tuple[int, int] | None:
    """Find a recipient the sentence implies: 根据高新区…; 建设一批X,…给予…; 加大X奖补力度,…给予…."""
    according = re.compile(r"(?:根据|依据)").search(text, window, grant.anchor)
    typed = _TYPE.match(text, according.end()) if according else None
    if typed:
        return typed.span()
    for pattern in (_BATCH, _EFFORT):
        match = pattern.search(text, previous[0], previous[1]) if previous else None
        if match:
            return match.span("who")
    return None


def _typed_subject(text: str, ps: int, grant: _Grant) -> tuple[int, int] | None:
    """Find a known recipient type standing as subject: 省级高新区给予200万元奖励."""
    pre = text[ps : grant.anchor].strip()
    typed = _TYPE.search(pre)
    if typed and typed.end() == len(pre) <= 12 and not _PAYER_SUBJECT.fullmatch(pre):
        return _trim(text, ps, grant.anchor)
    return None


def _object(text: str, grant: _Grant) -> tuple[int, int] | None:
    """Find a recipient named after the verb: 给予每家企业最高50万元奖励."""
    pattern = r"(?:给予|予以)(?:每[家个项名])?(?P<who>[^,\d]{0,10}?(?:企业|单位|团队|机构|人才))(?=最高|不超过|一次性|\d)"
    match = re.compile(pattern).search(text, grant.start, grant.end)
    return match.span("who") if match else None


def _payer(text: str, start: int, grant: _Grant) -> str | None:
    """Name who pays: 由X…, X给予, 给予X财政资金 or 鼓励X…给予."""
    give = _GIVE.search(text, grant.start, grant.end)
    limit = give.start() if give else grant.anchor
    by = list(_BY.finditer(text, start, limit))
    if by:
        return by[-1].group("payer")
    subject = _PAYER_SUBJECT.fullmatch(text[grant.start : limit].strip())
    if subject and give and not _DUI.search(subject.group()):
        return subject.group("payer")
    for pattern in (_PAYER_IN_KIND, _PAYER_ENCOURAGED):
        match = pattern.search(text, min(start, grant.start), grant.end)
        if match:
            return match.group("payer")
    return None


def _frequency(text: str, start: int, end: int, tail: int, unit: str | None) -> str:
    """Tell whether the grant is one-time, per unit (元/度), annual or unspecified; text[end:tail] may add a term (补助年限不超过2年)."""
    if "一次性" in text[start:end]:
        return "one-time"
    if unit:
        return "per-unit"
    return "annual" if _ANNUAL.search(text, start, end) or _TERM.search(text, end, tail) else "unspecified"


def _type_in(phrase: str, rightmost: bool) -> str | None:
    """Return the known recipient type in the phrase, with its level word."""
    matches = [m for m in _TYPE.finditer(phrase) if not (m.group() in _ZONES and _ZONE_NOT_RECIPIENT.match(phrase, m.end()))]
    if not matches:
        return None
    match = matches[-1] if rightmost else matches[0]
    level = _LEVEL_BEFORE.search(phrase, 0, match.start())
    return (_LEVELS[level.group()] if level else "") + _ALIASES.get(match.group(), match.group())


def _labels(phrase: str) -> list[str]:
    """Normalise recipient words to one type label per listed recipient."""
    phrase = phrase.strip()
    titles = _TITLE.findall(phrase)
    if len(titles) > 1 and phrase.startswith("“") and phrase.endswith("”"):
        return titles  # 授予…“2010年度河南省十强产业集聚区”、…“…十快产业集聚区”称号
    if phrase.endswith("的"):
        cleaned = _QUALIFIER.sub("", phrase[:-1])
        listed = _listed_subjects(cleaned)
        if listed:
            return listed
        generic = re.match(r"^[^,的]{0,8}?(?:" + _GENERIC.pattern + ")", cleaned)
        generic_label = re.sub(r"^[^,]*?高新区内?", "", generic.group()) if generic else None
        return [_type_in(cleaned, rightmost=False) or generic_label or cleaned or phrase]
    modifier, _, head = phrase.rpartition("的")
    honours = _honours(_QUALIFIER.sub("", modifier), head)
    if honours:
        return honours
    items = _items(_QUALIFIER.sub("", head)) or [head]
    labels = _distribute_level([_item_label(item, modifier) for item in items], _QUALIFIER.sub("", modifier))
    return ["新获批" + label if label in ("国家高新区", "省级高新区") and _NEW_ZONE.search(phrase) else label for label in labels]


def _listed_subjects(subject: str) -> list[str]:
    """Split a listed subject before its verb, one label per item: 规模以上工业企业、高新技术企业设立…的."""
    match = _LISTED_SUBJECT.match(subject)
    items = re.split(r"、|和|及|与", match.group("list")) if match else []
    if len(items) < 2 or not all(_GENERIC.search(item[-2:]) or _TYPE.search(item) for item in items):
        return []
    return [_type_in(item, rightmost=True) or item for item in items]


def _honours(modifier: str, head: str) -> list[str]:
    """Give one label per honour the recipients won: 获得国家级绿色工厂、绿色设计产品的企业 → 国家级绿色工厂企业, …."""
    match = _HONOURS.match(modifier)
    items = match.group("list").split("、") if match and _GENERIC.fullmatch(head) else []
    if len(items) < 2:
        return []
    level = _LEVEL_WORD.match(items[0])
    prefix = level.group() if level else ""
    return [("" if _LEVEL_WORD.match(item) else prefix) + item + head for item in items]


def _items(head: str) -> list[str]:
    """Split a recipient list at 、 (and at 和/及 when every part is a known type); A、B等C is C unless A, B are types."""
    listed, sign, category = head.rpartition("等")
    if sign and category and not all(_TYPE.search(item) for item in listed.split("、")):
        return [category]  # 诺贝尔奖获得者、两院院士等顶尖人才团队
    items = [item for item in head.split("、") if item]
    split = [part for item in items for part in re.split(r"以及|和|及|与", item) if part]
    return split if all(_TYPE.search(part) for part in split) else items


def _item_label(item: str, modifier: str) -> str:
    """Label one recipient: its known type, a type its modifier gives it, or the item without qualifiers."""
    label = _type_in(item, rightmost=True) or _typed_head(item, modifier)
    if label:
        return label
    modifier = _QUALIFIER.sub("", modifier)
    project = _PROJECT_OF.match(modifier)
    if project and item == "单位":
        return project.group("project") + "承担单位"
    member = _MEMBER_OF.match(modifier)
    return (member.group("group") if member else "") + (_LOCATIVE.sub("", item) or item)


def _typed_head(item: str, modifier: str) -> str | None:
    """For a bare head noun (企业), return the type in its modifier ending in it: …独角兽企业榜单的企业."""
    if not _GENERIC.fullmatch(item):
        return None
    typed = [m for m in _TYPE.finditer(modifier) if m.group().endswith(item)]
    return _type_in(modifier[: typed[-1].end()], rightmost=True) if typed else None


def _distribute_level(labels: list[str], modifier: str) -> list[str]:
    """Give a level word from 国家新认定的… or from the first item to bare types in the list."""
    level = _LEVEL_OF_MODIFIER.match(modifier)
    first = _LEVEL_BEFORE.search(labels[0][:2]) if len(labels) > 1 else None
    prefix = _LEVELS[level.group(1)] if level else (_LEVELS[first.group()] if first and labels[0][:2] in ("国家", "省级") else "")
    return [prefix + label if prefix and label in RECIPIENT_TYPES else label for label in labels]


def _emit(text: str, draft: _Draft, measure: str) -> list[Incentive]:
    """Turn a draft into one incentive per recipient or per listed sum."""
    recipient_text = text[draft.recipient[0] : draft.recipient[1]] if draft.recipient else None
    labels: list[str | None] = list(_labels(recipient_text)) if recipient_text else [None]
    inside = draft.recipient[1] if draft.recipient and draft.start <= draft.recipient[1] <= draft.end else draft.start
    base = _fields(text, draft, inside, measure)
    listed = [f for f in draft.figures if f.role == "amount"] if _is_list(text, draft) else []
    shared = [f for f in draft.figures if f not in listed]
    if listed and len(labels) == len(listed):
        pairs = list(zip(labels, listed, strict=True))
    elif listed:
        pairs = [(label, figure) for figure in listed for label in labels]
    else:
        pairs = [(label, None) for label in labels]
    return [
        Incentive(recipient=label, recipient_text=recipient_text, **base, **_sums(shared + ([one] if one else []))) for label, one in pairs
    ]


def _is_list(text: str, draft: _Draft) -> bool:
    """Tell whether the draft gives several sums side by side (分别给予20万元、5万元)."""
    amounts = [f for f in draft.figures if f.role == "amount"]
    return len(amounts) > 1 and all(text[a.end : b.start].strip() in ("、", "和", "或") for a, b in zip(amounts, amounts[1:], strict=False))


def _sums(figures: list[_Figure]) -> dict[str, Money]:
    """Map the first sum of each role to the Incentive field of that name."""
    sums: dict[str, Money] = {}
    for figure in figures:
        sums.setdefault(figure.role, figure.money)
    return sums


def _fields(text: str, draft: _Draft, inside: int, measure: str) -> dict[str, object]:
    """Collect the span, rate, frequency, payer and kind shared by a draft's incentives."""
    grant, rate = draft.grant, draft.grant.rate
    base = rate.base if rate else None
    if rate and rate.percent is not None and base is None:
        condition = _CONDITION_BASE.search(text, inside, rate.start)
        base = _clean_base(condition.group("base")) if condition else None
    unit = next((f.unit for f in draft.figures if f.unit), None)
    return {
        "span": Span.of(text, draft.start, draft.end),
        "measure": measure,
        "rate_percent": rate.percent if rate else None,
        "rate_base": base if rate and rate.percent is not None else None,
        "rate_is_maximum": bool(rate and rate.percent is not None and rate.is_maximum),
        "ratio": rate.ratio if rate else None,
        "frequency": _frequency(text, inside, draft.end, draft.tail, unit),
        "payer": _payer(text, draft.start, grant),
        "kind": grant.kind,
        "unit": unit,
    }
