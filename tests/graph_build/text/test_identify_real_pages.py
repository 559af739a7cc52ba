# ruff: noqa: E501  (tables of real page lines read best one page to a line)
"""Identify on real page lines from every province: each rule with sentences taken from the development corpus."""

from __future__ import annotations

import hashlib

import pytest

from graph_build.records import Identity, SourceText
from graph_build.text.clean import clean
from graph_build.text.gongwen import normalise_doc_number, parse_date
from graph_build.text.identify import identify
from graph_build.text.read import file_offset, remove_glosses
from graph_build.text.script import analysis_view, script

BODY = "一、同意设立高新技术产业园区。请按有关规定办理相关手续,加强领导和管理,努力提升自主创新能力和产业竞争力。"


def identity_of(page: str) -> Identity:
    """Read, clean, script and identify one page given as text, converter glosses removed as read() does."""
    text, removed = remove_glosses(page)
    source = SourceText("page.txt", text, "utf-8", hashlib.sha256(page.encode()).hexdigest(), "text/plain", (), removed)
    identity = identify(script(clean(source)))
    for span in (identity.title, identity.doc_number, identity.issuer, identity.date_document_span, identity.index_number, identity.validity):
        if span:
            span.check(text)
    return identity


# fmt: off
GLOSSES = [
    ("陜西省人民政府關(guān)于同意建設渭城涇陽(yáng)高新技術(shù)產(chǎn)業(yè)開(kāi)發(fā)區的批復",
     "陕西省人民政府关于同意建设渭城泾阳高新技术产业开发区的批复"),
    ("發(fā)文字號(hào)國(guó)函〔1992〕169號(hào)", "发文字号国函〔1992〕169号"),
    ("關(guān)于渭城光電數字產(chǎn)業(yè)開(kāi)發(fā)區、涇陽(yáng)縣智能制造裝備產(chǎn)業(yè)園和新材料產(chǎn)業(yè)園以及綠色食品產(chǎn)業(yè)園創(chuàng )建",
     "关于渭城光电数字产业开发区、泾阳县智能制造装备产业园和新材料产业园以及绿色食品产业园创建"),
]
# fmt: on


@pytest.mark.parametrize(("page", "simplified"), GLOSSES)
def test_converter_glosses_are_removed_and_offsets_map_back(page: str, simplified: str) -> None:
    text, removed = remove_glosses(page)
    assert analysis_view(text) == simplified
    source = SourceText("p.txt", text, "utf-8", "", "text/plain", (), removed)
    assert all(page[file_offset(source, i)] == char for i, char in enumerate(text))


def test_bracketed_latin_text_is_not_a_gloss() -> None:
    assert remove_glosses("网站标识码(ICP)与区块一(北部片区)") == ("网站标识码(ICP)与区块一(北部片区)", ())


# fmt: off
VARIANTS = [
    ("陜政函〔2024〕19號", "陕政函〔2024〕19号"),
    ("熱搜詞:王予波愛國衞生疫情", "热搜词:王予波爱国卫生疫情"),
]
DOC_NUMBERS = [
    ("苏政复[2011]19号", "苏政复〔2011〕19号"),
    ("闽政文[2006]354号", "闽政文〔2006〕354号"),
    ("南府规〔 2017〕 30 号", "南府规〔2017〕30号"),
    ("南府发[2014]31号", "南府发〔2014〕31号"),
    ("国科发火﹝2021﹞106号", "国科发火〔2021〕106号"),
    ("津高新区管发【2020】44号", "津高新区管发〔2020〕44号"),
]
# fmt: on


@pytest.mark.parametrize(("written", "simplified"), VARIANTS)
def test_variant_and_hong_kong_characters_fold(written: str, simplified: str) -> None:
    assert analysis_view(written) == simplified


@pytest.mark.parametrize(("written", "normal"), DOC_NUMBERS)
def test_doc_number_in_any_bracket_form(written: str, normal: str) -> None:
    assert normalise_doc_number(written) == normal


# fmt: off
PAGES = [
    # 文号 and 《title》 on the first line, the title over three lines, the signature
    ("粤府函〔2020〕375号《广东省人民政府关于同意认定南雄产业转移工业园为省级高新技术产业开发区的批复》\n浏览量: 时间:2023-09-26 22:19:23\n"
     "广东省人民政府关于同意认定南雄产业转\n移工业园为省级高新技术产业\n开发区的批复\n粤府函〔2020〕375号\n韶关市人民政府:\n" + BODY + "\n广东省人民政府\n2020年12月25日\n",
     "广东省人民政府关于同意认定南雄产业转移工业园为省级高新技术产业开发区的批复", "粤府函〔2020〕375号", "广东省人民政府", "2020-12-25"),
    # a letter-spaced title
    ("国 务 院 关 于 同 意 潜 江 高 新 技 术 产 业 园 区\n升级为国家高新技术产业开发区的批复\n国函〔2018〕42号\n湖北省人民政府:\n" + BODY + "\n",
     "国务院关于同意潜江高新技术产业园区升级为国家高新技术产业开发区的批复", "国函〔2018〕42号", "国务院", None),
    # the issuer on the first title line, the 文号 in brackets under it
    ("河南省人民政府\n关于表彰2010年度全省产业集聚区\n发展先进单位的通报\n\n豫政〔2011〕15号\n\n各省辖市人民政府,省人民政府各部门:\n" + BODY + "\n",
     "河南省人民政府关于表彰2010年度全省产业集聚区发展先进单位的通报", "豫政〔2011〕15号", "河南省人民政府", None),
    ("吉林省人民政府关于表彰全省先进开发区和先进工业集中区的决定\n(吉政函〔2009〕109号)\n各市 (州)人民政府,长白山管委会:\n" + BODY + "\n",
     "吉林省人民政府关于表彰全省先进开发区和先进工业集中区的决定", "吉政函〔2009〕109号", "吉林省人民政府", None),
    # 文号 before the title; "省政府" named in full; a site tag in front of the title
    ("苏政复〔2010〕55号\n省政府关于同意江苏省江阴经济开发区\n更名为江苏省江阴高新技术产业开发区的批复\n江阴市人民政府:\n" + BODY + "\n",
     "省政府关于同意江苏省江阴经济开发区更名为江苏省江阴高新技术产业开发区的批复", "苏政复〔2010〕55号", "江苏省人民政府", None),
    ("【地方】(2016)河北省人民政府关于辛集市开发区优化整合方案的批复\n时间:2017-04-09\n辛集市人民政府:\n" + BODY + "\n",
     "河北省人民政府关于辛集市开发区优化整合方案的批复", None, "河北省人民政府", None),
    # a metadata table with letter-spaced labels; a Chinese-numeral signature date
    ("发文单位:福建省人民政府\n文 号:闽政文[2006]354号\n发布日期:2006-8-9\n生效日期:1900-1-1\n福州市人民政府:\n" + BODY + "\n福建省人民政府\n二○○六年八月九日\n",
     None, "闽政文〔2006〕354号", "福建省人民政府", "2006-08-09"),
    # a glossed traditional page: metadata without separators
    ("發(fā)文機(jī)關(guān)國(guó)務(wù)院\n發(fā)文日期1992年11月09日\n時(shí)效性現(xiàn)行有效\n發(fā)文字號(hào)國(guó)函〔1992〕169號(hào)\n國(guó)家科委:\n" + BODY + "\n國(guó)務(wù)院\n一九九二年十一月九日\n",
     None, "国函〔1992〕169号", "国务院", "1992-11-09"),
    # a local regulation: the adoption note gives date and issuer
    ("苏州国家高新技术产业开发区条例\n (1994年7月7日苏州市第十一届人民代表大会\n 常务委员会第九次会议制定 1994年9月3日江苏省第八届\n人民代表大会常务委员会第九次会议批准)\n第一章 总则\n" + BODY + "\n",
     "苏州国家高新技术产业开发区条例", None, "苏州市人民代表大会常务委员会", "1994-07-07"),
    # a cover notice before the attachment's title
    ("各市、县人民政府,自治区人民政府各组成部门、各直属机构:\n《关于促进广西高新技术产业开发区高质量发展的若干措施》已经自治区人民政府同意,现印发给你们,请认真贯彻落实。\n"
     "2021年8月4日\n(此件公开发布)\n关于促进广西高新技术产业开发区高质量发展的若干措施\n" + BODY + "\n",
     "关于促进广西高新技术产业开发区高质量发展的若干措施", None, None, "2021-08-04"),
    # a plan with its period
    ("首 页 区县招商 产业园区 企业选址 优惠政策 新闻中心\n辽宁省高新技术产业开发区发展规划(2017—2020年)\n\n为加快高新技术产业开发区转型升级,建设辽宁省创新发展高地。\n" + BODY + "\n",
     "辽宁省高新技术产业开发区发展规划(2017—2020年)", None, None, None),
]
# fmt: on


@pytest.mark.parametrize(("page", "title", "number", "issuer", "signed"), PAGES)
def test_identity_of_real_page(page: str, title: str | None, number: str | None, issuer: str | None, signed: str | None) -> None:
    identity = identity_of(page)
    assert (identity.title_text, identity.doc_number_text, identity.issuer_name, identity.date_document) == (title, number, issuer, signed)


# fmt: off
TABLE = ("标 题: | 科技部关于印发《国家高新技术产业开发区综合评价指标体系》的通知 | ||\n索 引 号: | 306-18-2021-537 | 发文机构: | 科技部 |\n"
         "成文日期: | 2021年04月22日 | 发布日期: | 2021年04月26日 |\n发文字号: | 国科发火〔2021〕106号 | 有 效 性: | 有效 |\n国科发火〔2021〕106号\n"
         "各省、自治区、直辖市及计划单列市科技厅(委、局):\n为深入贯彻落实《国务院关于促进国家高新技术产业开发区高质量发展的若干意见》(国发〔2020〕7号),科技部制定了评价指标体系。\n"
         "科 技 部\n2021年4月22日\n")
# fmt: on


def test_pipe_metadata_table_is_read_with_spans() -> None:
    identity = identity_of(TABLE)
    assert identity.title_text == "科技部关于印发《国家高新技术产业开发区综合评价指标体系》的通知"
    assert (identity.doc_number_text, identity.issuer_name, identity.national) == ("国科发火〔2021〕106号", "科技部", True)
    assert (identity.date_document, identity.date_publication) == ("2021-04-22", "2021-04-26")
    assert identity.index_number and identity.index_number.quote == "306-18-2021-537"
    assert identity.validity and identity.validity.quote == "有效"
    assert [(c.doc_number, c.implements) for c in identity.citations] == [("国发〔2020〕7号", True)]


def test_placeholder_metadata_dates_are_refused_with_a_warning() -> None:
    page = "江苏省人民政府关于筹建江苏吴江高新技术产业园区的批复\n【颁发部门】 江苏省政府\n【发文字号】 苏政复[2011]19号\n【颁发时间】 1970-08-22\n【效力属性】 有效\n苏州市人民政府:\n" + BODY + "\n"
    identity = identity_of(page)
    assert identity.date_document is None
    assert any("1970-08-22" in warning and "placeholder" in warning for warning in identity.warnings)
    assert (identity.doc_number_text, identity.validity.quote if identity.validity else None) == ("苏政复〔2011〕19号", "有效")


def test_damaged_signature_date_is_reported_never_guessed() -> None:
    page = "河北省人民政府关于辛集市开发区优化整合方案的批复\n辛集市人民政府:\n" + BODY + "\n河北省人民政府\n2016815\n"
    identity = identity_of(page)
    assert identity.date_document is None
    assert any("2016815" in warning for warning in identity.warnings)


# fmt: off
PARENTS = [
    ("为深入贯彻落实《国务院关于促进国家高新技术产业开发区高质量发展的若干意见》(国发[2020]7号)精神,制定本措施。", ["国发〔2020〕7号"]),
    ("为贯彻落实《国务院办公厅关于促进开发区改革和创新发展的若干意见》(国办发〔2017〕7号),现提出如下实施方案。", ["国办发〔2017〕7号"]),
    ("根据国家发展改革委《关于开发区审核工作的通知》(发改外资〔2005〕1521号),同意设立。", []),
]
# fmt: on


@pytest.mark.parametrize(("sentence", "parents"), PARENTS)
def test_parent_directives_in_any_bracket_form(sentence: str, parents: list[str]) -> None:
    identity = identity_of("关于促进高新技术产业开发区高质量发展的若干措施\n" + sentence + "\n" + BODY + "\n")
    assert [c.doc_number for c in identity.citations if c.implements] == parents


def test_dates_in_arabic_and_chinese_numerals() -> None:
    assert [parse_date(t)[0] for t in ("2014年 2月20日", "二○一一年二月十七日", "发布时间:2017-12-04 11:39")] == ["2014-02-20", "2011-02-17", "2017-12-04"]  # type: ignore[index]


def test_parent_directive_by_title_only() -> None:
    page = "关于印发《天津滨海高新区支持产业高质量发展若干措施》的通知\n为落实《进一步支持天津滨海新区高质量发展的若干政策措施》,制定本措施。\n" + BODY + "\n"
    [citation] = identity_of(page).citations
    assert (citation.doc_number, citation.title, citation.implements) == ("", "进一步支持天津滨海新区高质量发展的若干政策措施", True)


@pytest.mark.xfail(strict=True, reason="an issuer named only on a numbered line above the title of a compilation is not joined to it")
def test_issuer_on_numbered_line_above_title() -> None:
    page = "(一)西安高新区\n关于加快推进绿色经济发展的措施\n为加快推进西安高新区绿色经济发展,进一步提升可持续发展能力。\n" + BODY + "\n"
    assert identity_of(page).title_text == "西安高新区关于加快推进绿色经济发展的措施"


@pytest.mark.xfail(strict=True, reason="a publication time glued to 来源 text without a boundary before 时间 is not read for every label")
def test_publication_date_glued_to_source() -> None:
    page = "海南省人民政府办公厅关于印发海南省促进经济高质量发展若干财政措施的通知\n来源:海南省人民政府办公厅发布日期:2021-12-16\n" + BODY + "\n"
    assert identity_of(page).date_publication == "2021-12-16"
