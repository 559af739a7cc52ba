"""Stage identify: title, 文号, issuer, province, dates, status and citations of each seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_build.text.clean import clean
from graph_build.text.identify import identify
from graph_build.text.read import read
from graph_build.text.script import script

RAW = Path(__file__).parents[3] / "tests/data/seeds/raw"

# fmt: off
EXPECTED = [
    ("000_eca2655ae364cb45.txt", "云南省人民政府关于促进高新技术产业开发区高质量发展的实施意见", "云政发〔2020〕36号",
     "云南省人民政府", "530000", "2020-12-29", "final", ["国发〔2020〕7号"]),
    ("001_7d67dab41be7ced0.txt", "甘肃省科技厅关于促进高新技术产业开发区高质量发展的若干措施", None,
     "甘肃省科技厅", "620000", None, "final", ["国发〔2020〕7号", "国科发区〔2022〕264号"]),
    ("002_eb9a3bdd4a792803.txt", None, None, None, "530000", None, "final", ["国发〔2020〕7号"]),
    ("003_dfccf8ca3c3cbe5b.txt", "云南省关于推动全省高新区高质量发展的行动方案", None, None, "530000", None, "draft", []),
    ("004_f2cc480d52bcecb0.txt", "河北省人民政府关于促进高新技术产业开发区高质量发展的实施意见", "冀政字〔2020〕52号",
     "河北省人民政府", "130000", "2020-09-30", "final", ["国发〔2020〕7号"]),
]
# fmt: on


@pytest.mark.parametrize(("name", "title", "number", "issuer", "province", "signed", "status", "implements"), EXPECTED)
def test_identity_of_seed(name, title, number, issuer, province, signed, status, implements) -> None:  # type: ignore[no-untyped-def]
    expression = script(clean(read(RAW / name)))
    identity = identify(expression)
    assert identity.title_text == title
    assert identity.doc_number_text == number
    assert identity.issuer_name == issuer
    assert identity.province_code == province
    assert identity.date_document == signed
    assert identity.status == status
    assert [c.doc_number for c in identity.citations if c.implements] == implements
    for span in (identity.title, identity.doc_number, identity.issuer, identity.date_document_span):
        if span:
            span.check(expression.text)


def test_corrupted_province_is_resolved_and_repaired() -> None:
    identity = identify(script(clean(read(RAW / "000_eca2655ae364cb45.txt"))))
    assert identity.repairs == (("快递大陆", "云南"),)
    assert "文号" in (identity.province_evidence or "")
    assert identity.date_publication == "2021-01-05"
