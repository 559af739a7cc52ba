"""Tests for the money clauses and responsibility lists of real documents from many provinces.

REAL sentences are copied from the development corpus (/work/shared/devcorpus/docs:
西安, 海南, 辽宁, 合肥, 河南, 广西, 四川 and national documents), simplified and folded
as the analysis text has them; expected values follow that corpus's gold files.
INVENTED sentences cover clause forms the corpus does not hold yet (capital numerals,
ranges with two units, per-person sums, matching ratios); they imitate 公文 wording.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from graph_build.extract.departments import find_departments
from graph_build.extract.incentives import find_incentives
from graph_build.records import Incentive, Segment, Span
from graph_build.text.script import analysis_view


def extract(text: str) -> tuple[Incentive, ...]:
    """Find the incentives of a text (as the analysis text has it) taken as one segment."""
    view = analysis_view(text)
    found = find_incentives(view, Segment("1", 2, "(一)", None, Span.of(text, 0, len(text))))
    for incentive in found:
        incentive.span.check(view)
    return found


def yuan(money: object) -> str | None:
    return None if money is None else format(money.yuan, "f")  # type: ignore[attr-defined]


def values(incentive: Incentive) -> tuple[object, ...]:
    """Reduce an incentive to (amount, minimum, maximum, rate, frequency) as the gold keys them."""
    rate = None if incentive.rate_percent is None else format(incentive.rate_percent, "f")
    return (yuan(incentive.amount), yuan(incentive.minimum), yuan(incentive.maximum), rate, incentive.frequency)


ONE, YEAR, ANY, UNIT = "one-time", "annual", "unspecified", "per-unit"

# fmt: off
REAL = [
    # ranges (西安 市政办发〔2018〕72号)
    ("对年工业产值首次突破10亿元的工业企业,分档给予20-500万元的一次性奖励。",
     [(None, "200000", "5000000", None, ONE)]),
    ("对每3年内产值由3亿元以下增加到5亿元以上,且年均增速20%以上的企业,连续三年分档给予100-200万元奖励。",
     [(None, "1000000", "2000000", None, YEAR)]),
    # rates with caps, the rate base after 给予 (海南, 合肥, 辽宁)
    ("对规模以上工业企业、高新技术企业设立并经认定为省级研发机构的,省、市县财政按照 55给予实际投入的 20%,最高 100万元补助",
     [(None, None, "1000000", "20", ANY), (None, None, "1000000", "20", ANY)]),
    ("对高新区重点发展产业项目的补助比例可适当放大,最高不超过20%,补助资金最高不超过4000万元。",
     [(None, None, "40000000", "20", ANY)]),
    ("对纳入区高新技术企业培育库的企业,按企业上一年度享受税前加计扣除政策的研发费用数额的10%给予补助,补助金额最高不超过5万元,补助年限最长不超过2年。",
     [(None, None, "50000", "10", YEAR)]),
    # per-unit sums (西安高新区)
    ("对分布式光伏发电项目,按照并网时间和发电量给予投资人0.25元/度发电补贴,补贴执行期限5年。",
     [("0.25", None, None, None, UNIT)]),
    ("按照装机容量给予屋顶产权人10万元/兆瓦一次性补贴,单个项目、同一屋顶产权人补贴不超过100万元。",
     [("100000", None, "1000000", None, ONE)]),
    # one incentive per listed recipient (西安高新区, 辽宁, 河南)
    ("对获得国家级绿色工厂、绿色设计产品、绿色供应链的企业,给予50万元的一次性奖励。",
     [("500000", None, None, None, ONE)] * 3),
    ("规模以上工业企业和服务业企业首次获得国家高新技术企业认定的,在国家高新技术企业认定奖励基础上,再给予一次性30万元奖励。",
     [("300000", None, None, None, ONE)] * 2),
    ("授予郑州高新技术产业集聚区等10个产业集聚区“2010年度河南省十强产业集聚区”、黎阳产业集聚区等10个产业集聚区"
     "“2010年度河南省十快产业集聚区”称号,并各奖励200万元资金,专项用于集聚区投融资平台建设。",
     [("2000000", None, None, None, ANY)] * 2),
    # traditional script, read through the analysis view (西安)
    ("對新增固定資產投入達到1000萬元以上的工業技術改造項目,按設備投資額的10%給予分檔補助,最高不超過500萬元。",
     [(None, None, "5000000", "10", ANY)]),
]

INVENTED = [
    ("对新认定的省级工程技术研究中心,给予100万元至300万元不等的资助。", [(None, "1000000", "3000000", None, ANY)]),
    ("对新引进的博士研究生,给予0.5万元/人的一次性生活补贴。", [("5000", None, None, None, ONE)]),
    ("对新认定的省级孵化器给予贰拾万元奖励。", [("200000", None, None, None, ANY)]),
    ("对获批的国家级众创空间,所在地财政按1:1比例给予配套支持。", [(None, None, None, "100", ANY)]),
    ("对高新技术企业研发费用按10%给予补助,单个企业每年最高不超过100万元。", [(None, None, "1000000", "10", YEAR)]),
]

# the gold's not_incentives: fund sizes, thresholds, land quotas, preferential tilts
NOT_INCENTIVES = [
    "2018—2021年累计安排各类支持工业发展的专项资金不低于30亿元,采取贷款贴息、奖励补助、融资引导等方式支持工业发展。",
    "通过市场化方式组建总规模100亿元的工业发展基金,加快布局重点工业领域基金群建设。",
    "成都高新区每年设立不少于5亿元的人才工作专项资金,用于重点产业领域高层次人才的引进和培育工作。",
    "对新引进固定资产投资5亿元以上的高技术工业项目和10亿元以上的新建重点工业项目,按照市政府“一事一议、一企一策”方式给予重点支持。",
    "在全国新增建设用地计划中安排一定指标予以奖励。",
    "在中央引导地方科技发展专项资金中根据绩效评价结果给予一定倾斜。",
    "设立“产业转型发展专项资金”,实行预算管理和总量控制。",
    "年销售收入50亿元以上规模的产业集群有13个,共实现销售收入3367亿元,其中超百亿元的8个。",
]

DETAILS = [
    ("对分布式光伏发电项目,按照并网时间和发电量给予投资人0.25元/度发电补贴。", "unit", "元/度"),
    ("按照装机容量给予屋顶产权人10万元/兆瓦一次性补贴。", "unit", "元/兆瓦"),
    ("对新引进的博士研究生,给予0.5万元/人的一次性生活补贴。", "unit", "元/人"),
    ("对高新区重点发展产业项目的补助比例可适当放大,最高不超过20%,补助资金最高不超过4000万元。", "rate_is_maximum", True),
    ("对纳入区高新技术企业培育库的企业,按企业上一年度享受税前加计扣除政策的研发费用数额的10%给予补助。", "rate_is_maximum", False),
    ("对规模以上工业企业设立并经认定为省级研发机构的,省、市县财政按照5:5给予实际投入的20%,最高100万元补助。", "ratio", "5:5"),
    ("对规模以上工业企业设立并经认定为省级研发机构的,省、市县财政按照5:5给予实际投入的20%,最高100万元补助。", "rate_base", "实际投入"),
    ("对获批的国家级众创空间,所在地财政按1∶1比例给予配套支持。", "ratio", "1:1"),
    ("对获得国家级绿色工厂、绿色设计产品、绿色供应链的企业,给予50万元的一次性奖励。", "recipient", "国家级绿色工厂企业"),
    ("对新认定的省级孵化器给予贰拾万元奖励。", "amount", Decimal(200000)),
]

GAPS = [
    # the sum is written after a sharing ratio whose colon the page lost: 按照 55 is not read as 5:5
    ("省、市县财政按照 55给予实际投入的 20%,最高 100万元补助", "ratio", "5:5"),
    # a sum per unit written before the unit (每平方米20元) is not read as per-unit
    ("对科技企业孵化器按实际孵化面积给予每平方米20元补贴。", "unit", "元/平方米"),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), REAL + INVENTED)
def test_money_clauses(text: str, expected: list[tuple[object, ...]]) -> None:
    assert [values(incentive) for incentive in extract(text)] == expected


@pytest.mark.parametrize("text", NOT_INCENTIVES)
def test_not_incentives_stay_out(text: str) -> None:
    assert [values(i) for i in extract(text) if i.amount or i.minimum or i.maximum or i.rate_percent is not None] == []


@pytest.mark.parametrize(("text", "name", "expected"), DETAILS)
def test_clause_details(text: str, name: str, expected: object) -> None:
    found = extract(text)
    value = getattr(found[0], name)
    assert (value.yuan if name == "amount" else value) == expected


@pytest.mark.parametrize(("text", "name", "expected"), [pytest.param(*gap, marks=pytest.mark.xfail(strict=True)) for gap in GAPS])
def test_known_gaps(text: str, name: str, expected: object) -> None:
    assert getattr(extract(text)[0], name) == expected


def test_money_keeps_its_surface_and_decimal() -> None:
    (incentive,) = extract("对新认定的省级工程技术研究中心,给予100万元至300万元不等的资助。")
    assert (incentive.minimum.surface, incentive.maximum.surface) == ("100万元", "300万元")  # type: ignore[union-attr]
    assert isinstance(incentive.maximum.yuan, Decimal)  # type: ignore[union-attr]


# ---- responsibility lists ----------------------------------------------------------

# fmt: off
DUTIES = [
    # 广西: labelled lists, the 自治区 prefix carried over the list, groups (各市人民政府) left out
    ("对新获批的国家高新区给予1000万元财政资金补助。(牵头单位:自治区科技厅;配合单位:各市人民政府,自治区发展改革委、工业和信息化厅、财政厅、"
     "自然资源厅、生态环境厅、市场监管局,广西税务局等)",
     [("自治区科技厅", "自治区科技厅", "lead"), ("自治区发展改革委", "自治区发展改革委", "supporting"),
      ("工业和信息化厅", "自治区工业和信息化厅", "supporting"), ("财政厅", "自治区财政厅", "supporting"),
      ("自然资源厅", "自治区自然资源厅", "supporting"), ("生态环境厅", "自治区生态环境厅", "supporting"),
      ("市场监管局", "自治区市场监管局", "supporting"), ("广西税务局", "广西税务局", "supporting")]),
    # 西安: a bare trailing list of bodies
    ("对新增固定资产投入达到1000万元以上的工业技术改造项目,按设备投资额的10%给予分档补助,最高不超过500万元。(市工信委、市财政局)",
     [("市工信委", "市工信委", None), ("市财政局", "市财政局", None)]),
    # 国办发〔2018〕117号: 会同
    ("在中央预算内投资既有专项中予以倾斜支持。(教育部会同有关部门负责)", [("教育部", "教育部", "lead")]),
    # national replies: 由A、B、C负责
    ("各区块的界址点坐标由科技部、国土资源部、住房城乡建设部负责发布。",
     [("科技部", "科技部", None), ("国土资源部", "国土资源部", None), ("住房城乡建设部", "住房城乡建设部", None)]),
    # invented: X牵头,Y配合 with a 省 prefix
    ("(省科技厅牵头,财政厅、教育厅配合)",
     [("省科技厅", "省科技厅", "lead"), ("财政厅", "省财政厅", "supporting"), ("教育厅", "省教育厅", "supporting")]),
]

NOT_DEPARTMENTS = [
    "漳州市人民政府、省科技厅:\n你们报来的请示收悉。",   # the addressee line
    "同意。\n江西省科学技术厅\n2014年5月6日",          # a signature
    "加快高新区建设(以下简称高新区)。",                # a bracket that lists no bodies
]

DEPARTMENT_GAPS = [
    # a sub-unit (处) of a commission named as the body to write to
    ("公众如有意见和建议可通过传真、信函、来访等方式向湖南省发展和改革委员会园区发展处反映。", "湖南省发展和改革委员会园区发展处"),
]
# fmt: on


def departments(text: str) -> list[tuple[str, str, str | None]]:
    view = analysis_view(text)
    found = find_departments(view, Segment("1", 2, "(一)", None, Span.of(text, 0, len(text))))
    for mention in found:
        mention.span.check(view)
    return [(d.span.quote, d.name, d.duty) for d in found]


@pytest.mark.parametrize(("text", "expected"), DUTIES)
def test_listed_bodies_with_their_duty(text: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert departments(text) == expected


@pytest.mark.parametrize("text", NOT_DEPARTMENTS)
def test_addressees_signatures_and_other_brackets_are_no_departments(text: str) -> None:
    assert departments(text) == []


@pytest.mark.parametrize(("text", "name"), [pytest.param(*gap, marks=pytest.mark.xfail(strict=True)) for gap in DEPARTMENT_GAPS])
def test_department_gaps(text: str, name: str) -> None:
    assert name in [n for _, n, _ in departments(text)]
