"""Policy instruments: cue-word rules code measures with Rothwell & Zegveld types, with evidence, overridable by a person."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gaoxin_kg.cli import main
from graph_build.build import driver
from graph_build.extract.annotate import AnnotationError, read_annotation
from graph_build.records import Segment, Span
from graph_build.research import instruments
from graph_build.text.script import analysis_view
from graph_build.text.segment import leaves

DATA = Path(__file__).parents[3] / "tests" / "data" / "seeds"


def types_of(text: str) -> set[str]:
    """Code one invented or quoted measure and return its instrument types."""
    segment = Segment("1", 2, None, None, Span.of(text, 0, len(text)))
    return {c.instrument for c in instruments.code_measure(analysis_view(text), text, segment)}


# fmt: off
SENTENCES = [
    # real sentences of the seed corpus
    ("对高新区内新认定的国家重点实验室给予1000万元一次性补助；对省级重点实验室建设期内每年给予100万元补助。", {"资金投入", "技术支持"}),
    ("在高新区内企业工作的境外高端人才，经州、市以上人民政府科技行政部门（外国人来华工作管理部门）批准，申请工作许可的年龄可放宽至65岁。",
     {"海外交流", "法规管制"}),
    ("支持高新区围绕新兴产业、特色主导产业，以“揭榜制”等方式组织开展关键技术攻关和成果转化应用，面向国内外征集解决方案。", {"策略性措施", "技术支持"}),
    ("支持金融机构在高新区开展知识产权质押融资和信贷业务，实施“风险金池+科创贷”，强化科技金融合作。", {"金融支持"}),
    ("符合条件的高新区可以申请扩大区域范围和面积。统筹考虑高新区用地需求，优先安排高新区创新创业平台建设用地。", {"基础设施"}),
    ("到2025年，全省高新区创新能力明显提升，研发投入强度达到全省平均水平的3倍。", {"目标规划", "资金投入"}),
    ("支持高新区创建国家和省级生态工业示范园区，禁止高污染、高耗能、高排放企业入驻。", {"示范应用", "法规管制"}),
    ("全面推行“管委会+事业单位+公司”或者“管委会+公司”模式。", {"服务外包"}),
    # invented, in other provinces' styles
    ("对企业研发费用按规定落实加计扣除政策，高新技术企业减按15%的税率征收企业所得税。", {"税收优惠", "技术支持"}),
    ("鼓励政府采购首台（套）重大技术装备，对首购产品给予支持。", {"政府采购"}),
    ("通过政府购买服务方式，委托第三方专业机构开展园区评估。", {"服务外包", "法规管制"}),
    ("设立省级高新区发展引导基金，支持科技型企业在科创板上市融资。", {"金融支持"}),
    ("建设一站式政务服务大厅，为入驻企业提供“绿色通道”服务。", {"公共服务"}),
    ("加快建设孵化器、众创空间等孵化载体，建设一批标准厂房和人才公寓。", {"基础设施", "人才"}),
    ("深度融入“一带一路”建设，支持企业建设海外研发中心。", {"海外交流", "技术支持"}),
    ("打造一批人工智能应用场景，开展新产品推广应用。", {"示范应用"}),
    ("深化高新区管理体制改革，开展“赛马”机制试点。", {"策略性措施"}),
    ("制定高新区综合评价办法，建立年度考核和动态管理制度。", {"法规管制"}),
]
FALSE_FRIENDS = [
    ("加快发展现代服务业和科技服务业，推动生产性服务业向价值链高端延伸。", "公共服务"),
    ("提供住房保障、户籍办理、医疗保险、子女入学等方面的便利。", "金融支持"),
    ("推进高新技术产业发展。(省人力资源社会保障厅、省财政厅按照职责分工负责)", "人才"),
    ("推进高新技术产业发展。(省人力资源社会保障厅、省财政厅按照职责分工负责)", "资金投入"),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), SENTENCES)
def test_sentence_gets_its_types(text: str, expected: set[str]) -> None:
    assert expected <= types_of(text)


@pytest.mark.parametrize(("text", "wrong"), FALSE_FRIENDS)
def test_false_friends_do_not_code(text: str, wrong: str) -> None:
    assert wrong not in types_of(text)


@pytest.mark.xfail(strict=True, reason="政府购买 is a cue of 服务外包; buying products (not services) is procurement")
def test_government_buying_products_is_procurement_not_outsourcing() -> None:
    assert types_of("政府购买创新产品，优先使用本省首创产品。") >= {"政府采购"} and "服务外包" not in types_of("政府购买创新产品")


@pytest.mark.xfail(strict=True, reason="减免 is read as a tax cue even when rent is reduced")
def test_rent_reduction_is_not_a_tax_incentive() -> None:
    assert "税收优惠" not in types_of("对入驻孵化器的初创企业减免房租。")


def test_every_seed_measure_has_an_instrument(works) -> None:  # type: ignore[no-untyped-def]
    assert [(w.work.slug, p) for w in works for p in instruments.uncoded(w.segments, w.extraction.instruments)] == []


def test_cues_quote_the_source_and_name_their_rules(works) -> None:  # type: ignore[no-untyped-def]
    rule_ids = {r.id for r in instruments.scheme().rules}
    for work in works:
        paths = {m.path for m in leaves(work.segments)}
        for coding in work.extraction.instruments:
            assert coding.measure in paths and coding.cues and set(coding.rules) <= rule_ids
            for cue in coding.cues:
                cue.check(work.work.primary.text)


def test_scheme_has_three_groups_and_fourteen_types() -> None:
    scheme = instruments.scheme()
    assert [g.label for g in scheme.groups] == ["供给型政策工具", "环境型政策工具", "需求型政策工具"]
    assert len(scheme.instruments) == 14 and len({i.label for i in scheme.instruments}) == 14
    assert all("Rothwell" in g.definition_en and g.definition for g in scheme.groups)
    assert all(i.label_en and i.definition and i.group for i in scheme.instruments)


def test_bad_rule_is_named() -> None:
    data = {"scheme": {"label": {"zh": "政策工具", "en": "x"}, "source": "s"}, "groups": [],
            "instruments": [{"label": {"zh": "资金投入", "en": "funding"}, "group": "supply", "definition": {"zh": "", "en": ""}, "rules": []}]}
    with pytest.raises(instruments.RulesError, match="rules.yaml: malformed rules file"):
        instruments.parse_scheme(data, "rules.yaml")
    with pytest.raises(instruments.RulesError, match="rule 'broken' of 资金投入: bad pattern"):
        instruments.rule({"id": "broken", "pattern": "补助("}, "资金投入", "rules.yaml")


def reviewed_copy(tmp_path: Path, extra: str) -> Path:
    """Copy the seed data, adding an instruments list to 河北's reviewed annotation file."""
    data = tmp_path / "data"
    shutil.copytree(DATA / "raw", data / "raw")
    shutil.copytree(DATA / "annotations", data / "annotations")
    path = data / "annotations" / "jizhengzi-2020-52.yaml"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return data


def test_reviewed_codes_win_for_their_measure_only(tmp_path: Path) -> None:
    data = reviewed_copy(tmp_path, "instruments:\n- {measure: '2.1.5', instrument: 政府采购}\n")
    works = {w.work.slug: w for w in driver.annotated_works(data)}
    codings = works["jizhengzi-2020-52"].extraction.instruments
    assert [(c.instrument, c.rules) for c in codings if c.measure == "2.1.5"] == [("政府采购", ("reviewed",))]
    assert {c.instrument for c in codings if c.measure == "2.1.1"} >= {"资金投入"}  # not listed: the rules' codes


def test_check_reports_instrument_disagreements(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = reviewed_copy(tmp_path, "instruments:\n- {measure: '2.1.5', instrument: 政府采购}\n")
    main(["annotate", "--data", str(data), "--check"])
    out = capsys.readouterr().out
    assert "instruments: reviewed, not extracted: ('2.1.5', '政府采购')" in out
    assert "instruments: extracted, not in reviewed file: ('2.1.5', '人才')" in out


def test_unknown_instrument_in_annotation_file_is_named(tmp_path: Path) -> None:
    data = reviewed_copy(tmp_path, "instruments:\n- {measure: '2.1.5', instrument: 资金}\n")
    expressions = {e.name: e for e in driver.expressions(data)}
    with pytest.raises(AnnotationError, match=r"jizhengzi-2020-52.yaml: instruments\[0\]: unknown instrument type '资金'"):
        read_annotation(data / "annotations" / "jizhengzi-2020-52.yaml", expressions)
