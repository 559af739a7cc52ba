"""Stage 1, read: raw bytes to text (UTF-8 or GB18030; HTML pages to their text)."""

from __future__ import annotations

import hashlib
import html
import re
from html.parser import HTMLParser
from pathlib import Path

from .records import SourceText

ENCODINGS = ("utf-8", "gb18030")
TEXT_SUFFIXES = {".txt", ".html", ".htm", ".text", ""}


class ReadError(ValueError):
    """A raw file that cannot be read as a document."""


def read(path: Path) -> SourceText:
    """Read one raw file into a SourceText, or raise ReadError naming the file."""
    data = path.read_bytes()
    if not data.strip():
        raise ReadError(f"{path}: empty file")
    if b"\x00" in data[:4096]:
        raise ReadError(f"{path}: binary file (NUL bytes), not a text document")
    text, encoding = decode(data, path)
    warnings: list[str] = []
    media_type = "text/plain"
    if looks_like_html(text):
        text, media_type = html_to_text(text), "text/html"
        warnings.append(f"{path.name}: HTML page converted to text")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return SourceText(path.name, text, encoding, hashlib.sha256(data).hexdigest(), media_type, tuple(warnings))


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode bytes as UTF-8, else GB18030, naming the line of the first bad byte on failure."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ReadError(f"{path}: line {line}: neither UTF-8 nor GB18030 (byte {error.start})") from error
    raise AssertionError("unreachable")


def looks_like_html(text: str) -> bool:
    """Tell whether a text is an HTML page rather than plain text.

    >>> looks_like_html("<html><body><p>正文</p></body></html>")
    True
    >>> looks_like_html("对高新区给予1000万元补助")
    False
    """
    head = text[:2048].lower()
    return bool(re.search(r"<(!doctype html|html|body|p|div)[\s>]", head))


class _TextExtractor(HTMLParser):
    """Collect the visible text of an HTML page, one block element per line."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "title"}
    HIDDEN = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        style = (dict(attrs).get("style") or "").replace(" ", "").lower()
        if tag in self.HIDDEN or "display:none" in style or "hidden" in dict(attrs):
            self.hidden_depth += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.hidden_depth and (tag in self.HIDDEN or tag in {"div", "p", "span", "section"}):
            self.hidden_depth -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.parts.append(data)


def html_to_text(page: str) -> str:
    """Return the visible text of an HTML page, dropping scripts, styles and hidden blocks."""
    parser = _TextExtractor()
    parser.feed(page)
    parser.close()
    text = html.unescape("".join(parser.parts))
    return re.sub(r"\n\s*\n+", "\n\n", text).strip() + "\n"

