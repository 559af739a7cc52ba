"""Stage 4, identify: what one expression says about its document.

Title, 文号, issuer, province, dates, draft or final, the site's metadata
(索引号, 有效性) and the directives it cites. Every value keeps the span it was
read from. Identification reads the whole page, not only the body the clean
stage located: the metadata table a site prints above a document, the header
before the title (issuer, 文号) and the signature. The province is decided by
evidence in a fixed order (title or issuer, 文号 abbreviation, signature, names
in the body, site codes), never from a token the reference table does not
know, so a converter artefact such as "快遞大陸" never becomes a place.
"""

from __future__ import annotations

import re
from collections import Counter

from graph_build import reference
from graph_build.records import Citation, Expression, Identity, Span
from graph_build.text.clean import CHROME, artefact_tokens
from graph_build.text.gongwen import (
    DAMAGED_DATE,
    DOC_NUMBER,
    DOC_TYPE_NAMES,
    LABEL,
    LABEL_FIELD,
    OLD_DOC_NUMBER,
    SIGNATURE_DATE,
    TITLE_END,
    is_placeholder,
    normalise_doc_number,
    parse_date,
    without_spaces,
)

DRAFT = re.compile(r"征求意见稿|草案|送审稿|讨论稿")
ADDRESSEE = re.compile(r"^\s*(各[^。\n]{1,60}):\s*$", re.M)
CITATION = re.compile(rf"(?:《([^《》]{{4,80}})》\s*\(\s*)?({DOC_NUMBER.pattern}|{OLD_DOC_NUMBER.pattern})")
# A directive the text carries out (贯彻落实, 按照…要求); one named as a basis (根据…) is only cited:
# the nearer of the two verbs before a citation decides.
IMPLEMENTS = re.compile(r"贯彻|落实|执行|按照")
BASIS = re.compile(r"根据|依据|参照")
# A directive cited by its 《title》 alone and carried out: "推动国务院《…若干政策措施》落地见效", "贯彻落实《…意见》精神".
TITLE_CITATION = re.compile(rf"《([^《》]{{4,80}}?(?:{'|'.join(DOC_TYPE_NAMES)}))》(?!\s*\(?\s*[\u4e00-\u9fff]{{1,12}}\s*[〔\[(【﹝［]\s*(?:19|20)\d{{2}})")
TITLE_CARRIED_OUT = re.compile(r"(?:贯彻|落实)[^,。;:\n《》]{0,6}$")
CARRIED_OUT = re.compile(r"\s*(?:精神)?\s*(?:落地见效|落到实处|落地落实)")
ORG_SUFFIX = re.compile(r"(?:人民政府|政府|办公厅|办公室|厅|委员会|委|局|办|部|院|署|管委会)$")
# The line that opens the body: the addressee ("宿州市人民政府:"), a numbered part, or an opening clause.
OPENER = re.compile(r"^(?:[^。:]{2,100}:$|[一二三四五六七八九十]{1,3}、|第[一二三四五六七八九十]{1,3}[章条]|为[^。]{6,}|根据[^。]{6,}|按照[^。]{6,})")
# Bullets and site tags in front of a title: "• 【区级】", "【地方】(2016)".
TITLE_PREFIX = re.compile(r"^[•·\s]*(?:【[^】]{1,6}】)?\s*(?:\((?:19|20)\d{2}\)\s*)?")
# What a site may print after a title on the same line: a date, a bracket cut short, "时间:".
TITLE_TRAILER = re.compile(r"\s*(?:\(.*|时间.*|(?:19|20)\d{2}-.*)?")
NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|\([一二三四五六七八九十]{1,3}\)|\d{1,2}[.、]|第[一二三四五六七八九十]{1,3}[章条])")
INLINE_TIME = re.compile(r"(?<![发成])(?:时间)\s*:\s*((?:19|20)\d{2}-\d{1,2}-\d{1,2})")
SITE_DATE = re.compile(r"^(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
# The adoption note under the title of a local regulation (条例): "(2001年3月22日深圳市第三届人民代表大会常务委员会第六次会议通过".
ADOPTION = re.compile(r"\(\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*([\u4e00-\u9fff]{2,12}?第[一二三四五六七八九十]{1,3}届\s*人民代表大会\s*常务委员会)")
SITE_CODE = re.compile(r"(?:网站标识码|索引号)\s*[:]?\s*\|?\s*\n?\s*(\d{2})")
ICP = re.compile(r"([\u4e00-\u9fff])ICP备")
# The central government's documents: issued by 中共中央, 全国人大, 国务院 (and its 办公厅) or a ministry or
# commission of the State Council (科技部, 国家发展改革委 …), numbered 国发/国办发/国函/国科发火… (a provincial
# 文号 opens with the province's abbreviation, never 国), or the old form 〔92〕国科发火字395号.
CENTRAL_BODY = (
    r"中共中央|全国人民代表大会|全国人大|国务院|中国人民银行|海关总署|"
    r"(?:科学技术|科技|财政|商务|教育|工业和信息化|工信|人力资源和?社会保障|人社|自然资源|生态环境|住房和?城乡建设|住建"
    r"|交通运输|农业农村|农业|水利|民政|司法|国防|文化和旅游|应急管理|审计|国土资源|建设|信息产业)部"
    r"|国家[一-鿿]{2,12}?(?:委员会|委|总局|局|署)"
)
NATIONAL_ISSUER = re.compile(rf"^(?:{CENTRAL_BODY})")
NATIONAL_DOC_NUMBER = re.compile(r"^(?:国[一-鿿]{0,5}(?=[〔\[(【﹝［])|[〔\[(【﹝［]\d{2,4}[〕\])】﹞］]国)")
# A reply to a province's request ("黑龙江省人民政府:你省关于…的请示收悉"): the issuer stands above the province.
REPLY_TO_PROVINCE = re.compile(r"^\s*([一-鿿]{2,8}(?:省|自治区|市))人民政府:\s*你(?:省|区|市)", re.M)
HEAD_MAX = 40  # lines of a page that may hold the metadata table, the header and the title
TITLE_LINES = 3  # a title is printed on at most this many lines
Line = tuple[int, int]  # offsets of one non-empty line, white space at both ends left out


def identify(expression: Expression) -> Identity:
    """Read the identity of a document from one of its expressions."""
    text, view = expression.text, expression.clean.view
    start, end = expression.clean.body_start, expression.clean.body_end
    lines = page_lines(view)
    head = head_end(view, lines)
    warnings: list[str] = []
    meta = read_metadata(view, lines[:head])
    title = find_title(text, view, lines, head, meta)
    doc_number = find_doc_number(text, view, lines, head, title, meta)
    issuer = find_issuer(text, view, lines, head, title, meta)
    national = find_national(view, title, doc_number, issuer)
    province, evidence = (None, national) if national else find_province(view, start, end, title, doc_number, issuer)
    repairs = tuple((token, province.short_name) for token in artefact_tokens(expression.clean)) if province else ()
    signed = find_signature_date(text, view, lines, head, title, warnings) or metadata_date(text, view, meta, "date_document", warnings)
    published = metadata_date(text, view, meta, "date_publication", warnings) or site_date(text, view, lines[:head]) or inline_date(text, view, lines[:head])
    metadata_date(text, view, meta, "date_effective", warnings)  # only its warning: an effective date is not kept
    status = DRAFT.search(view, start, min(end, start + 200))
    return Identity(
        title=title,
        title_text=repair(one_line(view, title), repairs),
        doc_number=doc_number,
        doc_number_text=normalise_doc_number(view[doc_number.start : doc_number.end]) if doc_number else None,
        issuer=issuer,
        issuer_name=issuer_name(one_line(view, issuer), province, repairs),
        province_code=province.code if province else None,
        province_evidence=evidence,
        national=national is not None,
        date_document=signed[0] if signed else None,
        date_document_span=signed[1] if signed else None,
        date_publication=published[0] if published else None,
        date_publication_span=published[1] if published else None,
        status="draft" if status else "final",
        status_span=Span.of(text, status.start(), status.end()) if status else None,
        document_type=document_type(view, title),
        addressee=find_addressee(text, view, start, end),
        citations=find_citations(text, view, start, len(view), doc_number),
        repairs=repairs,
        index_number=metadata_span(text, view, meta, "index_number", re.compile(r"[0-9A-Za-z][0-9A-Za-z/_.\-]{3,}")),
        validity=metadata_span(text, view, meta, "validity", re.compile(r"[\u4e00-\u9fff]{2,6}")),
        warnings=tuple(warnings),
    )


# ---- lines and values -------------------------------------------------------


def page_lines(view: str) -> list[Line]:
    """List the non-empty lines of a page as offsets without their surrounding white space."""
    lines, offset = [], 0
    for raw in view.split("\n"):
        stripped = raw.strip()
        if stripped:
            left = offset + len(raw) - len(raw.lstrip())
            lines.append((left, left + len(stripped)))
        offset += len(raw) + 1
    return lines


def head_end(view: str, lines: list[Line]) -> int:
    """Find the index of the line that opens the body (addressee, 一、, 为…), at most HEAD_MAX."""
    for i, (s, e) in enumerate(lines[:HEAD_MAX]):
        line = view[s:e]
        if OPENER.match(line) and not LABEL.match(line) and not CHROME.search(line) and not title_in(view, view, s, e):
            return i
    return min(len(lines), HEAD_MAX)


def one_line(view: str, span: Span | None) -> str | None:
    """Return the analysis text of a span on one line, without spaces."""
    return without_spaces(view[span.start : span.end]) if span else None


def repair(value: str | None, repairs: tuple[tuple[str, str], ...]) -> str | None:
    """Replace converter-artefact tokens in a derived value by what they stand for.

    >>> repair("快递大陆省人民政府", (("快递大陆", "云南"),))
    '云南省人民政府'
    """
    if value is None:
        return None
    for token, meant in repairs:
        value = value.replace(token, meant)
    return value


def strip_span(text: str, start: int, end: int) -> Span:
    """Cut a span without the white space at its ends."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span.of(text, start, end)


# ---- metadata table -------------------------------------------------------------


def read_metadata(view: str, lines: list[Line]) -> dict[str, Line]:
    """Read the labelled fields of a site's metadata table (发文字号:, 成文日期 |, 【颁发部门】) as value offsets."""
    found: dict[str, Line] = {}
    for i, (s, e) in enumerate(lines):
        labels = list(LABEL.finditer(view, s, e))
        labels = [m for m in labels if m.start() == s or view[m.start() - 1] in " \u3000|【\t"]
        for k, match in enumerate(labels):
            value = value_offsets(view, match.end(), labels[k + 1].start() if k + 1 < len(labels) else e)
            if value is None and len(labels) == 1 and i + 1 < len(lines) and not LABEL.match(view, *lines[i + 1]):
                value = lines[i + 1]
            field = LABEL_FIELD[without_spaces(match.group(1))]
            if value and field not in found:
                found[field] = value
    return found


def value_offsets(view: str, start: int, end: int) -> Line | None:
    """Cut the offsets of a cell's value, without separators and white space, or None when it is empty."""
    while start < end and view[start] in " \u3000|】:\t":
        start += 1
    while end > start and view[end - 1] in " \u3000|【\t":
        end -= 1
    return (start, end) if start < end else None


def metadata_span(text: str, view: str, meta: dict[str, Line], field: str, shape: re.Pattern[str]) -> Span | None:
    """Return the span of a metadata value of the expected shape (an 索引号, a 有效性 word)."""
    if field not in meta:
        return None
    match = shape.match(view, *meta[field])
    return Span.of(text, match.start(), match.end()) if match else None


def metadata_date(text: str, view: str, meta: dict[str, Line], field: str, warnings: list[str]) -> tuple[str, Span] | None:
    """Read a date of the metadata table; a placeholder (1900-1-1, 1970-…) is refused with a warning."""
    if field not in meta:
        return None
    s, e = meta[field]
    parsed = parse_date(view[s:e])
    if parsed is None:
        return None
    iso, start, end = parsed
    if is_placeholder(iso):
        warnings.append(f"metadata {field} {text[s + start : s + end]!r} is a placeholder, not a date: left out")
        return None
    return iso, Span.of(text, s + start, s + end)


def site_date(text: str, view: str, lines: list[Line]) -> tuple[str, Span] | None:
    """Find a site's publication stamp: a line that is only an ISO date and time ("2022-05-23", "2017-11-08 17:15")."""
    for s, e in lines:
        if SITE_DATE.match(view[s:e]) and (parsed := parse_date(view[s:e])) and not is_placeholder(parsed[0]):
            return parsed[0], Span.of(text, s + parsed[1], s + parsed[2])
    return None


def inline_date(text: str, view: str, lines: list[Line]) -> tuple[str, Span] | None:
    """Find a publication date glued to other site text ("…的批复时间: 2018-05-21信息来源:…")."""
    for s, e in lines:
        if (match := INLINE_TIME.search(view, s, e)) and (parsed := parse_date(match.group(1))) and not is_placeholder(parsed[0]):
            return parsed[0], Span.of(text, match.start(1), match.end(1))
    return None


# ---- title ---------------------------------------------------------------------------


def find_title(text: str, view: str, lines: list[Line], head: int, meta: dict[str, Line]) -> Span | None:
    """Find the title: the last title before the body opens, else the metadata 标题, a 《title》, the first title after."""
    in_head = [span for i in range(head) if (span := title_at(text, view, lines, i, 0))]
    if in_head:
        return in_head[-1]
    if "title" in meta and (span := title_in(text, view, *meta["title"])):
        return span
    if span := quoted_title(text, view, lines[:head] or lines[:1]):
        return span
    after = (span for i in range(head, min(len(lines), head + HEAD_MAX)) if (span := title_at(text, view, lines, i, head)))
    return next(after, None)


def title_in(text: str, view: str, start: int, end: int) -> Span | None:
    """Cut a title out of one line: after bullets and site tags, up to its document type (and 试行 mark)."""
    prefix = TITLE_PREFIX.match(view[start:end])  # on a slice: "^" does not match at a search position
    start += prefix.end() if prefix else 0
    line = view[start:end]
    if "。" in line or re.search(r"[!?]", line) or NUMBERED.match(line) or CHROME.search(line) or LABEL.match(line):
        return None
    ends = [m for m in TITLE_END.finditer(view, start, end) if TITLE_TRAILER.fullmatch(view, m.end(), end)]
    if not ends or len(without_spaces(view[start : ends[-1].end()])) < 6:
        return None
    return strip_span(text, start, ends[-1].end())


def title_at(text: str, view: str, lines: list[Line], i: int, lowest: int) -> Span | None:
    """Find a title ending on line i, joining up to two lines above it that begin it (…关于 / …的批复)."""
    s, e = lines[i]
    last = title_in(text, view, s, e)
    if last is None or DOC_NUMBER.fullmatch(view, s, e):
        return None
    first = last.start
    for k in range(1, TITLE_LINES):
        if i - k < lowest or not is_fragment(view, lines[i - k]):
            break
        if "关于" in without_spaces(view[lines[i - k][0] : lines[i - k][1]]) and "关于" not in without_spaces(view[first : last.end]):
            first = lines[i - k][0]
            if without_spaces(view[first : last.end]).startswith("关于") and i - k - 1 >= lowest and is_org_line(view, lines[i - k - 1]):
                first = lines[i - k - 1][0]
            break
    return strip_span(text, first, last.end) if len(without_spaces(view[first : last.end])) <= 120 else None


def is_fragment(view: str, line: Line) -> bool:
    """Tell whether a line may be the first part of a title broken over lines."""
    value = view[line[0] : line[1]]
    bad = "。" in value or value.endswith(":") or LABEL.match(value) or DOC_NUMBER.search(value) or CHROME.search(value)
    return not bad and len(without_spaces(value)) <= 40 and not NUMBERED.match(value)


def is_org_line(view: str, line: Line) -> bool:
    """Tell whether a line is only the name of a body ("河南省人民政府", "科 技 部")."""
    value = without_spaces(view[line[0] : line[1]])
    return 2 <= len(value) <= 30 and bool(ORG_SUFFIX.search(value)) and re.fullmatch(r"[\u4e00-\u9fff()]+", value) is not None


def quoted_title(text: str, view: str, lines: list[Line]) -> Span | None:
    """Find a title quoted in 《》 on a header line ("粤府函〔2020〕375号《广东省人民政府关于…的批复》")."""
    for s, e in lines:
        for match in re.finditer(r"《([^《》]{6,120})》", view[s:e]):
            inner = s + match.start(1), s + match.end(1)
            if "关于" in match.group(1) and (span := title_in(text, view, *inner)) and span.end == inner[1]:
                return span
    return None


def document_type(view: str, title: Span | None) -> str | None:
    """Name the kind of document from the end of its title (实施意见, 若干措施, 批复 ...)."""
    if not title:
        return None
    match = list(TITLE_END.finditer(view, title.start, title.end))
    return re.sub(r"\s*\(.*$", "", match[-1].group()) if match else None


# ---- 文号 -------------------------------------------------------------------------------


def find_doc_number(text: str, view: str, lines: list[Line], head: int, title: Span | None, meta: dict[str, Line]) -> Span | None:
    """Find the document's own 文号: the metadata 发文字号, else a header line that opens with one."""
    if "doc_number" in meta and (match := DOC_NUMBER.search(view, *meta["doc_number"])):
        return Span.of(text, match.start(), match.end())
    below_title = next((i + 1 for i, (s, e) in enumerate(lines) if title and s <= title.end <= e), 0)
    for s, e in lines[: max(head, below_title + 3)]:
        value = view[s:e]
        inner = s + 1 if value[:1] in "([" else s  # "(苏政复〔2012〕47号)"
        match = DOC_NUMBER.match(view, inner, e)
        rest = view[match.end() : e].strip(" )]") if match else None
        if match and (not rest or rest.startswith("《") or TITLE_END.search(rest)):
            return Span.of(text, match.start(), match.end())
    return None


# ---- issuer and dates ----------------------------------------------------------------------


def find_issuer(text: str, view: str, lines: list[Line], head: int, title: Span | None, meta: dict[str, Line]) -> Span | None:
    """Find the issuer: the title's words before 关于/印发, the metadata 发文机关, the signature, the header."""
    if title and (match := re.search(r"关\s*于|印\s*发|转\s*发|批\s*转", view[title.start : title.end])):
        name = view[title.start : title.start + match.start()].strip()
        if ORG_SUFFIX.search(without_spaces(name)):
            return strip_span(text, title.start, title.start + match.start())
    if "issuer" in meta and (match := re.match(r"[\u4e00-\u9fff()]{2,30}", view[slice(*meta["issuer"])])):
        return Span.of(text, meta["issuer"][0], meta["issuer"][0] + match.end())
    if signer := signature_line(view, lines, head):
        return strip_span(text, *signer)
    if adoption := ADOPTION.search(view, 0, lines[min(head + 5, len(lines) - 1)][1] if lines else 0):
        return Span.of(text, adoption.start(2), adoption.end(2))
    header = next((line for line in lines[:head] if is_org_line(view, line) and (not title or line[1] <= title.start)), None)
    return strip_span(text, *header) if header else None


def signature_line(view: str, lines: list[Line], head: int) -> Line | None:
    """Find the issuer line right above the first signature date after the header."""
    for i in range(max(head, 1), len(lines)):
        if SIGNATURE_DATE.match(view[slice(*lines[i])]) and is_org_line(view, lines[i - 1]):
            return lines[i - 1]
    return None


def find_signature_date(text: str, view: str, lines: list[Line], head: int, title: Span | None, warnings: list[str]) -> tuple[str, Span] | None:
    """Find the signature date: the first date line after the header, else a 条例's adoption date; report damaged dates."""
    lowest = next((i for i, (s, _) in enumerate(lines) if title and s >= title.end), head)
    for i in range(min(head, lowest), len(lines)):
        s, e = lines[i]
        if SIGNATURE_DATE.match(view[s:e]) and (parsed := parse_date(view[s:e])):
            return parsed[0], Span.of(text, s + parsed[1], s + parsed[2])
        if DAMAGED_DATE.match(view[s:e]) and i > 0 and is_org_line(view, lines[i - 1]):
            warnings.append(f"signature date {text[s:e]!r} is damaged (no 年月日): left out, not guessed")
    adoption = ADOPTION.search(view, 0, lines[min(head + 5, len(lines) - 1)][1] if lines else 0)
    if adoption and (parsed := parse_date(adoption.group(1))):
        return parsed[0], Span.of(text, adoption.start(1), adoption.end(1))
    return None


def issuer_name(value: str | None, province: reference.Province | None, repairs: tuple[tuple[str, str], ...]) -> str | None:
    """Name the issuer in full: artefacts repaired, "省政府" and "X省政府" as the province's 人民政府, no 第N届.

    >>> issuer_name("深圳市第三届人民代表大会常务委员会", None, ())
    '深圳市人民代表大会常务委员会'
    """
    value = repair(value, repairs)
    if value is None:
        return None
    value = re.sub(r"第[一二三四五六七八九十]{1,3}届", "", value)
    if province and value in ("省政府", "省人民政府"):
        return f"{province.name}人民政府"
    return re.sub(r"^(.{2,8}[省市区])政府$", r"\1人民政府", value)


# ---- province ------------------------------------------------------------------------------------


def find_province(
    view: str, start: int, end: int, title: Span | None, doc_number: Span | None, issuer: Span | None
) -> tuple[reference.Province | None, str | None]:
    """Decide the province from the strongest evidence available, and say which."""
    for label, span in (("issuer", issuer), ("title", title)):
        if span and (province := reference.province_at_start(view[span.start : span.end])):
            return province, f"{label} names {province.name}"
    if doc_number and (province := reference.by_doc_prefix(view[doc_number.start : doc_number.end])):
        return province, f"文号 opens with {province.doc_prefix}, the abbreviation of {province.name}"
    if province := most_named_province(view[start:end]):
        return province, f"the body names {province.short_name} more than any other province"
    return province_from_site(view)


def find_national(view: str, title: Span | None, doc_number: Span | None, issuer: Span | None) -> str | None:
    """Say why a document is the central government's (issuer, title or 文号), or return None.

    >>> find_national("国务院关于促进国家高新技术产业开发区高质量发展的若干意见", Span.of("国务院关于促进", 0, 7), None, None)
    'title opens with 国务院'
    """
    for label, span, pattern in (("issuer", issuer, NATIONAL_ISSUER), ("title", title, NATIONAL_ISSUER), ("文号", doc_number, NATIONAL_DOC_NUMBER)):
        if span and (match := pattern.match(without_spaces(view[span.start : span.end]))):
            return f"{label} opens with {match.group()}"
    if (match := REPLY_TO_PROVINCE.search(view, 0, 2000)) and reference.province_at_start(match.group(1)) is not None:
        return f"a reply to {match.group(1)}人民政府 (你省…): its issuer stands above the province"
    return None


def most_named_province(body: str) -> reference.Province | None:
    """Find the province the body names most often, if it names one at least twice."""
    counts = Counter({p.code: body.count(p.short_name) for p in reference.provinces()})
    code, count = counts.most_common(1)[0]
    return reference.by_code(code) if count >= 2 else None


def province_from_site(view: str) -> tuple[reference.Province | None, str | None]:
    """Fall back on the site's codes: 网站标识码/索引号 digits, or the ICP abbreviation."""
    if (match := SITE_CODE.search(view)) and (province := reference.by_code_prefix(match.group(1))):
        return province, f"the site code starts with {match.group(1)}, the code of {province.name}"
    if match := ICP.search(view):
        abbr = match.group(1)
        province = next((p for p in reference.provinces() if abbr in (p.doc_prefix, p.other_abbr)), None)
        if province:
            return province, f"the site's ICP licence opens with {abbr}, the abbreviation of {province.name}"
    return None, None


# ---- addressee and citations -----------------------------------------------------------------------


def find_addressee(text: str, view: str, start: int, end: int) -> Span | None:
    """Find the addressee line (主送), e.g. "各州、市人民政府,省直各委、办、厅、局:"."""
    match = ADDRESSEE.search(view, start, min(end, start + 400))
    return Span.of(text, match.start(1), match.end(1)) if match else None


def find_citations(text: str, view: str, start: int, end: int, own: Span | None) -> tuple[Citation, ...]:
    """Find every 文号 the text cites from its body on, with its 《title》 and whether it is implemented."""
    own_number = normalise_doc_number(view[own.start : own.end]) if own else None
    citations = []
    for match in CITATION.finditer(view, start, end):
        number = normalise_doc_number(match.group(2))
        if number == own_number or (own and own.start <= match.start(2) < own.end):
            continue
        implements = carried_out(view, start, match.start())
        citations.append(Citation(number, match.group(1), Span.of(text, match.start(), match.end()), implements))
    numbered = {c.title for c in citations}
    for match in TITLE_CITATION.finditer(view, start, end):
        title = match.group(1)
        if title in numbered or not (TITLE_CARRIED_OUT.search(view, max(start, match.start() - 12), match.start()) or CARRIED_OUT.match(view, match.end())):
            continue  # only a directive plainly carried out is worth a node without its 文号 (not 按照《…办法》要求, 印发《…》)
        citations.append(Citation("", title, Span.of(text, match.start(), match.end()), True))
    return tuple(citations)


def carried_out(view: str, start: int, at: int) -> bool:
    """Tell whether the sentence before a citation carries it out: 贯彻/落实/按照 nearer to it than 根据/依据.

    >>> text = "为贯彻落实《甲》(国发〔2020〕7号),根据《乙》"
    >>> carried_out(text, 0, text.index("《乙》")), carried_out(text, 0, text.index("《甲》"))
    (False, True)
    """
    sentence_start = max(view.rfind("。", start, at), view.rfind("\n", start, at), start)
    implement = [m.end() for m in IMPLEMENTS.finditer(view, sentence_start, at)]
    basis = [m.end() for m in BASIS.finditer(view, sentence_start, at)]
    return bool(implement) and max(implement) > max(basis, default=-1)
