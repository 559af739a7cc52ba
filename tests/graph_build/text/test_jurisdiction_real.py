"""Jurisdiction of real documents the seeds lack: ministries, replies to provinces, zones' own documents.

Each page is the opening of a real page of the development corpus (shortened); the
rules are 公文 conventions: who may issue a 国科发 文号, who writes "你省", what a
zone's own measures open with.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_build import reference
from graph_build.records import Work
from graph_build.text.clean import clean
from graph_build.text.identify import identify
from graph_build.text.place import place
from graph_build.text.read import read
from graph_build.text.script import script


def jurisdiction(page: str) -> str:
    expression = script(clean(read(Path("page.txt"), data=page.encode("utf-8"))))
    work = place(Work("w", (expression,), (identify(expression),)))
    identity = work.identities[0]
    if identity.national:
        return "国家"
    if identity.province_code is None:
        return ""
    return reference.by_code(identity.province_code).short_name


# fmt: off
PAGES = [
    # 科技部 (a ministry), 国科发火 文号
    ("科技部关于印发《国家高新技术产业开发区综合评价指标体系》的通知\n国科发火〔2021〕106号\n"
     "各省、自治区、直辖市及计划单列市科技厅(委、局),新疆生产建设兵团科技局,各国家高新区管委会:\n"
     "为深入贯彻落实《国务院关于促进国家高新技术产业开发区高质量发展的若干意见》(国发〔2020〕7号),推动国家高新区建设。\n", "国家"),
    # 国务院公报: a reply to a province's request, no issuer on the page
    ("摘要\n湖南省人民政府:你省关于宁乡高新技术产业园区升级为国家高新技术产业开发区的请示收悉。现批复如下:"
     "一、同意宁乡高新技术产业园区升级为国家高新技术产业开发区,定名为宁乡高新技术产业开发区。\n", "国家"),
    # a zone's own measures: the zone opens the body
    ("关于加快推进绿色经济发展的措施\n为加快推进西安高新区绿色经济发展,进一步提升可持续发展能力,现制定如下措施。\n"
     "一、建设循环经济示范园区\n支持循环经济加快发展,对重点产业实施绿色补链工程。\n", "陕西"),
    ("根据沈阳高新区“做大做强高新技术产业”的核心目标和任务,为加快推进高新区高质量发展,制定支持措施。\n"
     "第一部分 支持创新型企业发展壮大\n第一条 支持高新技术企业发展\n对首次获得国家高新技术企业认定的给予一次性20万元奖励。\n", "辽宁"),
    # a province's reply addressed to its cities
    ("陕西省政府最新批复!咸阳新增3个!\n咸阳市、延安市人民政府,省科技厅:\n"
     "关于兴平市工业园区申报省级高新技术产业开发区的请示收悉。经研究,同意设立兴平高新技术产业开发区。\n", "陕西"),
]
# fmt: on


@pytest.mark.parametrize(("page", "expected"), PAGES)
def test_jurisdiction_of_real_openings(page: str, expected: str) -> None:
    assert jurisdiction(page) == expected


def test_a_provincial_reply_to_its_cities_is_not_national() -> None:
    page = "咸阳市人民政府:\n你市关于设立高新技术产业开发区的请示收悉。经研究,同意设立武功高新技术产业开发区。\n"
    assert jurisdiction(page) != "国家"
