"""Stage script: traditional to simplified without moving any offset."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from graph_build.text.script import analysis_view, detect_script, to_simplified


def test_converts_seed_sentence() -> None:
    assert to_simplified("對國家新認定的技術創新中心、工程研究中心、臨牀醫學研究中心給予500萬元一次性補助") == (
        "对国家新认定的技术创新中心、工程研究中心、临床医学研究中心给予500万元一次性补助"
    )


def test_detects_scripts_of_seed_lines() -> None:
    assert detect_script("高新區內企業邀請的外籍高層次管理和專業技術人才") == "zh-Hant"
    assert detect_script("高新区内企业邀请的外籍高层次管理和专业技术人才") == "zh-Hans"


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200))
def test_analysis_view_keeps_every_offset(text: str) -> None:
    assert len(analysis_view(text)) == len(text)
