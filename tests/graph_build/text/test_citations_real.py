"""Parent directives in real opening sentences: carried out (贯彻落实, 推动…落地见效) or only cited (根据, 按照…办法)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_build.text.clean import clean
from graph_build.text.identify import identify
from graph_build.text.read import read
from graph_build.text.script import script


def parents(sentence: str) -> list[str]:
    page = f"关于促进高新区高质量发展的若干措施\n{sentence}\n一、总体要求\n(一)加快发展。支持高新区建设。\n"
    identity = identify(script(clean(read(Path("page.txt"), data=page.encode("utf-8")))))
    return list(dict.fromkeys(c.doc_number or f"《{c.title}》" for c in identity.citations if c.implements))


# fmt: off
ROWS = [
    # 广东 2022: carried out, then a basis named nearer to the last citation
    ("为深入贯彻落实《国务院关于促进国家高新技术产业开发区高质量发展的若干意见》(国发〔2020〕7号)文件要求,促进我省高新区高质量发展,"
     "根据《科技部关于印发<国家高新技术产业开发区综合评价指标体系>的通知》(国科发火〔2021〕106号),制定本办法。", ["国发〔2020〕7号"]),
    # 天津 2025: a directive named by its title alone, 推动…落地见效
    ("落实《国务院关于促进国家高新技术产业开发区高质量发展的若干意见》(国发〔2020〕7号),推动国务院《进一步支持天津滨海新区高质量发展的若干政策措施》落地见效。",
     ["国发〔2020〕7号", "《进一步支持天津滨海新区高质量发展的若干政策措施》"]),
    # 天津 2020: the same 文号 twice is one parent; the document's own 印发《…》 is none
    ("为贯彻落实《关于促进天津滨海高新技术产业开发区高质量发展具体落实举措》(津科区〔2020〕91号),现决定印发《关于促进天津滨海高新技术产业开发区高质量发展具体落实举措的分工方案》。",
     ["津科区〔2020〕91号"]),
    # 湖南 2025 公示: 按照《…办法》要求 follows a rule, carries out no directive
    ("按照《湖南省开发区调区扩区和退出管理办法》《规范产业园区扩区工作实施方案》等有关文件要求,我委组织开展了扩区审核工作。", []),
]
# fmt: on


@pytest.mark.parametrize(("sentence", "expected"), ROWS)
def test_parent_directives_in_real_sentences(sentence: str, expected: list[str]) -> None:
    assert parents(sentence) == expected
