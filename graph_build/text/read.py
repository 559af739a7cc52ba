"""Stage 1, read: raw bytes to text (UTF-8 or GB18030; HTML pages to their text).

Only regular files are read: :func:`listing` sorts a folder's entries into
the files to read and those skipped with why (directories, pipes, devices,
sockets, symbolic links leaving the data folder, hard links), and
:func:`read_limited` opens the file by walking from the data folder without
following links (confine.py), then checks the open file's type, size and link
count before it reads at most the limit (``GAOXIN_MAX_FILE_BYTES``), so no
entry can hang the build, fill memory or bring in a file from elsewhere.
A file that is not a document (empty, binary, too large, undecodable, an
unreadable name) raises ReadError naming the file and saying why; the build
skips it and reports it. What can be repaired is repaired and reported as a
warning ``"line N: ..."``: bytes of a damaged UTF-8 file and characters that
RDF/XML and HTML cannot carry are replaced by U+FFFD.

The text every later offset counts in is the decoded file as a reader sees
it: line ends folded to LF, an HTML page reduced to its visible text (table
rows on lines of their own, cells separated by " | "), and the pinyin glosses
some converter sites insert after characters (關(guān), 發(fā)) removed. The
glosses removed are listed in ``SourceText.removed`` (offsets before removal),
so :func:`file_offset` maps any offset back to the decoded file.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from graph_build.records import SourceText
from graph_build.text.confine import DataFolder, Escaped, open_inside

MAX_FILE_BYTES = 20 * 1024 * 1024  # the longest policy document seen is under 1 MB; a larger file is a dump, not a document
MAX_BYTES_SETTING = "GAOXIN_MAX_FILE_BYTES"  # the environment variable that overrides MAX_FILE_BYTES
# What an entry of a folder is when it is no regular file, by the test of its mode (stat(2)).
NOT_FILES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
# Characters a file name must not hold: they would break the build report's lines or RDF/XML (C0, DEL, C1, line and
# paragraph separators, bidirectional overrides that reorder what a terminal shows).
NAME_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
BINARY_SAMPLE = 8192  # how many leading bytes decide whether a file is binary
MAX_DAMAGE = 50  # a UTF-8 file with more invalid sequences than this is not damaged UTF-8
DAMAGE_RATIO = 20  # ... nor is one with fewer than this many valid non-ASCII characters per invalid sequence
MAX_LINE_WARNINGS = 10  # warnings of one kind listed line by line before they are summed up
ENCODINGS = ("utf-8", "gb18030")
# Characters XML 1.0 (so RDF/XML and HTML) cannot carry; tab, LF and CR are fine, CR is folded anyway.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
REPLACEMENT = "\ufffd"
# A converter's pinyin gloss after a character: one syllable with a tone mark, in half- or full-width brackets.
# Requiring the tone mark keeps real bracketed Latin text, e.g. "(ICP)" or "(zone)".
TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
GLOSS = re.compile(rf"(?<=[^\s(（])[(（] ?[a-zü]{{0,5}}[{TONED}][a-zü]{{0,4}} ?[)）]")


class ReadError(ValueError):
    """A raw file that cannot be read as a document; the message names the file and why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{printable(path)}: {reason}")
        self.path = path
        self.reason = reason


def printable(path: Path | str) -> str:
    """Write a path for a one-line message: undecodable bytes as U+FFFD, control and format characters escaped.

    >>> printable(Path("坏 文件.txt"))
    '坏 文件.txt'
    >>> printable(Path("a\\nrejected b.txt\\x1b[2J"))
    'a\\\\nrejected b.txt\\\\x1b[2J'
    """
    return escaped(os.fsencode(path).decode("utf-8", errors="replace"))


def escaped(text: str) -> str:
    """Escape the characters that could forge or hide a line of a report: controls, format characters, line separators.

    >>> print(escaped("甲\\n乙\\x1b[31m丙\\u202e丁\\t戊 己"))
    甲\\n乙\\x1b[31m丙\\u202e丁\\t戊 己
    """
    return "".join(char.encode("unicode_escape").decode("ascii") if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs") else char for char in text)


def max_file_bytes() -> int:
    """Return the largest file the build reads: the setting GAOXIN_MAX_FILE_BYTES (bytes), else MAX_FILE_BYTES."""
    value = os.environ.get(MAX_BYTES_SETTING, "").strip()
    if not value:
        return MAX_FILE_BYTES
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{MAX_BYTES_SETTING}={escaped(value)!r}: give the largest file size to read, in bytes (a whole number ≥ 1)")
    return int(value)


@dataclass(frozen=True)
class Listing:
    """A folder's entries sorted into the regular files to read and the entries skipped, each with why."""

    files: tuple[Path, ...]
    skipped: tuple[tuple[Path, str], ...]


def listing(folder: Path, root: Path, suffix: str = "") -> Listing:
    """List a folder's entries ending in `suffix`, in name order: regular files to read, and the others skipped with why.

    Hidden entries (a leading dot) are left out. A symbolic link is followed only when its target is a regular file
    inside `root` (the data folder): a link to a file elsewhere would publish that file's text.
    """
    files, skipped = [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.name.endswith(suffix):
            continue
        reason = not_a_file(path, root)
        if reason is None:
            files.append(path)
        else:
            skipped.append((path, reason))
    return Listing(tuple(files), tuple(skipped))


def not_a_file(path: Path, root: Path) -> str | None:
    """Say why a folder entry is not read (no regular file, a link leaving `root`, a dangling link, a hard link), or None to read it."""
    try:
        if path.is_symlink():
            target = path.resolve(strict=True)
            if not target.is_relative_to(root.resolve()):
                return f"symbolic link to {printable(target)}, outside the data folder {printable(root.resolve())}: not followed"
        status = path.stat()
    except (OSError, RuntimeError) as error:  # a dangling link or a loop of links
        return f"cannot be followed or read: {getattr(error, 'strerror', None) or error}"
    if not stat.S_ISREG(status.st_mode):
        return f"{kind_of(status.st_mode)}, not a regular file: skipped"
    return hard_link(status.st_nlink, "skipped")


def hard_link(links: int, outcome: str) -> str | None:
    """Say why a regular file with more than one name (a hard link) is not read, or None for a file with one name.

    >>> hard_link(1, "skipped") is None
    True
    >>> hard_link(2, "skipped")
    'a hard link (2 names for one file; another may be outside the data folder): skipped; copy the file in (cp, not ln)'
    """
    if links <= 1:
        return None
    return f"a hard link ({links} names for one file; another may be outside the data folder): {outcome}; copy the file in (cp, not ln)"


def kind_of(mode: int) -> str:
    """Name what kind of entry a file mode is, for a message.

    >>> kind_of(stat.S_IFIFO), kind_of(stat.S_IFREG)
    ('a named pipe (FIFO)', 'a regular file')
    """
    return next((name for test, name in NOT_FILES if test(mode)), "a regular file" if stat.S_ISREG(mode) else "not a file")


def read_limited(path: Path, limit: int, inside: DataFolder | None = None) -> bytes:
    """Read a regular file of at most `limit` bytes: the open file's type, size and links are checked before reading, and no more is read.

    With `inside` (the data folder) the file is opened by walking from the folder without following links (confine.py),
    so an entry swapped for a link after the listing is refused; without it, the path the caller named is opened.
    The file is opened without blocking, so a named pipe put in place of a file is refused instead of waiting for a writer.
    """
    descriptor = opened(path, inside)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise ReadError(path, f"{kind_of(status.st_mode)}, not a regular file: not read")
        if (links := hard_link(status.st_nlink, "not read")) is not None:
            raise ReadError(path, links)
        if status.st_size > limit:
            raise ReadError(path, f"file is {status.st_size:,} bytes, over the limit of {limit:,} bytes (read.MAX_FILE_BYTES, setting {MAX_BYTES_SETTING})")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)  # bounded even if the file grows after the check
    except OSError as error:
        raise ReadError(path, f"cannot read: {error.strerror or error}") from error
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise ReadError(path, f"file grew past the limit of {limit:,} bytes while being read")
    return data


def opened(path: Path, inside: DataFolder | None) -> int:
    """Open a file for reading without blocking: inside the data folder without following links, or as named."""
    try:
        if inside is None:
            return os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        return open_inside(path, inside)
    except Escaped as error:
        raise ReadError(path, error.reason) from None
    except OSError as error:
        raise ReadError(path, f"cannot read: {error.strerror or error}") from error


def read(path: Path, data: bytes | None = None) -> SourceText:
    """Read one raw file into a SourceText (from its bytes when the caller has read them), or raise ReadError naming the file."""
    data = read_bytes(path) if data is None else data
    text, encoding, warnings = decode(data, path)
    media_type = "text/plain"
    if looks_like_html(text):
        text, media_type = html_to_text(text), "text/html"
        warnings.append("HTML page converted to text (scripts, styles and hidden blocks dropped)")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text, replaced = replace_non_xml(text)
    text, removed = remove_glosses(text)
    if removed:
        warnings.append(f"{len(removed)} converter pinyin gloss(es) such as 關(guān) removed (SourceText.removed maps offsets back)")
    if not text.strip():
        raise ReadError(path, "empty file: no text once decoded" + (" (an HTML page with nothing visible)" if media_type == "text/html" else ""))
    return SourceText(path.name, text, encoding, hashlib.sha256(data).hexdigest(), media_type, tuple(warnings + replaced), removed)


def remove_glosses(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Remove converter pinyin glosses such as the "(guān)" of 關(guān), returning the offsets removed.

    >>> remove_glosses("關(guān)于發(fā)展(ICP)創(chuàng )新")
    ('關于發展(ICP)創新', ((1, 7), (9, 13), (20, 29)))
    """
    removed = tuple((match.start(), match.end()) for match in GLOSS.finditer(text))
    return GLOSS.sub("", text), removed


def file_offset(source: SourceText, offset: int) -> int:
    """Map an offset into a source text back to the decoded file, before glosses were removed.

    >>> source = SourceText("a.txt", "關于", "utf-8", "", "text/plain", (), ((1, 7),))
    >>> file_offset(source, 1)
    7
    """
    for start, end in source.removed:
        if start <= offset:
            offset += end - start
    return offset


def read_bytes(path: Path, inside: DataFolder | None = None) -> bytes:
    """Read a file's bytes (inside the data folder when given), refusing bad names, no regular file, hard links, large, empty and binary files."""
    name = os.fsencode(path.name).decode("utf-8", errors="replace")
    if name != path.name:
        raise ReadError(path, "file name is not valid UTF-8; rename the file")
    if NAME_FORBIDDEN.search(name):
        raise ReadError(path, "file name holds control characters (a line break, an escape…); rename the file")
    data = read_limited(path, max_file_bytes(), inside)
    if not data.strip():
        raise ReadError(path, "empty file")
    if is_binary(data[:BINARY_SAMPLE]):
        raise ReadError(path, "binary file (NUL or control bytes), not a text document")
    return data


def is_binary(sample: bytes) -> bool:
    """Tell whether the first bytes of a file are binary: a NUL byte, or more than 10% control bytes.

    >>> is_binary(b"%PDF-1.4\\n\\x00\\x01"), is_binary("高新区\\n".encode())
    (True, False)
    """
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in b"\t\n\r\f")
    return b"\x00" in sample or controls * 10 > len(sample)


def decode(data: bytes, path: Path) -> tuple[str, str, list[str]]:
    """Decode bytes as UTF-8, damaged UTF-8 or GB18030; refuse them naming the line of the first bad byte."""
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as error:
        first_bad = error.start
    damage = invalid_utf8(data)
    if is_damaged_utf8(data, damage):
        return data.decode("utf-8", errors="replace"), "utf-8", line_warnings(data, damage, "bytes that are not UTF-8 replaced by U+FFFD")
    try:
        return data.decode("gb18030"), "gb18030", []
    except UnicodeDecodeError:
        line = data[:first_bad].count(b"\n") + 1
        raise ReadError(path, f"line {line}: neither UTF-8 nor GB18030 (byte {first_bad})") from None


def invalid_utf8(data: bytes) -> list[int]:
    """List the byte offsets of the first invalid UTF-8 sequences, at most MAX_DAMAGE + 1 of them.

    >>> invalid_utf8("高新".encode() + b"\\xff" + "区".encode())
    [6]
    """
    found: list[int] = []
    position = 0
    while len(found) <= MAX_DAMAGE:
        try:
            data[position:].decode("utf-8")
            break
        except UnicodeDecodeError as error:
            found.append(position + error.start)
            position += error.end
    return found


def is_damaged_utf8(data: bytes, damage: list[int]) -> bool:
    """Tell whether a file that fails to decode is UTF-8 with a few broken bytes rather than another encoding."""
    if len(damage) > MAX_DAMAGE:
        return False
    non_ascii = sum(1 for char in data.decode("utf-8", errors="replace") if ord(char) > 0x7F and char != REPLACEMENT)
    return non_ascii >= DAMAGE_RATIO * len(damage)


def line_warnings(data: bytes, offsets: list[int], what: str) -> list[str]:
    """Say on which lines of a file something was found, one warning per line, summed up after a few."""
    lines = sorted({data[:offset].count(b"\n") + 1 for offset in offsets})
    warnings = [f"line {line}: {what}" for line in lines[:MAX_LINE_WARNINGS]]
    if len(lines) > MAX_LINE_WARNINGS:
        warnings.append(f"line {lines[MAX_LINE_WARNINGS]}: {what}, and on {len(lines) - MAX_LINE_WARNINGS - 1} more line(s)")
    return warnings


def replace_non_xml(text: str) -> tuple[str, list[str]]:
    """Replace the characters XML cannot carry (control characters, U+FFFE, U+FFFF) by U+FFFD, one for one.

    >>> replace_non_xml("第一行\\n第二\\x0c行")
    ('第一行\\n第二\ufffd行', ['line 2: control character(s) replaced by U+FFFD'])
    """
    offsets = [match.start() for match in NOT_XML.finditer(text)]
    if not offsets:
        return text, []
    encoded = text.encode("utf-8")  # count lines the same way as for bytes
    byte_offsets = [len(text[:offset].encode("utf-8")) for offset in offsets[: MAX_LINE_WARNINGS + 1]]
    return NOT_XML.sub(REPLACEMENT, text), line_warnings(encoded, byte_offsets, "control character(s) replaced by U+FFFD")


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
    """Collect the visible text of an HTML page, one block element per line.

    An element is hidden when it is a script, style, head ... or carries ``hidden``,
    ``display:none`` or ``visibility:hidden``; everything inside it is skipped up to
    its own end tag (nested elements of the same name counted), or up to the next
    block for a ``<p>``, whose end tag HTML lets a page leave out.
    """

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "title", "table", "ul", "ol"}
    CELLS = {"td", "th"}  # cells of one row stay on one line, separated by " | " as on the pipe tables of scraped pages
    HIDDEN = {"script", "style", "noscript", "template", "head", "iframe", "object", "svg"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
    CLOSES_P = BLOCKS - {"br", "li", "tr", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_tag: str | None = None
        self.hidden_depth = 0
        self.cells = 0  # cells opened in the current table row

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.hidden_tag == "p" and tag in self.CLOSES_P:
            self.hidden_tag, self.hidden_depth = None, 0
        if self.hidden_tag:
            self.hidden_depth += tag == self.hidden_tag and tag not in self.VOID
        elif tag not in self.VOID and is_hidden(tag, attrs, self.HIDDEN):
            self.hidden_tag, self.hidden_depth = tag, 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
            self.cells = 0 if tag == "tr" else self.cells
        elif tag in self.CELLS:
            self.parts.append(" | " if self.cells else "")
            self.cells += 1

    def handle_endtag(self, tag: str) -> None:
        if self.hidden_tag:
            if tag == self.hidden_tag:
                self.hidden_depth -= 1
                self.hidden_tag = self.hidden_tag if self.hidden_depth else None
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden_tag:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))  # HTML collapses white space; only blocks break lines


def is_hidden(tag: str, attrs: list[tuple[str, str | None]], hidden_tags: set[str]) -> bool:
    """Tell whether an element is never shown: a hidden kind of element, or hidden by attribute or style."""
    attributes = dict(attrs)
    style = (attributes.get("style") or "").replace(" ", "").lower()
    return tag in hidden_tags or "hidden" in attributes or "display:none" in style or "visibility:hidden" in style


def html_to_text(page: str) -> str:
    """Return the visible text of an HTML page, dropping scripts, styles and hidden blocks.

    >>> html_to_text('<div hidden><div>甲</div>乙</div><p hidden>丙<p>丁</p><img hidden src=x>戊')
    '丁\\n戊\\n'
    >>> html_to_text('<p>&amp;lt;script&amp;gt; 与 &lt;script&gt;</p>')
    '&lt;script&gt; 与 <script>\\n'
    """
    parser = _TextExtractor()
    parser.feed(page)
    parser.close()
    text = "".join(parser.parts)  # character references are already converted (convert_charrefs)
    text = "\n".join(re.sub(" {2,}", " ", line).strip(" ") for line in text.split("\n"))  # spaces of adjacent nodes collapse too
    return re.sub(r"\n\s*\n+", "\n\n", text).strip() + "\n"
