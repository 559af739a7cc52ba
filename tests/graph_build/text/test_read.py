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
