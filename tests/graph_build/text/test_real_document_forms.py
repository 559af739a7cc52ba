"""Forms of 公文 the seeds lack, each with real sentences from the development corpus.

Cover notices signed above the document they publish, articles (第X条) and
parts (第X部分), and unnumbered replies and bulletins: the body and the
measures must cover the policy text in every form.
"""

from __future__ import annotations

from pathlib import Path

from graph_build.records import Expression
from graph_build.text.clean import clean
from graph_build.text.read import read
from graph_build.text.script import script
from graph_build.text.segment import leaves, segment


def expression(text: str, name: str = "page.txt") -> Expression:
    return script(clean(read(Path(name), data=text.encode("utf-8"))))


def body(expr: Expression) -> str:
    return expr.text[expr.clean.body_start : expr.clean.body_end]


# 广西 2021: a cover notice signed 2021年8月4日, then the 若干措施 it publishes.
COVER_NOTICE = """各市、县人民政府,自治区人民政府各组成部门、各直属机构:
《关于促进广西高新技术产业开发区高质量发展的若干措施》已经自治区人民政府同意,现印发给你们,请认真贯彻执行。
2021年8月4日
(此件公开发布)
关于促进广西高新技术产业开发区高质量发展的若干措施
为贯彻落实《国务院关于促进国家高新技术产业开发区高质量发展的若干意见》(国发〔2020〕7号)精神,大力激发广西高新技术产业开发区创新活力。
一、优化高新区布局
(一)加快创建国家高新区。强化设区市人民政府创建国家高新区主体责任。对新获批的国家高新区给予1000万元财政资金补助。
"""


def test_a_cover_notice_body_runs_on_into_the_document_it_publishes() -> None:
    expr = expression(COVER_NOTICE)
    assert body(expr).endswith("对新获批的国家高新区给予1000万元财政资金补助。")
    assert [s.number for s in leaves(segment(expr))] == ["(一)"]


def test_a_signature_followed_by_site_links_still_ends_the_body() -> None:
    page = "关于促进高新区发展的意见\n一、总体要求\n(一)加快发展。支持高新区建设。\n2021年8月4日\n上一篇:关于印发某某办法的通知\n网站地图\n"
    assert body(expression(page)).endswith("2021年8月4日")


# 成都高新区 2017: articles numbered 第一条, 第二条.
ARTICLES = """成都高新区推进“三次创业”加快高层次人才聚集的若干政策
      为进一步推进成都高新区“三次创业”,打造“高端人才集聚区”,加快高层次人才在成都高新区的聚集,特制订本政策。
      第一条  成都高新区每年设立不少于5亿元的人才工作专项资金,用于重点产业领域高层次人才的引进和培养。
      第二条  对于尚未在国内创办企业且具有国际一流水平的顶尖创业团队,经评审认定,5年内最高给予5000万元的支持额度。
"""

# 沈阳高新区 2019: parts (第一部分) holding articles (第一条) holding numbered items.
PARTS = """根据沈阳高新区的核心目标和任务,为加快推进高新区高质量发展,制定支持措施。
第一部分 支持创新型企业发展壮大
重点支持高新区各主导产业高新技术企业、高成长企业、平台化大企业三类创新型企业发展壮大,成为各产业的核心支柱。
第一条 支持高新技术企业发展
1.奖励入库企业。
对首次获得国家高新技术企业认定的给予一次性20万元奖励。
"""


def test_articles_are_measures() -> None:
    measures = leaves(segment(expression(ARTICLES)))
    assert [m.number for m in measures] == ["第一条", "第二条"]
    assert measures[1].span.quote.endswith("最高给予5000万元的支持额度。")


def test_parts_hold_articles_that_hold_items() -> None:
    segments = segment(expression(PARTS))
    assert [(s.path, s.number) for s in segments] == [("1", "第一部分"), ("1.1", "第一条"), ("1.1.1", "1.")]


# 河南 2011: a 通报 with no numbered part; its body is one measure.
BULLETIN = """河南省人民政府关于表彰2010年度河南省十强十快产业集聚区的通报
各省辖市人民政府,省人民政府各部门:
2010年,全省上下深入贯彻落实省委、省政府的决策部署,把产业集聚区建设作为事关全局的战略性举措。为激励先进,省政府决定授予郑州高新技术产业集聚区等10个产业集聚区“2010年度河南省十强产业集聚区”称号,并各奖励200万元资金,专项用于集聚区投融资平台建设。
"""


def test_an_unnumbered_bulletin_is_one_measure_without_its_title() -> None:
    measures = leaves(segment(expression(BULLETIN)))
    assert len(measures) == 1 and measures[0].number is None and measures[0].heading is None
    assert measures[0].span.quote.startswith("2010年,全省上下")
    assert "并各奖励200万元资金" in measures[0].span.quote
