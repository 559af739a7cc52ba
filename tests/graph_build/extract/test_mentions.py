"""Tests for graph_build.extract.mentions.

Real sentences are copied from data/raw (000 and 004 converted to simplified
script, full-width ASCII folded, as the analysis text is); invented ones are
written in the style of other provinces' documents to check the rules generalise.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from graph_build.extract.mentions import find_departments, find_industries, find_provisions, find_targets, find_zones
from graph_build.records import Segment, Span


def segment_of(text: str) -> Segment:
    """Return a segment covering the whole text."""
    return Segment(path="1", level=2, number="(一)", heading=None, span=Span.of(text, 0, len(text)))


def assert_spans(records: tuple, text: str) -> None:
    """Assert every record quotes the text at its offsets and names the measure."""
    for record in records:
        assert record.span.quote == text[record.span.start : record.span.end]
        assert record.measure == "1"


# ---- departments ---------------------------------------------------------------

# fmt: off
RESPONSIBLE = [
    # 云南 (002)
    ("(省发展改革委、省工业和信息化厅、省教育厅、省科技厅、省财政厅,各高新区管委会按照职责分工负责)",
     ["省发展改革委", "省工业和信息化厅", "省教育厅", "省科技厅", "省财政厅"]),
    ("(省委组织部,省科技厅、省公安厅、省人力资源社会保障厅、省卫生健康委、省住房城乡建设厅、省外办,有关州、市人民政府,各高新区管委会按照职责分工负责)",
     ["省委组织部", "省科技厅", "省公安厅", "省人力资源社会保障厅", "省卫生健康委", "省住房城乡建设厅", "省外办"]),
    ("(省科技厅、省财政厅、省地方金融监管局、云南银保监局、云南证监局、人民银行昆明中心支行按照职责分工负责)",
     ["省科技厅", "省财政厅", "省地方金融监管局", "云南银保监局", "云南证监局", "人民银行昆明中心支行"]),
    ("(省发展改革委、省工业和信息化厅、省科技厅、省自然资源厅、省生态环境厅、省商务厅、昆明海关,有关州、市人民政府,各高新区管委会按照职责分工负责)",
     ["省发展改革委", "省工业和信息化厅", "省科技厅", "省自然资源厅", "省生态环境厅", "省商务厅", "昆明海关"]),
    ("(省科技厅、省财政厅、省自然资源厅、省统计局,有关州、市人民政府,各高新区管委会按照职责分工负责)",
     ["省科技厅", "省财政厅", "省自然资源厅", "省统计局"]),
    ("(省直有关部门,有关州、市人民政府,各高新区管委会按照职责分工负责)", []),
    # 河北 (004)
    ("(省科技厅负责)", ["省科技厅"]),
    ("(省科技厅、省发展改革委按职责分工负责)", ["省科技厅", "省发展改革委"]),
    ("(省科技厅,各市、县政府,雄安新区管委会按职责分工负责。以下均需各市县政府、雄安新区管委会负责,不再列出)",
     ["省科技厅", "雄安新区管委会"]),
    ("(省委组织部、省委编办,省人力资源社会保障厅、省科技厅按职责分工负责)",
     ["省委组织部", "省委编办", "省人力资源社会保障厅", "省科技厅"]),
    ("(省科技厅、省发展改革委、省委军民融合办、省市场监管局按职责分工负责)",
     ["省科技厅", "省发展改革委", "省委军民融合办", "省市场监管局"]),
    ("(省政务服务管理办公室、省发展改革委、省科技厅、省市场监管局、省自然资源厅按职责分工负责)",
     ["省政务服务管理办公室", "省发展改革委", "省科技厅", "省市场监管局", "省自然资源厅"]),
    ("(省地方金融监管局、河北银保监局、河北证监局、省科技厅按职责分工负责)",
     ["省地方金融监管局", "河北银保监局", "河北证监局", "省科技厅"]),
    ("(省开发区改革发展领导小组办公室负责)", ["省开发区改革发展领导小组办公室"]),
    ("(省开发区改革发展领导小组成员单位按职责分工负责)", []),
    # invented, other provinces
    ("(省科学技术厅、省财政厅按职责分工负责)", ["省科学技术厅", "省财政厅"]),
    ("(由省科技厅负责)", ["省科技厅"]),
    ("【责任单位:省科技厅、省财政厅按职能分工负责】", ["省科技厅", "省财政厅"]),
    ("(省科技厅牵头,省发展改革委、省财政厅配合)", ["省科技厅", "省发展改革委", "省财政厅"]),
    ("(牵头单位:省科技厅;配合单位:省财政厅、省教育厅)", ["省科技厅", "省财政厅", "省教育厅"]),
    ("(自治区科技厅、自治区财政厅,各设区市人民政府按职责分工负责)", ["自治区科技厅", "自治区财政厅"]),
    ("(省经济和信息化厅、省科技厅,各市(州)、县(市、区)政府按职责分工负责)", ["省经济和信息化厅", "省科技厅"]),
    ("责任单位:省科技厅、省经济和信息化厅、各设区市人民政府\n", ["省科技厅", "省经济和信息化厅"]),
]

ACTORS = [
    # 甘肃 (001)
    ("对新获批的国家高新区,由省科技厅会同高新区所在市(州)政府,商省财政厅,采取“一事一议”方式,报请省政府审议后,于下年度由省级财政一次性给予不少于5000万元奖励。",
     ["省科技厅", "省财政厅"]),
    ("鼓励高新区内创新主体申报各类省级科技计划项目及创新平台项目,高新区管理机构可直接向省科技厅推荐。", ["省科技厅"]),
    ("支持高新区与省科技厅共同设立联合科研基金项目,引导高校、科研院所与企业联合开展应用基础研究及关键技术攻关。", ["省科技厅"]),
    ("省科技厅会同省级有关部门,统筹做好高新区规划布局、区域合作、协同创新、产业发展和政策支持等相关工作。", ["省科技厅"]),
    ("对新认定的省级高新区,由省科技厅于下年度一次性给予200万元奖励。", ["省科技厅"]),
    # no bodies
    ("省级经济管理权限全部下放国家高新区,州、市级经济管理权限全部下放省级高新区;不得下放的,建立国家高新区向省直有关部门直报请批机制。", []),
    ("抢抓中东部产业向西转移历史机遇,发挥山东、天津科技人才优势,立足我省帮扶地区资源禀赋,"
     "推动我省帮扶地区特色产业与东部先进技术融合对接,争取资金、团队、技术、项目向我省帮扶地区高新区聚集。", []),
    ("为深入贯彻省委、省政府关于壮大园区经济的决策部署,"
     "加快把高新区打造成为创新驱动示范区、新质生产力引领区、高质量发展先行区,特制定本方案。", []),
    ("规划建设一批外国专家公寓,省财政资金给予奖励性补助,提升国际高端人才的服务水平。", []),
    # invented
    ("由自治区科技厅会同自治区财政厅组织评审。", ["自治区科技厅", "自治区财政厅"]),
    ("四川省科学技术厅每年发布高新区评价结果,省市场监管局配合做好统计。", ["四川省科学技术厅", "省市场监管局"]),
    ("省重点实验室认定办法由省科技厅制定,优化省重点产业布局,依托省政务服务大厅办理。", ["省科技厅"]),
]
# fmt: on


@pytest.mark.parametrize(("text", "names"), RESPONSIBLE)
def test_responsible_bodies_are_the_listed_specific_ones(text: str, names: list[str]) -> None:
    found = find_departments(text, segment_of(text))
    assert_spans(found, text)
    assert [d.name for d in found if d.role == "responsible"] == names
    assert [d.name for d in found if d.role == "actor"] == []


@pytest.mark.parametrize(("text", "names"), ACTORS)
def test_actors_are_provincial_bodies_named_in_the_text(text: str, names: list[str]) -> None:
    found = find_departments(text, segment_of(text))
    assert_spans(found, text)
    assert [(d.name, d.role) for d in found] == [(name, "actor") for name in names]


def test_a_measure_with_both_roles_keeps_them_apart() -> None:
    text = "支持高新区与省科技厅共同设立联合科研基金项目。(省科技厅、省财政厅负责)"
    found = find_departments(text, segment_of(text))
    assert [(d.name, d.role) for d in found] == [
        ("省科技厅", "actor"),
        ("省科技厅", "responsible"),
        ("省财政厅", "responsible"),
    ]


# ---- zones ---------------------------------------------------------------------

GANSU_ZONES = (
    "兰州高新区重点发展生物医药、新材料等产业;白银高新区重点发展循环化工、生物医药等产业;"
    "嘉峪关高新区重点发展有色金属冶炼加工、装备制造等产业;金昌高新区重点发展有色金属新材料、新能源电池等产业;"
    "张掖高新区重点发展农副产品加工、生物制药等产业;平凉高新区重点发展智能制造、农副产品加工等产业;"
    "定西高新区重点发展新型环保建材、装备制造等产业;民乐高新区重点发展农副产品加工、生物制药等产业;"
    "玉门高新区重点发展装备制造、石油化工等产业;陇西高新区重点发展中医药、铝冶炼及制品等产业;"
    "庆城高新区重点发展农副产品加工、能源化工等产业。"
)

# fmt: off
ZONES = [
    (GANSU_ZONES, [
        ("兰州高新区", None, ("生物医药", "新材料")),
        ("白银高新区", None, ("循环化工", "生物医药")),
        ("嘉峪关高新区", None, ("有色金属冶炼加工", "装备制造")),
        ("金昌高新区", None, ("有色金属新材料", "新能源电池")),
        ("张掖高新区", None, ("农副产品加工", "生物制药")),
        ("平凉高新区", None, ("智能制造", "农副产品加工")),
        ("定西高新区", None, ("新型环保建材", "装备制造")),
        ("民乐高新区", None, ("农副产品加工", "生物制药")),
        ("玉门高新区", None, ("装备制造", "石油化工")),
        ("陇西高新区", None, ("中医药", "铝冶炼及制品")),
        ("庆城高新区", None, ("农副产品加工", "能源化工")),
    ]),
    ("推动石家庄、保定高新区国家科技服务业创新发展区域试点建设。",
     [("石家庄高新区", None, ()), ("保定高新区", None, ())]),
    ("加强对创建国家高新区工作的统筹和指导,强化地市创建国家高新区主体责任,推动沧州、衡水、张家口高新区率先升级,推进邯郸、邢台高新区创建工作,加快实现国家高新区地市全覆盖。",
     [("沧州高新区", None, ()), ("衡水高新区", None, ()), ("张家口高新区", None, ()),
      ("邯郸高新区", None, ()), ("邢台高新区", None, ())]),
    # invented, other provinces
    ("合肥高新区重点发展集成电路、人工智能等产业。", [("合肥高新区", None, ("集成电路", "人工智能"))]),
    ("支持西安高新技术产业开发区建设世界一流高科技园区。", [("西安高新区", None, ())]),
    ("支持昆明国家高新区、玉溪国家高新区争创一流。",
     [("昆明高新区", "national", ()), ("玉溪高新区", "national", ())]),
    ("推动宝鸡省级高新区以升促建,克拉玛依高新区以石油化工、新材料为主导产业。",
     [("宝鸡高新区", "provincial", ()), ("克拉玛依高新区", None, ("石油化工", "新材料"))]),
    ("甘肃省定西高新技术产业开发区将重点打造绿色食品加工产业、现代制药产业集群。",
     [("定西高新区", None, ("绿色食品加工", "现代制药"))]),
]

GENERIC_ZONES = [
    "支持高新区创建创优,对新获批的国家高新区给予一次性最高1000万元研发经费支持,对新获批的省级高新区一次性给予500万元研发经费支持。",
    "支持国家高新区和发展水平较高的省级高新区整合或托管区位相邻、产业相近、分布零散的产业园区,打造集中连片、协同互补、联合发展的创新共同体。",
    "支持高新区发挥区域创新重要节点作用,更好服务和融入国家和我省发展战略,加强与东部发达地区高新区的交流协作,建立科技创新合作机制,引入省内外知名高校、科研院所和企业在高新区建设新型研发机构。",
    "鼓励省内高新区加强对接合作,探索异地孵化、飞地经济、伙伴园区等多种合作机制。",
    "在高新区复制推广滇中新区、中国(云南)自由贸易试验区等有关改革试点政策。",
    "强化正向激励,对先进高新区给予表扬奖励,发展空间不足的,支持扩区;加大惩戒力度,对落后高新区通报批评,对主要负责人和相关责任人进行调整,暂停省级高新区资格。",
    "积极培育省级高新区,支持省级高新区“以升促建”申报国家高新区。",
    "为深入贯彻落实《国务院关于促进国家高新技术产业开发区高质量发展的若干意见》(国发〔2020〕7号)、《“十四五”国家高新技术产业开发区发展规划》(国科发区〔2022〕264号)和省第十四次党代会精神,大力实施“强科技、强工业、强省会、强县域”行动,按照“做高位势、做强存量、做大增量”发展导向,推动全省高新技术产业开发区(以下简称高新区)高质量发展,加快成为助力科技自立自强的创新高地,更具吸引力的人才高地,具有较强竞争力的产业高地,高水平的开放高地,制度与政策创新的改革高地,充分发挥示范引领和辐射带动作用,提出如下措施。",
    "高新区所在州(市)党委、政府领导班子成员兼任高新区管委会主要领导。",
    "依托雄安新区,积极争取国家实验室布局,培育建设一批国家重点实验室、国家技术创新中心、国家工程研究中心等国家级创新平台和重大科技基础设施。",
    "加大高新区绿色发展的指标权重,推动高新区传统产业绿色化转型。",
    "立足区域资源禀赋和本地基础条件,发挥比较优势,因地制宜、因园施策,每家高新区应明确2个以内重点发展的特色主导产业,加强区域内创新资源配置和产业发展统筹,优先布局相关重大产业项目,推动形成集聚效应和品牌优势,避免趋同化。",
    "对纳入应用场景试点的项目承担单位,由所在高新区按项目投资额30%予以支持,最高2000万元。",
    "统筹考虑高新区用地需求,优先安排高新区创新创业平台建设用地。",
    "支持高新区设立“飞地”园区,享受高新区各项优惠政策,吸纳区内外优质科技资源,加强科技成果转移转化。",
    "省科技厅统筹研究高新区发展的重大问题,指导全省高新区高质量发展。",
    "省级主管部门牵头,每季度召开高新区高质量发展推进会,围绕企业创新能力提升、科技成果转移转化、重大科技项目谋划等,安排部署重点工作,交流分享发展经验。",
    # invented (四川 style)
    "到2025年,建成国家高新区10个,省级高新区25个,打造营业收入超万亿元高新区1个。",
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), ZONES)
def test_named_zones_with_level_and_industries(text: str, expected: list) -> None:
    found = find_zones(text, segment_of(text))
    assert_spans(found, text)
    assert [(z.name, z.level, z.industries) for z in found] == expected


@pytest.mark.parametrize("text", GENERIC_ZONES)
def test_generic_uses_of_gaoxinqu_are_no_zones(text: str) -> None:
    assert find_zones(text, segment_of(text)) == ()


def test_coordinated_zones_get_their_own_spans() -> None:
    text = "推动石家庄、保定高新区国家科技服务业创新发展区域试点建设。"
    assert [z.span.quote for z in find_zones(text, segment_of(text))] == ["石家庄", "保定高新区"]


# ---- industries ----------------------------------------------------------------

# fmt: off
INDUSTRIES = [
    ("高新区要找准定位,围绕生物医药、先进制造、新材料、烟草及配套、食品与消费品加工等,明确着力发展的特色主导产业,加强创新资源配置和产业集聚,提升产业整体竞争力,打造优势产业集群。",
     ["生物医药", "先进制造", "新材料", "烟草及配套", "食品与消费品加工"]),
    ("面向国家战略和产业发展需求,支持高新区在新一代信息技术、生物医药、高端装备制造、新能源、新材料、节能环保等战略性新兴产业领域,开展联合研究和创新攻关,著力形成一批“杀手锏技术”,重点攻克一批“卡脖子技术”,超前布局一批“制高点技术”。",
     ["新一代信息技术", "生物医药", "高端装备制造", "新能源", "新材料", "节能环保"]),
    ("支持高新区前瞻发展人工智能、新一代通信、生物技术、前沿新材料、氢能、冰雪科技等未来产业,布局发展跨界产业“新赛道”。",
     ["人工智能", "新一代通信", "生物技术", "前沿新材料", "氢能", "冰雪科技"]),
    ("支持高新区瞄准合成生物、细胞治疗、低空经济、新型储能、人工智能等领域,探索建设未来产业先导区,争创国家级未来产业先导区。",
     ["合成生物", "细胞治疗", "低空经济", "新型储能", "人工智能"]),
    ("支持高新区做强云计算、大数据、物联网、人工智能等产业,加强区块链技术应用开发,打造数字经济发展高地。",
     ["云计算", "大数据", "物联网", "人工智能"]),
    ("支持高新区面向全球招才引智,聚焦人工智能、新一代信息通信、前沿材料等未来产业,引进一批国际高端创新人才和团队。",
     ["人工智能", "新一代信息通信", "前沿材料"]),
    # invented, other provinces
    ("重点发展新一代信息技术、高端装备和新材料产业。", ["新一代信息技术", "高端装备", "新材料"]),
    ("聚焦集成电路、新型显示、生物医药等主导产业,打造千亿级产业集群。", ["集成电路", "新型显示", "生物医药"]),
    ("支持高新区聚焦集成电路、生物医药以及新能源汽车等千亿级产业集群。", ["集成电路", "生物医药", "新能源汽车"]),
]

NOT_INDUSTRIES = [
    "在就医、住房、出入境通关便利等方面提供“一站式”服务。",
    # decision: areas of cooperation (…等领域的技术合作) are not priority industries
    "支持高新区加强与“一带一路”沿线国家在生物医药、资源开发、软件服务等领域的技术合作,加快建立科技园区、创新孵化器和中小型企业合作网络,强化人才、技术和资本等创新要素交流。",
    "支持高新区发展联通上下游提升产业链水平、强化产业生态系统的项目,运用工业互联网、物联网、大数据、人工智能等新技术改造提升传统产业,推动特色主导产业“延链、补链、强链”。",
    "加快推进政务、交通、医疗、教育等领域数字化建设。",
    "提供原理验证、场景验证、商业验证、工艺创新、试制生产等产业创新服务。",
    "聚焦加快发展八大重点产业、打造世界一流“三张牌”、建设“数字云南”、培育万亿级支柱产业、千亿级优势产业,围绕产业链部署创新链,围绕创新链布局产业链,推进产学研深度融合,推动产业链优化升级,着力提升高新技术产业占比,将高新区建设成为创新驱动发展示范区和高质量发展先行区,在加大研发投入、建设研发平台、培育高新技术企业、发展高新技术产业、促进科技成果转化、优化营商环境等方面走在全省前列。",
    "培育形成若干以科技领军企业为龙头、关键核心技术自主可控、大中小企业融通发展的产业集群。",
    "各市(州)、县(市、区)政府要切实承担高新区建设主体责任,出台支持高新区高质量发展的具体措施,在资金投入、重大项目布局、政策激励等方面全力支持,给予高新区充分的财政、土地、金融等政策保障。",
    "着力发展高新技术产业和战略性新兴产业,强化示范带动作用。",
    GANSU_ZONES,  # the industries there belong to the zones
]
# fmt: on


@pytest.mark.parametrize(("text", "names"), INDUSTRIES)
def test_priority_industries_one_span_each(text: str, names: list[str]) -> None:
    found = find_industries(text, segment_of(text))
    assert_spans(found, text)
    assert [i.name for i in found] == names
    assert all(i.span.quote == i.name for i in found)


@pytest.mark.parametrize("text", NOT_INDUSTRIES)
def test_lists_of_non_industries_are_skipped(text: str) -> None:
    assert find_industries(text, segment_of(text)) == ()


# ---- targets -------------------------------------------------------------------

HEBEI_GOALS = (
    "(三)发展目标。到2025年,全省高新区创新能力明显提升,创新驱动发展的路径基本形成,研发投入强度达到全省平均水平的3倍以上,"
    "高新技术企业数量占全省比例超过35%;综合实力明显增强,国家高新区数量达到7家以上,省级以上高新区数量达到35家,"
    "主营业务收入超千亿的高新区达到9家;产业结构明显优化,新业态和新经济不断涌现,"
    "高新技术产业增加值占规模以上工业增加值比重达到55%,培育出一批“瞪羚企业”和“独角兽企业”;发展环境明显改善,"
    "深度融入京津冀协同发展,管理体制更加精简高效,高质量发展营商环境全面优化,综合创新创业生态体系初步形成。"
)

# fmt: off
TARGETS = [
    (HEBEI_GOALS, [
        ("研发投入强度", ">=", Decimal(3), "倍", 2025),
        ("高新技术企业数量占全省比例", ">", Decimal(35), "%", 2025),
        ("国家高新区数量", ">=", Decimal(7), "家", 2025),
        ("省级以上高新区数量", ">=", Decimal(35), "家", 2025),
        ("主营业务收入超千亿的高新区数量", ">=", Decimal(9), "家", 2025),
        ("高新技术产业增加值占规模以上工业增加值比重", ">=", Decimal(55), "%", 2025),
    ]),
    ("对“新增高新技术企业数”逐年提升的省级高新区在年度考核评价通报中予以表扬,不断壮大创新型企业规模,高新技术企业数占企业总数的比例达到10%以上。",
     [("高新技术企业数占企业总数的比例", ">=", Decimal(10), "%", None)]),
    ("每个主导产业至少建立1家科技企业孵化器,并探索和推动持股孵化及市场化运行机制。",
     [("科技企业孵化器数量", ">=", Decimal(1), "家", None)]),
    # decision: a range gives a lower and an upper bound (sentence from 001)
    ("鼓励高新区结合区位特点、资源禀赋、产业基础、环境容量等因素确定2-3个主导产业,走差异化特色产业发展道路,提升主导产业集中度达到60%以上。",
     [("主导产业数量", ">=", Decimal(2), "个", None), ("主导产业数量", "<=", Decimal(3), "个", None),
      ("主导产业集中度", ">=", Decimal(60), "%", None)]),
    ("立足区域资源禀赋和本地基础条件,发挥比较优势,因地制宜、因园施策,每家高新区应明确2个以内重点发展的特色主导产业,加强区域内创新资源配置和产业发展统筹,优先布局相关重大产业项目,推动形成集聚效应和品牌优势,避免趋同化。",
     [("重点发展的特色主导产业数量", "<=", Decimal(2), "个", None)]),
    # invented; decision: money targets are valued in yuan
    ("到2025年,全省高新区营业收入突破2万亿元,国家级高新区达到10家。",
     [("营业收入", ">", Decimal("2000000000000"), "元", 2025), ("国家级高新区数量", ">=", Decimal(10), "家", 2025)]),
    ("到2025年,建成国家高新区10个,省级高新区25个,打造营业收入超万亿元高新区1个、超千亿元高新区15个以上。",
     [("国家高新区数量", ">=", Decimal(10), "个", 2025), ("省级高新区数量", ">=", Decimal(25), "个", 2025),
      ("营业收入超万亿元高新区数量", ">=", Decimal(1), "个", 2025), ("超千亿元高新区数量", ">=", Decimal(15), "个", 2025)]),
    ("至2030年,高新区研发经费投入强度力争达到4.5%,高新技术企业数量年均增长15%以上。",
     [("高新区研发经费投入强度", ">=", Decimal("4.5"), "%", 2030),
      ("高新技术企业数量年均增长", ">=", Decimal(15), "%", 2030)]),
    ("到2025年,国家高新区达到10家、省级高新区达到40家左右。",
     [("国家高新区数量", ">=", Decimal(10), "家", 2025), ("省级高新区数量", "=", Decimal(40), "家", 2025)]),
    ("2027年底前,全省高新技术企业不少于1.5万家。",
     [("高新技术企业数量", ">=", Decimal(15000), "家", 2027)]),
]

NOT_TARGETS = [
    "其项目(课题)资金额度300万元以上在甘落地的,按10%给予奖励,最高额度可达300万元。",
    "对进入全国排名前40、年度排名提升10位以上的国家高新区分别一次性给予1000万元、500万元研发经费支持。",
    "对连续2次评价不合格的省级高新区,报请省政府批准后,取消省级高新区资格。",
    "到2028年,全省高新区改革攻坚创新突破的各级各类体制机制基本建立,形成一批创新性工作抓手与标志性工作载体,科技成果、科技人才、科技平台、科技企业等优质创新资源加速向高新区汇聚。",
    "加大高新技术企业认定奖补力度,由所在高新区在省级补助的基础上给予不低于1:1配套奖励。",
    "按前期研发投入20%给予不超过1000万元补助,同等类型按“就高不就低”原则进行奖补。",
    "对采购方按照成交金额的10%给予补助,最高可补助500万元。",
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), TARGETS)
def test_targets_with_indicator_comparator_value_unit_year(text: str, expected: list) -> None:
    found = find_targets(text, segment_of(text))
    assert_spans(found, text)
    assert [(t.indicator, t.comparator, t.value, t.unit, t.year) for t in found] == expected


@pytest.mark.parametrize("text", NOT_TARGETS)
def test_money_grants_conditions_and_dates_are_no_targets(text: str) -> None:
    assert find_targets(text, segment_of(text)) == ()


def test_target_span_covers_indicator_and_value() -> None:
    text = "到2025年,国家高新区数量达到7家以上。"
    (target,) = find_targets(text, segment_of(text))
    assert target.span.quote == "国家高新区数量达到7家以上"


# ---- provisions ----------------------------------------------------------------

# fmt: off
PROVISIONS = [
    ("在高新区内企业工作的境外高端人才,经州、市以上人民政府科技行政部门(外国人来华工作管理部门)批准,申请工作许可的年龄可放宽至65岁。",
     [("age-limit", "<=", Decimal(65), "岁")]),
    ("在高新区内企业工作的外国人才,可按规定申办5年以内的居留许可。",
     [("residence-permit", "<=", Decimal(5), "年")]),
    ("对高新区内企业首次获批高新技术企业认定和3年有效期满重新获认定的,给予省级财政经费补助。",
     [("validity-period", "=", Decimal(3), "年")]),
    ("省属高校、院所科技人员携带科技成果到高新区申请离岗创办企业的,经所在事业单位批准,可在3年内保留人事关系,期满后创办企业尚未实现盈利的可以申请延长1次,延长期不超过3年,期间要求返回原单位的,按不低于原岗位等级安排工作。",
     [("retention-period", "<=", Decimal(3), "年"), ("extension-count", "<=", Decimal(1), "次"),
      ("extension-period", "<=", Decimal(3), "年")]),
    # invented, other provinces
    ("外籍高层次人才可签发5年有效期的人才签证。", [("visa", "<=", Decimal(5), "年")]),
    ("科研人员离岗创业期限不超过3年,可延长一次。",
     [("off-post-period", "<=", Decimal(3), "年"), ("extension-count", "<=", Decimal(1), "次")]),
    ("急需紧缺的外籍专业人才,年龄可放宽至60周岁。", [("age-limit", "<=", Decimal(60), "岁")]),
]

NOT_PROVISIONS = [
    "对连续2次评价不合格的省级高新区,报请省政府批准后,取消省级高新区资格。",
    "按照“三年见效、五年成势”的思路要求,推动高新区加快形成机制高效有力、创新引擎强劲、产业集群集聚、开放生态活跃的发展新格局,实现全省高新区高质量发展。",
    "对新认定的高新技术企业、省级科技创新型企业分别给予一次性奖补20万元、5万元,将“新增高新技术企业数”“高新技术产业营业收入及增速”“高新技术企业新增从业人员数”等指标作为省级高新区年度考核评价指标,对“新增高新技术企业数”逐年提升的省级高新区在年度考核评价通报中予以表扬,不断壮大创新型企业规模,高新技术企业数占企业总数的比例达到10%以上。",
    "在高新区内企业工作的境外高端人才,经州、市以上人民政府科技行政部门(外国人来华工作管理部门)批准",
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), PROVISIONS)
def test_numeric_provisions_by_kind(text: str, expected: list) -> None:
    found = find_provisions(text, segment_of(text))
    assert_spans(found, text)
    assert [(p.kind, p.comparator, p.value, p.unit) for p in found] == expected


@pytest.mark.parametrize("text", NOT_PROVISIONS)
def test_numbers_without_a_provision_noun_are_skipped(text: str) -> None:
    assert find_provisions(text, segment_of(text)) == ()


# ---- segments ------------------------------------------------------------------


def test_finders_look_only_inside_the_segment_and_give_whole_text_offsets() -> None:
    before = "(省教育厅负责)兰州高新区重点发展化工等产业。"
    inside = "白银高新区重点发展循环化工、生物医药等产业,到2025年高新技术企业达到100家。(省科技厅负责)"
    text = before + inside + "(省财政厅负责)"
    segment = Segment(path="2.1", level=2, number="(二)", heading=None, span=Span.of(text, len(before), len(before) + len(inside)))
    departments = find_departments(text, segment)
    zones = find_zones(text, segment)
    targets = find_targets(text, segment)
    assert [d.name for d in departments] == ["省科技厅"]
    assert [z.name for z in zones] == ["白银高新区"]
    assert [(t.indicator, t.value, t.year) for t in targets] == [("高新技术企业数量", Decimal(100), 2025)]
    for record in departments + zones + targets:
        assert record.measure == "2.1"
        assert record.span.start >= len(before)
        assert text[record.span.start : record.span.end] == record.span.quote


# ---- known gaps ----------------------------------------------------------------


def test_zone_named_without_gaoxin_keeps_its_kind() -> None:
    text = "支持武汉东湖新技术开发区建设世界一流高科技园区。"
    assert [z.name for z in find_zones(text, segment_of(text))] == ["武汉东湖新技术开发区"]


@pytest.mark.xfail(strict=True, reason="a zone name longer than five characters is cut at 和")
def test_gap_long_zone_name() -> None:
    text = "支持呼和浩特金山高新区发展。"
    assert [z.name for z in find_zones(text, segment_of(text))] == ["呼和浩特金山高新区"]


@pytest.mark.xfail(strict=True, reason="municipal bodies (市科委) of the directly governed cities are not actors")
def test_gap_municipal_actors() -> None:
    text = "由市科委会同市财政局组织实施。"
    assert [d.name for d in find_departments(text, segment_of(text))] == ["市科委", "市财政局"]


@pytest.mark.xfail(strict=True, reason="targets in words (翻一番) carry no digits")
def test_gap_targets_in_words() -> None:
    text = "到2025年,高新技术企业数量翻一番。"
    assert [t.value for t in find_targets(text, segment_of(text))] == [Decimal(2)]


@pytest.mark.xfail(strict=True, reason="a verb shared by a list of counts only reaches the first")
def test_gap_shared_count_verb() -> None:
    text = "到2025年,培育12家千亿级企业、10家百亿级企业。"
    assert [t.value for t in find_targets(text, segment_of(text))] == [Decimal(12), Decimal(10)]
