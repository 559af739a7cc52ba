"""Stage clean: site chrome and spam around and inside the body, converter artefacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_build.records import SourceText
from graph_build.text.clean import clean, is_spam
from graph_build.text.read import read

RAW = Path(__file__).parents[3] / "tests/data/seeds/raw"


def cleaned(name: str):  # type: ignore[no-untyped-def]
    return clean(read(RAW / name))


def test_traditional_page_drops_header_and_footer_chrome() -> None:
    page = cleaned("000_eca2655ae364cb45.txt")
    body = page.source.text[page.body_start : page.body_end]
    assert body.startswith("快遞大陸省人民政府關於促進")
    assert body.endswith("(此件公開發布)")
    reasons = {line.line_no: line.reason for line in page.dropped}
    assert reasons[1] == "site chrome before the title"
    assert all(r == "site chrome after the signature" for no, r in reasons.items() if no > 80)


def test_spam_line_is_reported_as_spam() -> None:
    page = cleaned("004_f2cc480d52bcecb0.txt")
    first = page.dropped[0]
    assert (first.line_no, first.reason) == (1, "spam")
    assert "麻豆" in first.span.quote


def test_every_dropped_line_quotes_its_own_text() -> None:
    for path in sorted(RAW.iterdir()):
        page = clean(read(path))
        for line in page.dropped:
            line.span.check(page.source.text)
            assert page.source.text.split("\n")[line.line_no - 1] == line.span.quote


def test_spam_inside_the_body_is_dropped() -> None:
    text = "甘肃省科技厅关于促进高新技术产业开发区高质量发展的若干措施\n一、优化布局\n成人在线免费观看\n1.推动创建国家高新区。对新获批的国家高新区给予奖励。\n"
    page = clean(SourceText("x.txt", text, "utf-8", "0" * 64, "text/plain"))
    assert [(line.line_no, line.reason) for line in page.dropped] == [(3, "spam")]


def test_corrupted_province_name_is_reported() -> None:
    page = cleaned("000_eca2655ae364cb45.txt")
    assert any("快递大陆" in note for note in page.artefacts)
    assert not cleaned("002_eb9a3bdd4a792803.txt").artefacts


# fmt: off
@pytest.mark.parametrize(("line", "spam"), [
    ("成人在线欧美/66m66m摸成人66永久免费/免费麻豆av/国产中文在线", True),
    ("推动高新区规上工业数字化转型免费诊断", False),
    ("热搜词:王予波爱国卫生疫情营商旅游脱贫数字快递大陆10大名品自贸试验区", False),
])
# fmt: on
def test_is_spam(line: str, spam: bool) -> None:
    assert is_spam(line) is spam
