"""Tests for graph_build.extract.incentives: money incentives found in policy measures.

REAL sentences are copied from data/raw (simplified where the file is in
traditional script, full-width forms folded as the analysis text has them);
INVENTED sentences imitate the policies of other provinces. Expected labels
follow the conventions of data/gold/seeds.yaml (新认定的省级高新区 reads as
新获批省级高新区, payer null for a bare 财政资金, and so on).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_build.extract.incentives import find_incentives
from graph_build.records import Incentive, Segment, Span

RAW = Path(__file__).resolve().parents[3] / "tests" / "data" / "seeds" / "raw"


def segment_of(text: str, start: int = 0, end: int | None = None) -> Segment:
    """Make a level-2 segment over text[start:end]."""
    return Segment(path="1", level=2, number="(一)", heading=None, span=Span.of(text, start, len(text) if end is None else end))


def extract(text: str) -> tuple[Incentive, ...]:
    """Find the incentives of a text taken as one segment."""
    return find_incentives(text, segment_of(text))


def yuan(money: object) -> str | None:
    """Show a Money as its yuan string, None as None."""
    return None if money is None else str(money.yuan)  # type: ignore[attr-defined]


def summary(incentive: Incentive) -> tuple[object, ...]:
    """Reduce an incentive to (recipient, amount, minimum, maximum, rate, frequency)."""
    rate = None if incentive.rate_percent is None else str(incentive.rate_percent)
    return (
        incentive.recipient, yuan(incentive.amount), yuan(incentive.minimum), yuan(incentive.maximum), rate, incentive.frequency,
    )  # fmt: skip


ONE, YEAR, ANY = "one-time", "annual", "unspecified"

# fmt: off
REAL = [
    ("对高新区内新认定的国家重点实验室给予1000万元一次性补助",
     [("国家重点实验室", "10000000", None, None, None, ONE)]),
    ("对国家新认定的技术创新中心、工程研究中心、临床医学研究中心给予500万元一次性补助",
     [("国家技术创新中心", "5000000", None, None, None, ONE),
      ("国家工程研究中心", "5000000", None, None, None, ONE),
      ("国家临床医学研究中心", "5000000", None, None, None, ONE)]),
    ("对省级重点实验室建设期内每年给予100万元补助",
     [("省级重点实验室", "1000000", None, None, None, YEAR)]),
    ("对高新区内暂不具备市场竞争力,但符合重点产业发展方向、首次投向市场的科技成果转化产品推行首购和订购制,"
     "对采购方按照成交金额的10%给予补助,最高可补助500万元。",
     [("采购方", None, None, "5000000", "10", ANY)]),
    ("对新获批的国家高新区,由省科技厅会同高新区所在市(州)政府,商省财政厅,采取“一事一议”方式,报请省政府审议后,"
     "于下年度由省级财政一次性给予不少于5000万元奖励。",
     [("新获批国家高新区", None, "50000000", None, None, ONE)]),
    ("对新认定的省级高新区,由省科技厅于下年度一次性给予200万元奖励。",
     [("新获批省级高新区", "2000000", None, None, None, ONE)]),
    ("对高新区内获得国家科技重大专项和国家重点研发计划项目的单位,其项目(课题)资金额度300万元以上在甘落地的,"
     "按10%给予奖励,最高额度可达300万元。",
     [("国家科技重大专项和国家重点研发计划项目承担单位", None, None, "3000000", "10", ANY)]),
    ("对新认定的高新技术企业、省级科技创新型企业分别给予一次性奖补20万元、5万元,将“新增高新技术企业数”"
     "“高新技术产业营业收入及增速”“高新技术企业新增从业人员数”等指标作为省级高新区年度考核评价指标。",
     [("高新技术企业", "200000", None, None, None, ONE),
      ("省级科技创新型企业", "50000", None, None, None, ONE)]),
    ("对引入的独角兽企业、瞪羚企业优先给予省级科技计划项目支持,并一次性给予100万元奖补。",
     [("独角兽企业", "1000000", None, None, None, ONE),
      ("瞪羚企业", "1000000", None, None, None, ONE)]),
    ("高新区企业围绕全省重点产业或自身发展需要,投入自有资金开展研发活动,取得相关原创性技术成果并实现产业化的,"
     "按前期研发投入20%给予不超过1000万元补助,同等类型按“就高不就低”原则进行奖补。",
     [("企业", None, None, "10000000", "20", ANY)]),
    ("支持高新区特色主导产业争创国家创新型产业集群,对获批的国家创新型产业集群,给予一次性500万元奖励。",
     [("国家创新型产业集群", "5000000", None, None, None, ONE)]),
    ("对纳入应用场景试点的项目承担单位,由所在高新区按项目投资额30%予以支持,最高2000万元。",
     [("应用场景试点项目承担单位", None, None, "20000000", "30", ANY)]),
    ("对高等院校、科研院所的科研人员携带具有自主知识产权创办、领办科技企业的,给予不超过50万元补助。",
     [("科研人员", None, None, "500000", None, ANY)]),
    ("对总部和主营业务均在高新区、首次进入专业机构发布的独角兽企业榜单的企业,由所在高新区给予一次性最高不超过1000万元奖励。",
     [("独角兽企业", None, None, "10000000", None, ONE)]),
    ("支持高新区创建创优,对新获批的国家高新区给予一次性最高1000万元研发经费支持,对新获批的省级高新区一次性给予500万元研发经费支持。",
     [("新获批国家高新区", None, None, "10000000", None, ONE),
      ("新获批省级高新区", "5000000", None, None, None, ONE)]),
    ("对进入全国排名前40、年度排名提升10位以上的国家高新区分别一次性给予1000万元、500万元研发经费支持。",
     [("国家高新区", "10000000", None, None, None, ONE),
      ("国家高新区", "5000000", None, None, None, ONE)]),
    ("支持高新区在国内外先进地区建设离岸孵化器、飞地科研成果育成平台和飞地园区,对飞地园区省内建设单位按照建设实际投入的30%给予补助、最高500万元。",
     [("飞地园区建设单位", None, None, "5000000", "30", ANY)]),
    # incentives without a figure
    ("按照支持和促进科技成果转化有关政策,对科技成果在高新区内转化的出让方、受让方、转化服务机构给予经费补助",
     [("出让方", None, None, None, None, ANY), ("受让方", None, None, None, None, ANY),
      ("转化服务机构", None, None, None, None, ANY)]),
    ("对高新区内企业首次获批高新技术企业认定和3年有效期满重新获认定的,给予省级财政经费补助。",
     [("高新技术企业", None, None, None, None, ANY)]),
    ("根据高新区争先进位和综合能力提升情况,给予财政资金奖补。",
     [("高新区", None, None, None, None, ANY)]),
    ("开展年度省级高新区发展评价工作,对排名靠前的省级高新区给予奖励,对排名大幅下降的省级高新区予以通报、约谈",
     [("省级高新区", None, None, None, None, ANY)]),
    ("规划建设一批外国专家公寓,省财政资金给予奖励性补助,提升国际高端人才的服务水平。",
     [("外国专家公寓", None, None, None, None, ANY)]),
    ("鼓励各市(州)和高新区在省级奖补的基础上给予相应的配套奖补。",
     [(None, None, None, None, None, ANY)]),
    ("加大高新技术企业认定奖补力度,由所在高新区在省级补助的基础上给予不低于1:1配套奖励。",
     [("高新技术企业", None, None, None, "100", ANY)]),
]

INVENTED = [
    ("对首次认定的国家高新技术企业,给予一次性30万元奖励。",
     [("国家高新技术企业", "300000", None, None, None, ONE)]),
    ("对符合条件的企业,按照研发投入的5%给予最高不超过200万元的后补助。",
     [("企业", None, None, "2000000", "5", ANY)]),
    ("对引进的顶尖人才团队,给予最高1亿元支持。",
     [("团队", None, None, "100000000", None, ANY)]),
    ("对新建的省级工程技术研究中心,给予100万元经费资助。",
     [("省级工程技术研究中心", "1000000", None, None, None, ANY)]),
    ("对认定的省级新型研发机构,连续3年每年给予50万元。",
     [("省级新型研发机构", "500000", None, None, None, YEAR)]),
    ("对年营业收入首次突破1亿元的科技型中小企业,给予50万元奖励。",
     [("科技型中小企业", "500000", None, None, None, ANY)]),
    ("对国家级科技企业孵化器、众创空间分别给予100万元、50万元奖励。",
     [("国家科技企业孵化器", "1000000", None, None, None, ANY),
      ("国家众创空间", "500000", None, None, None, ANY)]),
    ("对新认定的自治区级高新区,给予一次性300万元奖励,对国家高新区给予500万元奖励,省级高新区给予200万元奖励。",
     [("新获批省级高新区", "3000000", None, None, None, ONE), ("国家高新区", "5000000", None, None, None, ANY),
      ("省级高新区", "2000000", None, None, None, ANY)]),
    ("对新获批的国家技术创新中心,给予50-100万元补助。",
     [("国家技术创新中心", None, "500000", "1000000", None, ANY)]),
    ("对研发投入占销售收入比例超过5%的企业,按其研发投入增量的10%给予奖励,每家企业每年最高不超过300万元。",
     [("企业", None, None, "3000000", "10", YEAR)]),
    ("对入选国家级科技企业孵化器的,一次性奖励100万元。",
     [("国家科技企业孵化器", "1000000", None, None, None, ONE)]),
    ("对获批建设的省重点实验室,给予一次性奖励二十万元。",
     [("省级重点实验室", "200000", None, None, None, ONE)]),
    ("鼓励市县对新认定的高新技术企业给予不低于10万元的奖励。",
     [("高新技术企业", None, "100000", None, None, ANY)]),
    ("给予每家企业最高50万元奖励。",
     [("企业", None, None, "500000", None, ANY)]),
    ("给予入驻企业最高50万元的房租补贴。",
     [("企业", None, None, "500000", None, ANY)]),
    ("对考核排名第一、第二、第三的高新区分别给予300万元、200万元、100万元奖励。",
     [("高新区", "3000000", None, None, None, ANY), ("高新区", "2000000", None, None, None, ANY),
      ("高新区", "1000000", None, None, None, ANY)]),
    ("对经认定的高新技术企业,在享受国家税收优惠政策的基础上,再给予10万元奖励。",
     [("高新技术企业", "100000", None, None, None, ANY)]),
    ("对高新区内科技型中小企业贷款给予贴息,贴息比例不超过贷款利息的50%,每家企业每年贴息额最高不超过50万元。",
     [("科技型中小企业", None, None, "500000", "50", YEAR)]),
    ("对高新区引进的诺贝尔奖获得者、两院院士等顶尖人才团队,给予最高1亿元综合资助。",
     [("团队", None, None, "100000000", None, ANY)]),
    ("对省级以上高新区内企业购买省内科技成果并实现转化的,按技术合同成交额的20%给予补助,单个企业每年最高补助100万元。",
     [("企业", None, None, "1000000", "20", YEAR)]),
    ("对国家级科技企业孵化器、国家备案众创空间,分别给予100万元、50万元一次性奖励,所需资金由省、市按1:1比例分担。",
     [("国家科技企业孵化器", "1000000", None, None, None, ONE), ("国家众创空间", "500000", None, None, None, ONE)]),
]

DETAILS = [
    ("对采购方按照成交金额的10%给予补助,最高可补助500万元。", "rate_base", "成交金额"),
    ("对采购方按照成交金额的10%给予补助,最高可补助500万元。", "kind", "补助"),
    ("按前期研发投入20%给予不超过1000万元补助", "rate_base", "前期研发投入"),
    ("对纳入应用场景试点的项目承担单位,由所在高新区按项目投资额30%予以支持,最高2000万元。", "rate_base", "项目投资额"),
    ("对纳入应用场景试点的项目承担单位,由所在高新区按项目投资额30%予以支持,最高2000万元。", "payer", "所在高新区"),
    ("对高新区内获得国家科技重大专项和国家重点研发计划项目的单位,其项目(课题)资金额度300万元以上在甘落地的,"
     "按10%给予奖励,最高额度可达300万元。", "rate_base", "项目资金额度"),
    ("对新获批的国家高新区,由省科技厅会同高新区所在市(州)政府,商省财政厅,采取“一事一议”方式,报请省政府审议后,"
     "于下年度由省级财政一次性给予不少于5000万元奖励。", "payer", "省级财政"),
    ("对新认定的省级高新区,由省科技厅于下年度一次性给予200万元奖励。", "payer", "省科技厅"),
    ("对高新区内企业首次获批高新技术企业认定和3年有效期满重新获认定的,给予省级财政经费补助。", "payer", "省级财政"),
    ("对高新区内企业首次获批高新技术企业认定和3年有效期满重新获认定的,给予省级财政经费补助。", "recipient_text",
     "高新区内企业首次获批高新技术企业认定和3年有效期满重新获认定的"),
    ("规划建设一批外国专家公寓,省财政资金给予奖励性补助,提升国际高端人才的服务水平。", "payer", "省财政"),
    ("规划建设一批外国专家公寓,省财政资金给予奖励性补助,提升国际高端人才的服务水平。", "kind", "补助"),
    ("鼓励各市(州)和高新区在省级奖补的基础上给予相应的配套奖补。", "payer", "各市(州)和高新区"),
    ("加大高新技术企业认定奖补力度,由所在高新区在省级补助的基础上给予不低于1:1配套奖励。", "rate_base", "省级补助"),
    ("对新获批的国家高新区给予一次性最高1000万元研发经费支持", "kind", "研发经费支持"),
    ("对引入的独角兽企业、瞪羚企业优先给予省级科技计划项目支持,并一次性给予100万元奖补。", "kind", "奖补"),
    ("对先进高新区给予表扬奖励", "kind", "奖励"),
    ("对新建的省级工程技术研究中心,给予100万元经费资助。", "kind", "资助"),
]

NEGATIVE = [
    "加强对创建国家高新区工作的统筹和指导,加大政策和资金支持力度,促进区域创新资源和新兴产业加速汇聚。",
    "鼓励高新区为企业搭建常态化“揭榜挂帅”平台,对成功“揭榜”并完成合同的项目,根据企业投入资金情况给予一定支持。",
    "支持高新区建立完善科技领军企业、高新技术企业、科技型中小企业培育库筛选机制,支持入库企业申报各类科技计划项目与奖补政策。",
    "各市(州)、县(市、区)政府,高新区管理机构要抓好本措施落实,加强奖补资金的管理使用,"
    "措施中明确的奖励资金主要用于推动区内高新技术产业发展、改善科研基础条件、优化创新创业生态以及加大科研投入等。",
    "在中央引导地方科技发展资金安排上支持高新区主导产业创新发展。",
    "完善高新技术企业奖补政策,加强高新技术企业税收优惠政策落实。",
    "对符合条件纳入省级重点实验室、省级技术创新中心序列的,给予优先支持。",
    "所在地政府要切实承担高新区建设的主体责任,给予高新区充分的财政、土地等政策保障。",
    "各高新区应建立财政科技资金稳步增长机制,鼓励高新区或高新区所在地政府全面推行企业研发准备金制度,引导企业加大研发投入。",
    "高新区要找准定位,围绕生物医药、先进制造、新材料、烟草及配套、食品与消费品加工等,明确着力发展的特色主导产业。",
    "对“新增高新技术企业数”逐年提升的省级高新区在年度考核评价通报中予以表扬,高新技术企业数占企业总数的比例达到10%以上。",
    # invented
    "落实高新技术企业所得税减免等税收优惠政策。",
    "支持高新区建设,给予政策倾斜。",
    "高新区年营业收入达到1000亿元,带动社会资本投入100亿元。",
    "设立总规模10亿元的高新区发展基金。",
    "省财政每年安排5亿元专项资金,支持高新区建设。",  # a fund's size, not a grant (devcorpus not_incentives)
    "省级财政每年安排高新区发展专项资金2亿元,用于支持高新区创新平台建设。",
    "对评价结果优秀的高新区,在安排专项资金时予以倾斜。",
    "引进10万人才,培育1万家企业。",
    "对年营业收入不超过2亿元的企业加强培育。",
    "到2025年,全省高新区营业收入突破2万亿元,高新技术企业数量达到1.5万家。",
]

GAPS = [
    # a recipient that only the topic of an earlier sentence names
    ("加大对高新技术企业的支持。由所在高新区给予不低于1:1配套奖励。", "recipient", "高新技术企业"),
    # a recipient as subject that is neither a known type nor followed by 的
    ("科技型企业开展研发活动,按研发投入10%给予补助。", "recipient", "科技型企业"),
    # a subject that is neither a known type nor followed by 的
    ("企业每年可获得最高100万元补助。", "recipient", "企业"),
    # a sum per unit (每平方米) is a rate, not an amount
    ("对科技企业孵化器按实际孵化面积给予每平方米20元补贴。", "amount", None),
    # the payer named in a later clause
    ("对新认定的国家高新技术企业给予30万元奖励,奖励资金由省财政承担。", "payer", "省财政"),
    # a payer standing as subject of 配套 without 给予
    ("市、县财政按照1:1比例配套。", "payer", "市、县财政"),
]
# fmt: on


def field_of(text: str, name: str) -> object:
    """Return one field of the only incentive found in text."""
    (incentive,) = extract(text)
    value = getattr(incentive, name)
    return yuan(value) if name in ("amount", "minimum", "maximum") and value is not None else value


@pytest.mark.parametrize(("text", "expected"), REAL + INVENTED)
def test_incentives(text: str, expected: list[tuple[object, ...]]) -> None:
    assert [summary(incentive) for incentive in extract(text)] == expected


@pytest.mark.parametrize(("text", "name", "expected"), DETAILS)
def test_incentive_details(text: str, name: str, expected: object) -> None:
    assert {getattr(incentive, name) for incentive in extract(text)} == {expected}


@pytest.mark.parametrize("text", NEGATIVE)
def test_no_incentive(text: str) -> None:
    assert extract(text) == ()


@pytest.mark.parametrize(("text", "name", "expected"), [pytest.param(*gap, marks=pytest.mark.xfail(strict=True)) for gap in GAPS])
def test_known_gaps(text: str, name: str, expected: object) -> None:
    assert field_of(text, name) == expected


@pytest.mark.parametrize(("text", "expected"), REAL + INVENTED)
def test_spans_quote_the_text(text: str, expected: list[tuple[object, ...]]) -> None:
    for incentive in extract(text):
        assert text[incentive.span.start : incentive.span.end] == incentive.span.quote
        assert incentive.span.quote.strip() == incentive.span.quote
        assert incentive.measure == "1"
        assert incentive.recipient_text is None or incentive.recipient_text in incentive.span.quote


def test_only_the_segment_is_read_and_offsets_are_into_the_whole_text() -> None:
    before, measure, after = "给予100万元补助。", "对新认定的省级高新区,一次性给予200万元奖励。", "给予300万元补助。"
    text = before + measure + after
    (incentive,) = find_incentives(text, segment_of(text, len(before), len(before) + len(measure)))
    assert incentive.amount is not None and incentive.amount.yuan == Decimal(2_000_000)
    assert incentive.span.start == len(before)
    assert text[incentive.span.start : incentive.span.end] == incentive.span.quote == measure.rstrip("。")


def test_amounts_are_decimal_yuan() -> None:
    (incentive,) = extract("对高新区内新认定的国家重点实验室给予1000万元一次性补助")
    assert incentive.amount is not None
    assert incentive.amount.surface == "1000万元"
    assert incentive.amount.yuan == Decimal(10_000_000)
    assert incentive.kind == "补助"


def analysis_texts() -> list[str]:
    """Return the sample documents roughly as the analysis text has them: simplified, folded."""
    opencc = pytest.importorskip("opencc")
    converter = opencc.OpenCC("t2s")
    fold = {ord(a): b for a, b in zip("（），；：％", "(),;:%", strict=True)} | {0xFF10 + d: str(d) for d in range(10)} | {0x3000: " "}
    return [converter.convert(path.read_text(encoding="utf-8")).translate(fold) for path in sorted(RAW.glob("*.txt"))]


@pytest.mark.skipif(not RAW.is_dir(), reason="no sample documents")
def test_real_sentences_come_from_the_samples() -> None:
    corpus = "\n".join(analysis_texts())
    for text, _ in REAL:
        assert text.rstrip("。") in corpus, text


@pytest.mark.skipif(not RAW.is_dir(), reason="no sample documents")
def test_whole_documents_give_checked_spans() -> None:
    for text in analysis_texts():
        found = extract(text)
        assert found
        for incentive in found:
            incentive.span.check(text)
            assert incentive.amount or incentive.minimum or incentive.maximum or incentive.rate_percent or incentive.kind


FRAGMENTS = [
    "对", "的", ",", "。", ";", "、", "给予", "予以", "按", "按照", "由", "最高", "不超过", "不少于", "一次性", "每年",
    "100万元", "5亿元", "二十万元", "10%", "1:1", "配套", "奖励", "补助", "资金", "经费", "支持", "高新区", "国家",
    "省级", "新认定", "新获批", "企业", "单位", "重点实验室", "高新技术企业", "根据", "建设一批", "加大", "力度", "以上",
    "-", "50", "万元", "其", "额度", "在", "基础上", "鼓励", "市", "财政", " ", "\n", "(", ")", "“", "”", "内",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=30))
def test_any_text_gives_checked_spans(parts: list[str]) -> None:
    text = "".join(parts)
    for incentive in extract(text):
        incentive.span.check(text)
        assert incentive.span.quote.strip() == incentive.span.quote
        assert all(money is None or money.yuan >= 0 for money in (incentive.amount, incentive.minimum, incentive.maximum))
