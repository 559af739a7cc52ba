"""Stage 4, identify: what one expression says about its document.

Title, 文号, issuer, province, dates, draft or final, and the directives it
cites. Every value keeps the span it was read from. The province is decided
by evidence in a fixed order (title or issuer, 文号 abbreviation, signature,
names in the body, site codes), never from a token the reference table does
not know, so a converter artefact such as "快遞大陸" never becomes a place.
"""

from __future__ import annotations

import re
from collections import Counter

from graph_build import reference
from graph_build.records import Citation, Expression, Identity, Span
from graph_build.text.clean import DOC_TYPES, SIGNATURE_DATE, artefact_tokens

DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[(]\s*(?:19|20)\d{2}\s*[〕\])]\s*\d{1,4}\s*号")
HEADER_LABEL = re.compile(r"^\s*(文号|发文字号|公开日期|发布日期|成文日期)\s*[:]?\s*(.*)$")
DATE = re.compile(r"((?:19|20)\d{2})\s*(?:-|年|/|\.)\s*(\d{1,2})\s*(?:-|月|/|\.)\s*(\d{1,2})")
DRAFT = re.compile(r"征求意见稿|草案|送审稿|讨论稿")
ADDRESSEE = re.compile(r"^\s*(各[^。\n]{1,60}):\s*$", re.M)
CITATION = re.compile(rf"(?:《([^《》]{{4,80}})》\s*\(\s*)?({DOC_NUMBER.pattern})")
IMPLEMENTS = re.compile(r"贯彻|落实|实施|执行|按照|根据")
ORG_SUFFIX = re.compile(r"(?:人民政府|办公厅|厅|委员会|委|局|办)$")
SITE_CODE = re.compile(r"(?:网站标识码|索引号)\s*[:]?\s*\n?\s*(\d{2})")
ICP = re.compile(r"([\u4e00-\u9fff])ICP备")
# The central government's documents: issued by 中共中央 or 国务院 (and its 办公厅), numbered 国发/国办发/国函/国办函.
NATIONAL_ISSUER = re.compile(r"^(?:中共中央|国务院)")
NATIONAL_DOC_NUMBER = re.compile(r"^国(?:发|办发|函|办函)")
HEAD_LINES = 6  # how many body lines may carry the title, 文号 and draft mark
TAIL_LINES = 8  # how many body lines may carry the signature


def identify(expression: Expression) -> Identity:
    """Read the identity of a document from one of its expressions."""
    text, view = expression.text, expression.clean.view
    start, end = expression.clean.body_start, expression.clean.body_end
    title = find_title(text, view, start)
    doc_number = find_doc_number(text, view, start)
    issuer = find_issuer(text, view, title, end)
    national = find_national(view, title, doc_number, issuer)
    province, evidence = (None, national) if national else find_province(view, start, end, title, doc_number, issuer)
    repairs = tuple((token, province.short_name) for token in artefact_tokens(expression.clean)) if province else ()
    signature = find_signature_date(text, view, start, end)
    published = find_header_date(text, view, start, ("公开日期", "发布日期"))
    status = DRAFT.search(view, start, min(end, start + 200))
    return Identity(
        title=title,
        title_text=repair(one_line(view, title), repairs),
        doc_number=doc_number,
        doc_number_text=normalise_doc_number(view[doc_number.start : doc_number.end]) if doc_number else None,
        issuer=issuer,
        issuer_name=repair(one_line(view, issuer), repairs),
        province_code=province.code if province else None,
        province_evidence=evidence,
        national=national is not None,
        date_document=signature[0] if signature else None,
        date_document_span=signature[1] if signature else None,
        date_publication=published[0] if published else None,
        date_publication_span=published[1] if published else None,
        status="draft" if status else "final",
        status_span=Span.of(text, status.start(), status.end()) if status else None,
        document_type=document_type(view, title),
        addressee=find_addressee(text, view, start, end),
        citations=find_citations(text, view, start, end, doc_number),
        repairs=repairs,
    )


def one_line(view: str, span: Span | None) -> str | None:
    """Return the analysis text of a span on one line, without spaces."""
    return re.sub(r"\s+", "", view[span.start : span.end]) if span else None


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


def body_lines(view: str, start: int, end: int) -> list[tuple[int, int]]:
    """List the (start, end) offsets of the non-empty lines of the body."""
    lines, offset = [], start
    for raw in view[start:end].split("\n"):
        if raw.strip():
            lines.append((offset, offset + len(raw)))
        offset += len(raw) + 1
    return lines


def strip_span(text: str, start: int, end: int) -> Span:
    """Cut a span without the white space at its ends."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span.of(text, start, end)


def find_title(text: str, view: str, start: int) -> Span | None:
    """Find the title at the head of the body, joining a title broken over two lines."""
    lines = body_lines(view, start, len(view))[:HEAD_LINES]
    ends = [i for i, (s, e) in enumerate(lines[:2]) if re.search(rf"(?:{DOC_TYPES})\s*$", view[s:e]) and "。" not in view[s:e]]
    if not ends:
        return None
    first = 0 if "关于" in view[lines[0][0] : lines[0][1]] or ends[0] == 0 else ends[0]
    return strip_span(text, lines[first][0], lines[ends[0]][1])


def find_doc_number(text: str, view: str, start: int) -> Span | None:
    """Find the document's own 文号: a labelled header field, else a line of its own under the title."""
    labelled = find_header_value(view, start, ("文号", "发文字号"))
    if labelled:
        match = DOC_NUMBER.search(view, labelled[0], labelled[1] + 40)
        if match:
            return Span.of(text, match.start(), match.end())
    for s, e in body_lines(view, start, len(view))[:HEAD_LINES]:
        match = DOC_NUMBER.fullmatch(view[s:e].strip())
        if match:
            offset = s + len(view[s:e]) - len(view[s:e].lstrip())
            return Span.of(text, offset + match.start(), offset + match.end())
    return None


def find_header_value(view: str, start: int, labels: tuple[str, ...]) -> tuple[int, int] | None:
    """Find the offsets of the value of a labelled header field before the body."""
    lines = body_lines(view, 0, start)
    for i, (s, e) in enumerate(lines):
        match = HEADER_LABEL.match(view[s:e])
        if match and match.group(1) in labels:
            if match.group(2).strip():
                return s + match.start(2), e
            if i + 1 < len(lines):
                return lines[i + 1]
    return None


def find_header_date(text: str, view: str, start: int, labels: tuple[str, ...]) -> tuple[str, Span] | None:
    """Find an ISO date in a labelled header field such as 公开日期."""
    value = find_header_value(view, start, labels)
    match = DATE.search(view, value[0], value[1]) if value else None
    return (iso(match), Span.of(text, match.start(), match.end())) if match else None


def find_signature_date(text: str, view: str, start: int, end: int) -> tuple[str, Span] | None:
    """Find the signature date among the last lines of the body."""
    for s, e in reversed(body_lines(view, start, end)[-TAIL_LINES:]):
        if SIGNATURE_DATE.match(view[s:e]):
            match = DATE.search(view, s, e)
            assert match is not None
            return iso(match), Span.of(text, match.start(), match.end())
    return None


def iso(match: re.Match[str]) -> str:
    """Format a matched year, month and day as an ISO date."""
    year, month, day = (int(group) for group in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def find_issuer(text: str, view: str, title: Span | None, end: int) -> Span | None:
    """Find the issuer: the words before 关于 in the title, else the signature line."""
    if title:
        head = view[title.start : title.end].split("关于")[0]
        if "关于" in view[title.start : title.end] and ORG_SUFFIX.search(head.strip()):
            return strip_span(text, title.start, title.start + len(head))
    lines = body_lines(view, 0, end)
    for i in range(len(lines) - 1, max(len(lines) - TAIL_LINES, 0), -1):
        s, e = lines[i]
        if SIGNATURE_DATE.match(view[s:e]):
            ps, pe = lines[i - 1]
            if ORG_SUFFIX.search(view[ps:pe].strip()) and len(view[ps:pe].strip()) <= 30:
                return strip_span(text, ps, pe)
    return None


def find_province(
    view: str, start: int, end: int, title: Span | None, doc_number: Span | None, issuer: Span | None
) -> tuple[reference.Province | None, str | None]:
    """Decide the province from the strongest evidence available, and say which."""
    for label, span in (("issuer", issuer), ("title", title)):
        if span and (province := province_named_at_start(view[span.start : span.end])):
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
        if span and (match := pattern.match(view[span.start : span.end].strip())):
            return f"{label} opens with {match.group()}"
    return None


def province_named_at_start(value: str) -> reference.Province | None:
    """Find a province whose full or short name opens a value such as a title."""
    value = value.strip()
    return next((p for p in reference.provinces() if value.startswith((p.name, p.short_name))), None)


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


def normalise_doc_number(value: str) -> str:
    """Write a 文号 with 〔〕 brackets and no spaces.

    >>> normalise_doc_number("国发[2020] 7号")
    '国发〔2020〕7号'
    """
    value = re.sub(r"\s+", "", value)
    return re.sub(r"[\[(](\d{4})[\])]", r"〔\1〕", value)


def document_type(view: str, title: Span | None) -> str | None:
    """Name the kind of document from the end of its title (实施意见, 若干措施 ...)."""
    if not title:
        return None
    match = re.search(rf"({DOC_TYPES})\s*(?:\(.*\))?\s*$", view[title.start : title.end])
    return match.group(1) if match else None


def find_addressee(text: str, view: str, start: int, end: int) -> Span | None:
    """Find the addressee line (主送), e.g. "各州、市人民政府,省直各委、办、厅、局:"."""
    match = ADDRESSEE.search(view, start, min(end, start + 400))
    return Span.of(text, match.start(1), match.end(1)) if match else None


def find_citations(text: str, view: str, start: int, end: int, own: Span | None) -> tuple[Citation, ...]:
    """Find every 文号 the body cites, with its 《title》 and whether it is implemented."""
    own_number = normalise_doc_number(view[own.start : own.end]) if own else None
    citations = []
    for match in CITATION.finditer(view, start, end):
        number = normalise_doc_number(match.group(2))
        if number == own_number or (own and own.start <= match.start(2) < own.end):
            continue
        sentence_start = max(view.rfind("。", start, match.start()), view.rfind("\n", start, match.start()), start)
        implements = bool(IMPLEMENTS.search(view, sentence_start, match.start()))
        citations.append(Citation(number, match.group(1), Span.of(text, match.start(), match.end()), implements))
    return tuple(citations)

