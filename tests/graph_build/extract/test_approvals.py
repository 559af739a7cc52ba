"""Zone approvals in the words of real replies (批复) from the development corpus, one 公文 form a row."""

from __future__ import annotations

import pytest

from graph_build.extract.approvals import find_approvals
from graph_build.records import Segment, Span


def approvals(text: str) -> list[tuple[str, str, str | None, str | None]]:
    found = find_approvals(text, Segment("1", 1, None, None, Span.of(text, 0, len(text))))
    for approval in found:
        approval.span.check(text)
    return [(a.action, a.zone, a.former_name, a.level) for a in found]


# fmt: off
ROWS = [
    # 国函〔2018〕: upgraded and renamed by the State Council
    ("同意潜江高新技术产业园区升级为国家高新技术产业开发区,定名为潜江高新技术产业开发区,实行现行的国家高新技术产业开发区的政策。",
     [("upgrade", "潜江高新区", "潜江高新技术产业园区", "national")]),
    # 国函〔2018〕: upgraded, same name
    ("一、同意荣昌高新技术产业开发区升级为国家高新技术产业开发区,定名为荣昌高新技术产业开发区,实行现行的国家高新技术产业开发区的政策。",
     [("upgrade", "荣昌高新区", None, "national")]),
    # 闽政文〔2012〕444号: renamed by a province
    ("经研究,同意将福建南靖高新技术产业园区更名为漳州高新技术产业园区,四至范围按国土资源部2006年第19号公告不变。",
     [("renaming", "漳州高新技术产业园区", "福建南靖高新技术产业园区", None)]),
    # 苏政复〔2011〕: established, the town named
    ("一、同意在吴江市盛泽镇筹建江苏吴江高新技术产业园区。", [("establishment", "吴江高新技术产业园区", None, None)]),
    # 国务院公报 2022: an agricultural park built up into a national demonstration zone
    ("一、同意将黑龙江建三江国家农业科技园区建设为黑龙江佳木斯国家农业高新技术产业示范区,纳入国家农业高新技术产业示范区范畴管理。",
     [("upgrade", "佳木斯国家农业高新技术产业示范区", "黑龙江建三江国家农业科技园区", "national")]),
    # a request, not an approval; another name added (加挂牌子) is no change of the zone
    ("你省关于申报潜江高新技术产业园区为国家高新技术产业开发区的请示收悉。", []),
    ("一、同意安徽宿州高新技术产业开发区加挂杭州宿州产业园区牌子,请按有关规定办理。", []),
]
# fmt: on


@pytest.mark.parametrize(("text", "expected"), ROWS)
def test_approvals_in_real_replies(text: str, expected: list) -> None:
    assert approvals(text) == expected


def test_an_approval_listing_several_zones_gives_one_each() -> None:
    found = approvals("同意设立兴平高新技术产业开发区、武功高新技术产业开发区。")
    assert [zone for _, zone, _, _ in found] == ["兴平高新区", "武功高新区"]
