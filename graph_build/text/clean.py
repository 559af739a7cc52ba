"""Stage 2, clean: find the document's body in a scraped page and report every dropped line.

A scraped page is site chrome, then the title, the body and the signature,
then more chrome. Lines before the title and after the signature are dropped
as chrome; spam lines are dropped wherever they stand. Nothing is deleted:
dropped lines are reported with their line number and reason, and the
script stage blanks them in the analysis text, so every offset stays valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graph_build import reference
from graph_build.records import CleanText, DroppedLine, SourceText, Span
from graph_build.text.gongwen import DOC_NUMBER, DOC_TYPES, LABEL, SIGNATURE_DATE, TITLE_TAIL
from graph_build.text.read import ReadError
from graph_build.text.script import analysis_view

# A document title: "…关于…的实施意见", "…若干措施", "…的批复", "…行动方案(征求意见稿)".
TITLE_END = re.compile(rf"(?:{DOC_TYPES})\s*(?:{TITLE_TAIL})?\s*$")
# Lines that open the body when there is no title: the addressee, "为…", or section 一、.
BODY_OPENER = re.compile(r"^\s*(?:各[^。]{1,40}[:]$|为[^。]{6,}|根据[^。]{6,}|一、)")
# A numbered heading (三、保障措施, (一)…, 1.…) is never the title, however it ends.
NUMBERED_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}、|\([一二三四五六七八九十]{1,3}\)|\d{1,2}[.、])")
# The label of an attached document: "附件", "附件1:", "附件：".
ATTACHMENT = re.compile(r"^\s*附\s*件\s*\d*\s*[:]?\s*$")
# An attachment holds at least this many Chinese characters of text (a 附件 list of file names does not).
MIN_ATTACHMENT_CHARS = 60
AFTER_SIGNATURE = re.compile(r"^\s*\((?:此件[^)]*|此页无正文)\)\s*$")
# Chrome vocabulary of Chinese government and repost sites (simplified).
CHROME = re.compile(
    r"分享到|网站地图|网站声明|关于我们|主办单位|承办单位|运行维护|ICP备|公网安备|网站标识码|"
    r"来访者|访问量|打印本页|关闭窗口|相关文档|相关链接|上一篇|下一篇|扫一扫|官方公众号|字号|您的位置|首页\s*>|"
    r"^\s*(?:曝光|[|?]|更多>>)\s*$"
)
# Spam of hacked or low-quality pages; a line with two distinct hits is spam.
SPAM_WORDS = ("成人", "在线", "免费", "麻豆", "av", "色情", "博彩", "彩票", "娱乐城", "赌", "棋牌", "裸聊", "六合彩", "代开发票", "热搜词")
# A token standing where a province name belongs, as in "快递大陆省人民政府".
PROVINCE_SLOT = re.compile(r"(?:^|(?<=[\s,、。:;(“]))([\u4e00-\u9fff]{2,5}?)省人民政府")
# A body with fewer Chinese characters than this, once chrome and spam are dropped, is no document.
MIN_BODY_CHARS = 20
_CJK = re.compile(r"[\u4e00-\u9fff]")


class NoBodyError(ReadError):
    """A page with no document body: nothing but site chrome and spam."""


@dataclass(frozen=True)
class Line:
    """One line of a text with its offsets and its analysis view."""

    no: int
    start: int
    end: int
    view: str


def clean(source: SourceText) -> CleanText:
    """Locate the body of a scraped page and report the lines dropped around and inside it."""
    view = analysis_view(source.text)
    lines = split_lines(source.text, view)
    first = body_first_line(lines)
    last = body_last_line(lines, first)
    dropped = [drop(source.text, line, reason_outside(line, first)) for line in lines if outside(line, first, last)]
    dropped += [drop(source.text, line, "spam") for line in lines[first : last + 1] if is_spam(line.view)]
    body_start, body_end = lines[first].start, lines[last].end
    require_body(source, view, body_start, body_end, dropped)
    return CleanText(source, view, body_start, body_end, tuple(dropped), tuple(find_artefacts(lines)))


def require_body(source: SourceText, view: str, start: int, end: int, dropped: list[DroppedLine]) -> None:
    """Raise NoBodyError when the body holds too little Chinese text once dropped lines are taken out."""
    dropped_chars = sum(len(_CJK.findall(view, line.span.start, line.span.end)) for line in dropped if start <= line.span.start < end)
    count = len(_CJK.findall(view, start, end)) - dropped_chars
    if count < MIN_BODY_CHARS:
        reason = f"no document body: {count} Chinese character(s) outside spam and site chrome (clean.MIN_BODY_CHARS is {MIN_BODY_CHARS})"
        raise NoBodyError(Path(source.name), reason)


def split_lines(text: str, view: str) -> list[Line]:
    """Split a text into numbered lines with offsets and their analysis view."""
    lines, start = [], 0
    for no, raw in enumerate(text.split("\n"), start=1):
        lines.append(Line(no, start, start + len(raw), view[start : start + len(raw)]))
        start += len(raw) + 1
    return lines


def body_first_line(lines: list[Line]) -> int:
    """Find the index of the body's first line: the title, else the first body opener."""
    opener = next((i for i, line in enumerate(lines) if BODY_OPENER.match(line.view)), None)
    limit = opener if opener is not None else len(lines)
    titles = [i for i in range(limit) if is_title(lines, i)]
    if titles:
        return title_start(lines, titles[-1])
    if opener is not None:
        return opener
    return next((i for i, line in enumerate(lines) if line.view.strip()), 0)  # a blank text has no body: require_body says so


def is_title(lines: list[Line], i: int) -> bool:
    """Tell whether line i ends a document title."""
    text = lines[i].view.strip()
    if NUMBERED_HEADING.match(text):
        return False
    return 6 <= len(text) <= 80 and bool(TITLE_END.search(text)) and "。" not in text and not CHROME.search(text)


def title_start(lines: list[Line], i: int) -> int:
    """Step back over the first half of a title broken across two lines."""
    previous = lines[i - 1].view.strip() if i > 0 else ""
    here = lines[i].view.strip()
    if "关于" not in here and previous and "关于" in previous and "。" not in previous and len(previous) <= 40:
        return i - 1
    return i


def body_last_line(lines: list[Line], first: int) -> int:
    """Find the index of the body's last line: the signature date, else the last line of content."""
    dates = [i for i in range(first, len(lines)) if SIGNATURE_DATE.match(lines[i].view)]
    if dates:
        last = dates[-1]
        following = next((j for j in range(last + 1, len(lines)) if lines[j].view.strip()), None)
        if following is not None and AFTER_SIGNATURE.match(lines[following].view):
            last = following
        if not attachment_after(lines, last):
            return last
        first = last  # a cover notice (印发…的通知) signed above the document it publishes: the body runs on to the attachment's end
    for i in range(len(lines) - 1, first, -1):
        view = lines[i].view.strip()
        if view and not CHROME.search(view) and not is_spam(view) and (len(view) > 15 or "。" in view):
            return i
    return first


def attachment_after(lines: list[Line], signed: int) -> bool:
    """Tell whether a document follows a signature: within three lines, 附件 or a title, then a paragraph of text.

    A cover notice (…关于印发《…若干措施》的通知) is signed above the document it
    publishes; that attachment is the policy itself and belongs to the body.
    """
    following = [j for j in range(signed + 1, len(lines)) if lines[j].view.strip()]
    for k, j in enumerate(following[:3]):
        if ATTACHMENT.match(lines[j].view) or is_title(lines, j):
            rest = following[k + 1 :]
            return sum(len(_CJK.findall(lines[r].view)) for r in rest) >= MIN_ATTACHMENT_CHARS
    return False


def outside(line: Line, first: int, last: int) -> bool:
    """Tell whether a non-empty line stands outside the body."""
    return bool(line.view.strip()) and not first <= line.no - 1 <= last


def reason_outside(line: Line, first: int) -> str:
    """Say why a line outside the body is dropped."""
    if is_spam(line.view):
        return "spam"
    if line.no - 1 < first:
        return "document header before the title" if is_header(line.view) else "site chrome before the title"
    return "site chrome after the signature"


def is_header(view: str) -> bool:
    """Tell whether a line before the title belongs to the document: a metadata field, a 文号, an issuer's name.

    >>> is_header("发文字号: | 国科发火〔2021〕106号"), is_header("陕政函〔2024〕19号"), is_header("四川省人民政府"), is_header("网站地图")
    (True, True, True, False)
    """
    text = view.strip()
    issuer = re.fullmatch(r"[\u4e00-\u9fff]{2,20}(?:人民政府|办公厅|委员会|厅|局|部|国务院)(?:文件)?", text.replace(" ", ""))
    return bool(LABEL.match(text) or DOC_NUMBER.match(text) or issuer)


def is_spam(view: str) -> bool:
    """Tell whether a line is spam: two or more distinct spam words.

    >>> is_spam("成人在线欧美/免费麻豆av")
    True
    >>> is_spam("对高新区内企业给予免费诊断")
    False
    """
    lowered = view.lower()
    return sum(word in lowered for word in SPAM_WORDS) >= 2


def drop(text: str, line: Line, reason: str) -> DroppedLine:
    """Record a dropped line."""
    return DroppedLine(line.no, Span.of(text, line.start, line.end), reason)


def find_artefacts(lines: list[Line]) -> list[str]:
    """Report tokens that stand where a province name belongs but name no province."""
    found: dict[str, int] = {}
    for line in lines:
        for match in PROVINCE_SLOT.finditer(line.view):
            token = match.group(1)
            if reference.by_name(token) is None and not token.endswith(("各", "全", "本", "我")):
                found.setdefault(token, line.no)
    return [f"line {no}: {token!r} stands where a province name belongs" for token, no in found.items()]


def artefact_tokens(clean_text: CleanText) -> tuple[str, ...]:
    """Return the tokens named by the artefact reports of a cleaned text."""
    return tuple(re.findall(r"'([^']+)'", " ".join(clean_text.artefacts)))
