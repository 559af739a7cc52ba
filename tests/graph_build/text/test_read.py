"""Stage read: encodings, HTML pages, and files that are not documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_build.text.read import ReadError, read

SENTENCE = "对高新区内新认定的国家重点实验室给予1000万元一次性补助"


def test_reads_utf8_seed_and_keeps_its_digest() -> None:
    source = read(Path(__file__).parents[3] / "data/raw/002_eb9a3bdd4a792803.txt")
    assert source.encoding == "utf-8"
    assert SENTENCE in source.text
    assert len(source.sha256) == 64


def test_reads_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes(SENTENCE.encode("gb18030"))
    source = read(path)
    assert (source.encoding, source.text) == ("gb18030", SENTENCE)


def test_html_page_keeps_visible_text_only(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    page = (
        "<html><head><style>p{}</style><script>var x='SPAM';</script></head>"
        f"<body><p>{SENTENCE}</p><div style='display: none'>隐藏段落</div></body></html>"
    )
    path.write_text(page, encoding="utf-8")
    source = read(path)
    assert SENTENCE in source.text
    assert "SPAM" not in source.text and "隐藏段落" not in source.text
    assert source.media_type == "text/html"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty file"), (b"  \n", "empty file"), (b"\x00\x01\x02binary", "binary file"), ("好".encode() + b"\n\xff\xfe\xfa\xfb", "line 2")],
)
def test_rejects_non_documents_naming_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad file 坏.txt"
    path.write_bytes(content)
    with pytest.raises(ReadError, match=message) as error:
        read(path)
    assert "bad file 坏.txt" in str(error.value)


def test_html_table_row_stays_on_one_line_with_cells_separated(tmp_path: Path) -> None:
    path = tmp_path / "gov.html"
    row = "<tr>\n <td><b>发文字号：</b></td>\n <td>国办发〔2018〕117号</td>\n <td><b>发布日期：</b></td>\n <td>2018年12月10日</td>\n</tr>"
    path.write_text(f"<html><body><table><tbody>{row}</tbody></table><p>正文</p></body></html>", encoding="utf-8")
    assert "发文字号： | 国办发〔2018〕117号 | 发布日期： | 2018年12月10日\n" in read(path).text


def test_converter_glosses_are_removed_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "glossed.txt"
    path.write_text("陜西省人民政府關(guān)于同意建設渭城涇陽(yáng)高新技術(shù)產(chǎn)業(yè)開(kāi)發(fā)區的批復\n", encoding="utf-8")
    source = read(path)
    assert source.text == "陜西省人民政府關于同意建設渭城涇陽高新技術產業開發區的批復\n"
    assert len(source.removed) == 7 and "gloss" in source.warnings[0]
