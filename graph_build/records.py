"""Frozen records passed between the stages of the build pipeline.

Offsets are ``[start, end)`` counts of Unicode code points (Python ``str``
indices) into the decoded text of one source file. Every later text the
pipeline derives from it (the analysis text: dropped lines blanked, full-width
forms folded, traditional script converted) has the same length, so an offset
found in the analysis text is an offset into the source text too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Span:
    """A quote and the offsets where it stands in its source text."""

    start: int
    end: int
    quote: str

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Span:
        """Cut the span ``text[start:end]``, refusing empty or out-of-range offsets.

        >>> Span.of("给予1000万元补助", 2, 8)
        Span(start=2, end=8, quote='1000万元')
        """
        if not 0 <= start < end <= len(text):
            raise ValueError(f"span [{start}, {end}) outside text of length {len(text)}")
        return cls(start, end, text[start:end])

    def check(self, text: str) -> None:
        """Raise if the quote is not the text at the offsets."""
        if text[self.start : self.end] != self.quote:
            raise ValueError(f"span [{self.start}, {self.end}) quotes {self.quote!r}, text has {text[self.start:self.end]!r}")


# ---- read, clean, script -------------------------------------------------


@dataclass(frozen=True)
class SourceText:
    """One raw file decoded to text."""

    name: str  # file name inside raw/, e.g. "000_eca2655ae364cb45.txt"
    text: str
    encoding: str  # "utf-8", "gb18030"
    sha256: str
    media_type: str  # "text/plain" or "text/html"
    warnings: tuple[str, ...] = ()
    removed: tuple[tuple[int, int], ...] = ()  # converter pinyin glosses taken out of the decoded file, [start, end) before removal (read.file_offset)


@dataclass(frozen=True)
class DroppedLine:
    """A line the clean stage removed, and why."""

    line_no: int  # 1-based
    span: Span
    reason: str  # "spam", "site chrome", "duplicate line", ...


@dataclass(frozen=True)
class CleanText:
    """A source text with its body located and its noise reported."""

    source: SourceText
    view: str  # the source folded and simplified (script.analysis_view), same length, nothing blanked
    body_start: int
    body_end: int
    dropped: tuple[DroppedLine, ...]
    artefacts: tuple[str, ...] = ()  # human-readable reports of converter artefacts


@dataclass(frozen=True)
class Expression:
    """One script version of a document: source text plus its analysis text."""

    clean: CleanText
    analysis: str  # same length as clean.source.text: simplified, folded, noise blanked
    script: str  # "zh-Hans" or "zh-Hant"

    @property
    def name(self) -> str:
        return self.clean.source.name

    @property
    def text(self) -> str:
        return self.clean.source.text


# ---- identify, group ------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """A document cited by number (文号), or by 《title》 alone when it is carried out, with whether it is implemented."""

    doc_number: str  # simplified, e.g. "国发〔2020〕7号"; "" for a directive cited by its title alone
    title: str | None  # the 《title》 given with it, simplified
    span: Span
    implements: bool  # cited as the thing this document carries out (贯彻落实 ...)


@dataclass(frozen=True)
class Identity:
    """What one expression says about the document it realises."""

    title: Span | None = None
    title_text: str | None = None  # simplified, one line, artefacts repaired
    doc_number: Span | None = None  # 文号 as written
    doc_number_text: str | None = None  # simplified with 〔〕 brackets, e.g. "云政发〔2020〕36号"
    issuer: Span | None = None  # issuing body as written
    issuer_name: str | None = None  # simplified, province resolved, e.g. "云南省人民政府"
    province_code: str | None = None  # GB/T 2260, 6 digits, e.g. "530000"
    province_evidence: str | None = None  # why that province (or the country), in words
    national: bool = False  # issued by the central government (国务院 …): the jurisdiction is the country, not a province
    division_code: str | None = None  # GB/T 2260 code of the city or county that issued it (its jurisdiction), e.g. "610100" 西安市
    division_evidence: str | None = None  # why that division, in words
    date_document: str | None = None  # ISO date of signature
    date_document_span: Span | None = None
    date_publication: str | None = None  # ISO date the site published it
    date_publication_span: Span | None = None
    status: str = "final"  # "final" or "draft"
    status_span: Span | None = None
    document_type: str | None = None  # 实施意见, 若干措施, 行动方案 ...
    addressee: Span | None = None  # 主送 line, e.g. "各州、市人民政府，省直各委、办、厅、局："
    citations: tuple[Citation, ...] = ()
    repairs: tuple[tuple[str, str], ...] = ()  # (artefact token, what it stands for), e.g. ("快递大陆", "云南")
    index_number: Span | None = None  # 索引号 of the publishing site's metadata table, e.g. "000014349/2018-00214"
    validity: Span | None = None  # 有效性 / 时效性 of the metadata table as written, e.g. "有效", "现行有效"
    warnings: tuple[str, ...] = ()  # what could not be read and was left out, e.g. a damaged or placeholder date


@dataclass(frozen=True)
class Work:
    """A document as one work, realised by one or more expressions."""

    slug: str
    expressions: tuple[Expression, ...]  # the primary (extraction) expression first
    identities: tuple[Identity, ...]  # aligned with expressions

    @property
    def primary(self) -> Expression:
        return self.expressions[0]


# ---- segment ---------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A numbered or headed unit of a document: a section, item or paragraph."""

    path: str  # stable position, e.g. "2", "2.1", "2.1.3"
    level: int  # 1 section 一、, 2 item （一）, 3 sub-item 1., 4 headed paragraph
    number: str | None  # surface numbering, e.g. "二、", "（一）", "1."; None for headed paragraphs
    heading: Span | None  # the lead phrase, e.g. "集聚高端创新资源"
    span: Span  # the whole unit including its children


# ---- extract ---------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    """An amount of money as written and as a Decimal count of yuan."""

    surface: str  # "1000万元"
    yuan: Decimal  # Decimal("10000000")


@dataclass(frozen=True)
class Incentive:
    """A grant or other money incentive stated in one clause."""

    span: Span  # the clause
    measure: str  # path of the segment it stands in
    recipient: str | None  # normalised recipient type label, e.g. "国家重点实验室"
    recipient_text: str | None  # the recipient words as written
    amount: Money | None = None
    minimum: Money | None = None
    maximum: Money | None = None
    rate_percent: Decimal | None = None
    rate_base: str | None = None  # the base of the rate in words, e.g. "成交金额"
    frequency: str = "unspecified"  # "one-time", "annual", "per-unit" (元/度 …), "unspecified"
    payer: str | None = None  # words naming who pays, e.g. "省级财政"
    kind: str | None = None  # 补助, 奖励, 奖补, 研发经费支持 ...
    unit: str | None = None  # the unit of a per-unit sum, e.g. "元/度", "元/人"
    rate_is_maximum: bool = False  # the rate is a ceiling (补助比例最高不超过20%)
    ratio: str | None = None  # a matching or sharing ratio as written, e.g. "1:1", "5:5"


@dataclass(frozen=True)
class DepartmentMention:
    """A department named in a measure, as responsible or as an actor."""

    span: Span
    measure: str
    name: str  # simplified as written, e.g. "省科技厅"
    role: str  # "responsible" (listed as 负责) or "actor" (由…给予, 会同, 牵头)
    duty: str | None = None  # for a responsible body: "lead" (牵头单位, X牵头) or "supporting" (配合单位, 会同的), else None


@dataclass(frozen=True)
class ZoneMention:
    """A named zone and the industries the text gives it."""

    span: Span
    measure: str
    name: str  # normalised, e.g. "兰州高新区"
    level: str | None = None  # "national" / "provincial", only where the text says so
    industries: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndustryMention:
    """An industry the document names as a priority."""

    span: Span
    measure: str
    name: str  # e.g. "生物医药"


@dataclass(frozen=True)
class Target:
    """A quantitative target: indicator, comparator, value, unit, year."""

    span: Span
    measure: str
    indicator: str
    comparator: str  # one of ">=", ">", "=", "<=", "<"
    value: Decimal
    unit: str | None  # "%", "家", "倍", "个" ...
    year: int | None = None


@dataclass(frozen=True)
class Provision:
    """A talent or administrative provision that carries a number."""

    span: Span
    measure: str
    kind: str  # "age-limit", "residence-permit", "retention-period", ...
    comparator: str
    value: Decimal
    unit: str  # "岁", "年", "次"


@dataclass(frozen=True)
class InstrumentCoding:
    """A policy-instrument type given to one measure, with the rules and cue words that earned it."""

    measure: str  # path of the segment
    instrument: str  # narrower concept label of the policy-instrument scheme, e.g. "资金投入"
    rules: tuple[str, ...] = ("reviewed",)  # ids of the rules that matched (instruments.yaml); ("reviewed",) when a person coded it
    cues: tuple[Span, ...] = ()  # the matched words, in reading order


@dataclass(frozen=True)
class ZoneApproval:
    """A zone a reply (批复) establishes, upgrades, renames or expands; the document gives the approving body and date."""

    span: Span
    measure: str  # path of the segment it stands in; "" outside every numbered part
    action: str  # "establishment", "upgrade", "renaming" or "expansion"
    zone: str  # the zone under its new name, named as the zone finder names it (潜江高新区)
    former_name: str | None = None  # the name before the approval, as written (潜江高新技术产业园区)
    level: str | None = None  # "national" or "provincial" when the words give it


@dataclass(frozen=True)
class Extraction:
    """Everything the extractor found in one work's primary expression."""

    incentives: tuple[Incentive, ...] = ()
    departments: tuple[DepartmentMention, ...] = ()
    zones: tuple[ZoneMention, ...] = ()
    industries: tuple[IndustryMention, ...] = ()
    targets: tuple[Target, ...] = ()
    provisions: tuple[Provision, ...] = ()
    instruments: tuple[InstrumentCoding, ...] = ()
    approvals: tuple[ZoneApproval, ...] = ()


@dataclass(frozen=True)
class SharedWording:
    """A run of wording two measures share: where it stands in each source text."""

    left: Span
    right: Span


@dataclass(frozen=True)
class SimilarityLink:
    """Two measures of different works that say the same thing, with a score and the wording they share."""

    left: tuple[str, str]  # (work slug, measure path), the smaller of the two
    right: tuple[str, str]
    score: Decimal  # cosine, rounded to 3 places
    shared: tuple[SharedWording, ...] = ()


@dataclass(frozen=True)
class BuildStats:
    """What a build read, dropped, merged and produced."""

    files: int = 0
    dropped_lines: int = 0
    works: int = 0
    merged: int = 0
    measures: int = 0
    incentives: int = 0
    triples: int = 0
    works_from_cache: int = 0  # works whose segment … annotate results came from the build cache


@dataclass(frozen=True)
class AnnotatedWork:
    """One work with its outline and extracted facts: what an annotation file holds."""

    work: Work
    segments: tuple[Segment, ...]
    extraction: Extraction
    reviewed: bool = False


@dataclass(frozen=True)
class BuildRun:
    """One run of the builder: the PROV-O activity every fact was generated by."""

    iri: str
    input_digest: str  # sha256 over raw files, annotation files and the builder's version
    started: str  # ISO date-time
    software_version: str
