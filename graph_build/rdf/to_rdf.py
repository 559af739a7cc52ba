"""Stage 9, to_rdf: an annotated work as RDF quads in the work's own named graph.

Terms are those of ontology/gaoxin.ttl (ELI for documents, W3C ORG for
departments, SKOS for vocabularies, Web Annotation for spans, PROV-O for the
build). Every fact carries ``gx:evidence``: an ``oa:SpecificResource`` on the
expression, with a position selector (code-point offsets) and a quote selector.
"""

from __future__ import annotations

import re
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from graph_build import iris, reference
from graph_build.extract.zones import ZONE_TYPES
from graph_build.records import AnnotatedWork, BuildRun, Expression, Identity, Incentive, Money, Provision, Segment, Span, Target, Work, ZoneMention
from graph_build.research import instruments
from graph_build.text.group import merged
from graph_build.text.place import zone_place
from graph_build.text.script import analysis_view
from graph_build.text.segment import leaves
from graph_build.vocab import RDF_TYPE, dcterms, eli, gx, oa, org, prov, rdfs, skos, xsd

ZHO = NamedNode("http://publications.europa.eu/resource/authority/language/ZHO")
MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
FREQUENCIES = {"one-time": gx.OneTime, "annual": gx.Annual, "per-unit": gx.PerUnit, "unspecified": gx.UnspecifiedFrequency}
DUTIES = {"lead": gx.leadOrganization, "supporting": gx.supportingOrganization}
LEVELS = {"national": gx.NationalLevel, "provincial": gx.ProvincialLevel}
# Addressee words by which a document says the provincial departments belong to the government.
DEPARTMENTS_OF_GOVERNMENT = re.compile(r"省直各|省政府各部门|省直有关部门|省政府各委")
CONTEXT = 16  # characters of prefix and suffix in a quote selector


def zh(text: str, script: str = "zh-Hans") -> Literal:
    return Literal(text, language=script)


def decimal(value: Decimal) -> Literal:
    return Literal(str(value), datatype=xsd.decimal)


def plain(text: str) -> Literal:
    return Literal(text)


class Emitter:
    """Collect the quads of one work's named graph and of the shared entities graph.

    What a document states goes into its own graph; the descriptions of things
    several documents share (concepts, organisations, zones, cited directives)
    go into one entities graph, so that querying the union of all graphs never
    sees the same description twice.
    """

    def __init__(self, graph: str) -> None:
        self.graph = NamedNode(graph)
        self.entities = NamedNode(iris.ENTITIES_GRAPH)
        self.quads: dict[Quad, None] = {}

    def add(self, subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal) -> None:
        self.quads[Quad(subject, predicate, obj, self.graph)] = None

    def describe(self, subject: NamedNode, predicate: NamedNode, obj: NamedNode | Literal) -> None:
        self.quads[Quad(subject, predicate, obj, self.entities)] = None

    def typed(self, subject: NamedNode, *classes: NamedNode) -> NamedNode:
        for cls in classes:
            self.add(subject, RDF_TYPE, cls)
        return subject

    def entity(self, subject: NamedNode, *classes: NamedNode) -> NamedNode:
        for cls in classes:
            self.describe(subject, RDF_TYPE, cls)
        return subject


class WorkGraph:
    """Turn one annotated work into the quads of its named graph."""

    def __init__(self, annotated: AnnotatedWork, run: BuildRun) -> None:
        self.annotated = annotated
        self.work: Work = annotated.work
        self.slug = self.work.slug
        self.run = NamedNode(run.iri)
        self.out = Emitter(iris.graph(self.slug))
        self.identity = merged_identity(self.work)
        self.province = self.identity.province_code
        self.work_iri = NamedNode(iris.work(self.slug))

    def quads(self) -> list[Quad]:
        """Emit the work, its expressions, outline and facts."""
        self.emit_work()
        for expression, identity in zip(self.work.expressions, self.work.identities, strict=True):
            self.emit_expression(expression, identity)
        self.emit_outline()
        self.emit_facts()
        return list(self.out.quads)

    # -- provenance -----------------------------------------------------------

    def evidence(self, subject: NamedNode, span: Span, expression: Expression | None = None, predicate: NamedNode = gx.evidence) -> None:
        """Point a fact at the words it came from (or, with gx:droppedSpan, a file at a line its cleaner dropped)."""
        expression = expression or self.work.primary
        node = NamedNode(iris.span(self.slug, self.expression_key(expression), span.start, span.end))
        position, quote = NamedNode(node.value + "/position"), NamedNode(node.value + "/quote")
        add, text = self.out.add, expression.text
        add(subject, predicate, node)
        self.out.typed(node, oa.SpecificResource)
        add(node, oa.hasSource, NamedNode(iris.expression(self.slug, self.expression_key(expression))))
        add(node, oa.hasSelector, self.out.typed(position, oa.TextPositionSelector))
        add(node, oa.hasSelector, self.out.typed(quote, oa.TextQuoteSelector))
        add(position, oa.start, Literal(str(span.start), datatype=xsd.integer))
        add(position, oa.end, Literal(str(span.end), datatype=xsd.integer))
        add(quote, oa.exact, plain(span.quote))
        add(quote, oa.prefix, plain(text[max(0, span.start - CONTEXT) : span.start]))
        add(quote, oa.suffix, plain(text[span.end : span.end + CONTEXT]))

    def expression_key(self, expression: Expression) -> str:
        """Name an expression by its script, numbering further copies in the same script: zh-Hans, zh-Hans-2."""
        same = [e.name for e in self.work.expressions if e.script == expression.script]
        n = same.index(expression.name) + 1
        return expression.script if n == 1 else f"{expression.script}-{n}"

    def generated(self, subject: NamedNode) -> None:
        self.out.add(subject, prov.wasGeneratedBy, self.run)

    def field_evidence(self, subject: NamedNode, field: str) -> None:
        """Add evidence for an identity field from the first expression that states it."""
        for expression, identity in zip(self.work.expressions, self.work.identities, strict=True):
            span = getattr(identity, field)
            if span is not None:
                self.evidence(subject, span, expression)
                return

    # -- the work and its expressions ----------------------------------------------

    def emit_work(self) -> None:
        """Emit the LegalResource with its number, title, dates, issuer, province and citations."""
        work, ident, add = self.work_iri, self.identity, self.out.add
        self.out.typed(work, eli.LegalResource)
        self.generated(work)
        add(work, gx.status, gx.Draft if ident.status == "draft" else gx.Final)
        if ident.doc_number_text:
            add(work, eli.id_local, plain(ident.doc_number_text))
            self.field_evidence(work, "doc_number")
        if ident.title_text:
            add(work, eli.title, zh(ident.title_text))
            add(work, rdfs.label, zh(ident.title_text))
            self.field_evidence(work, "title")
        self.emit_dates(ident)
        self.emit_issuer(ident)
        self.emit_site_metadata(ident)
        if ident.division_code and self.province:
            add(work, eli.jurisdiction, NamedNode(iris.division(ident.division_code)))  # its province: skos:broader in the reference graph
            add(work, gx.provinceEvidence, plain(ident.province_evidence or ident.division_evidence or ""))
        elif self.province:
            add(work, eli.jurisdiction, NamedNode(iris.province(self.province)))
            add(work, gx.provinceEvidence, plain(ident.province_evidence or ""))
        elif ident.national:
            add(work, eli.jurisdiction, NamedNode(iris.country()))
            add(work, gx.provinceEvidence, plain(ident.province_evidence or ""))
        if ident.document_type:
            add(work, eli.type_document, self.concept("document-type", ident.document_type))
        self.emit_citations()

    def emit_dates(self, ident: Identity) -> None:
        if ident.date_document:
            self.out.add(self.work_iri, eli.date_document, Literal(ident.date_document, datatype=xsd.date))
            self.field_evidence(self.work_iri, "date_document_span")
        if ident.date_publication:
            self.out.add(self.work_iri, eli.date_publication, Literal(ident.date_publication, datatype=xsd.date))

    def emit_issuer(self, ident: Identity) -> None:
        if not ident.issuer_name:
            return
        issuer = self.organisation(ident.issuer_name)
        self.out.add(self.work_iri, eli.passed_by, issuer)
        self.field_evidence(issuer, "issuer")

    def emit_site_metadata(self, ident: Identity) -> None:
        """Emit what the publishing site's metadata table says: its 索引号 and whether the document is in force (有效性)."""
        if ident.index_number:
            self.out.add(self.work_iri, gx.indexNumber, plain(ident.index_number.quote))
            self.field_evidence(self.work_iri, "index_number")
        if ident.validity and (state := in_force(ident.validity.quote)) is not None:
            self.out.add(self.work_iri, eli.in_force, state)
            self.field_evidence(self.work_iri, "validity")

    def emit_citations(self) -> None:
        """Emit every cited directive as a LegalResource known only by its number and title."""
        seen: set[str] = set()
        for expression, identity in zip(self.work.expressions, self.work.identities, strict=True):
            for citation in identity.citations:
                key = citation.doc_number or f"《{citation.title}》"
                if key in seen:
                    continue
                seen.add(key)
                cited = self.out.entity(NamedNode(iris.work(iris.cited_slug(citation.doc_number, citation.title))), eli.LegalResource)
                if citation.doc_number:
                    self.out.describe(cited, eli.id_local, plain(citation.doc_number))
                if citation.title:
                    self.out.describe(cited, eli.title, zh(citation.title))
                self.out.add(self.work_iri, eli.cites, cited)
                if citation.implements:
                    self.out.add(self.work_iri, eli.ensures_implementation_of, cited)
                self.evidence(cited, citation.span, expression)

    def emit_expression(self, expression: Expression, identity: Identity) -> None:
        """Emit one script version and the source file that embodies it."""
        key = self.expression_key(expression)
        node = self.out.typed(NamedNode(iris.expression(self.slug, key)), eli.LegalExpression)
        file = self.out.typed(NamedNode(iris.source_file(self.slug, key)), eli.Format)
        source, add = expression.clean.source, self.out.add
        add(self.work_iri, eli.is_realized_by, node)
        add(node, eli.realizes, self.work_iri)
        add(node, eli.language, ZHO)
        add(node, gx.script, plain(expression.script))
        add(node, eli.is_embodied_by, file)
        add(file, eli.embodies, node)
        add(file, gx.fileName, plain(source.name))
        add(file, gx.sha256, plain(source.sha256))
        add(file, gx.encoding, plain(source.encoding))
        add(file, gx.sourceText, plain(source.text))
        add(file, eli.format, NamedNode(MEDIA_TYPES + source.media_type))
        add(file, gx.droppedLineCount, Literal(str(len(expression.clean.dropped)), datatype=xsd.integer))
        for line in expression.clean.dropped:
            self.evidence(file, line.span, expression, gx.droppedSpan)
        if (page := reference.sources().get(source.name)) is not None:
            add(file, eli.is_exemplified_by, NamedNode(page.url))
        add(self.run, prov.used, file)

    # -- outline ----------------------------------------------------------------

    def emit_outline(self) -> None:
        """Emit sections and measures with their numbers, headings and spans."""
        measures = {s.path for s in leaves(self.annotated.segments)}
        for segment in self.annotated.segments:
            node = self.part(segment)
            self.out.typed(node, gx.Measure if segment.path in measures else gx.Section)
            parent = self.work_iri if "." not in segment.path else NamedNode(iris.part(self.slug, segment.path.rsplit(".", 1)[0]))
            self.out.add(parent, eli.has_part, node)
            self.out.add(node, eli.is_part_of, self.work_iri)
            self.out.add(node, gx.path, plain(segment.path))
            self.emit_numbering(node, segment)
            self.evidence(node, segment.span)

    def emit_numbering(self, node: NamedNode, segment: Segment) -> None:
        if segment.number:
            self.out.add(node, eli.number, plain(segment.number))
        if segment.heading:
            self.out.add(node, eli.title, zh(segment.heading.quote, self.work.primary.script))

    def part(self, segment: Segment | str) -> NamedNode:
        """Name a part of the work by its path; the path "" (a zone named outside every part) is the work itself."""
        path = segment if isinstance(segment, str) else segment.path
        return NamedNode(iris.part(self.slug, path)) if path else self.work_iri

    # -- facts ------------------------------------------------------------------

    def emit_facts(self) -> None:
        extraction = self.annotated.extraction
        for kind, items, emit in (
            ("incentive", extraction.incentives, self.emit_incentive),
            ("target", extraction.targets, self.emit_target),
            ("provision", extraction.provisions, self.emit_provision),
        ):
            counters: dict[str, int] = {}
            for item in items:
                node = self.fact_node(kind, item.measure, counters)
                self.out.add(node, gx.inMeasure, self.part(item.measure))
                self.evidence(node, item.span)
                emit(node, item)
        self.emit_mentions()
        self.emit_approvals()
        emit_codings(self)  # policy-instrument codes (research features, issue 4)

    def fact_node(self, kind: str, path: str, counters: dict[str, int]) -> NamedNode:
        """Name the next fact of a kind in the part at path (counting per part) and mark it as made by this build."""
        counters[path] = counters.get(path, 0) + 1
        node = NamedNode(iris.fact(self.slug, kind, path, counters[path]))
        self.generated(node)
        return node

    def emit_incentive(self, node: NamedNode, item: Incentive) -> None:
        """Emit an incentive: recipient, amounts in yuan, rate, frequency, payer."""
        add = self.out.add
        has_money = any((item.amount, item.minimum, item.maximum, item.rate_percent))
        self.out.typed(node, gx.Incentive, *((gx.Grant,) if has_money else ()))
        add(self.part(item.measure), gx.providesIncentive, node)
        add(node, gx.frequency, FREQUENCIES[item.frequency])
        for money, value_term, text_term in (
            (item.amount, gx.amountYuan, gx.amountText),
            (item.minimum, gx.minimumYuan, gx.minimumText),
            (item.maximum, gx.maximumYuan, gx.maximumText),
        ):
            self.emit_money(node, money, value_term, text_term)
        if item.amount or item.minimum or item.maximum:
            add(node, gx.currency, plain("CNY"))
        if item.rate_percent is not None:
            add(node, gx.ratePercent, decimal(item.rate_percent))
        if item.rate_is_maximum:
            add(node, gx.rateIsMaximum, Literal("true", datatype=xsd.boolean))
        for value, term in ((item.rate_base, gx.rateBase), (item.payer, gx.payerText), (item.kind, gx.incentiveKind)):
            if value:
                add(node, term, zh(value))
        for value, term in ((item.unit, gx.amountUnit), (item.ratio, gx.shareRatio)):
            if value:
                add(node, term, plain(value))
        if item.recipient_text:
            add(node, gx.recipientText, zh(item.recipient_text))
        if item.recipient:
            add(node, gx.recipientType, self.concept("recipient-type", item.recipient))

    def emit_money(self, node: NamedNode, money: Money | None, value_term: NamedNode, text_term: NamedNode) -> None:
        if money is not None:
            self.out.add(node, value_term, decimal(money.yuan))
            self.out.add(node, text_term, plain(money.surface))

    def emit_target(self, node: NamedNode, item: Target) -> None:
        self.out.typed(node, gx.QuantitativeTarget)
        self.emit_quantity(node, item.comparator, item.value, item.unit)
        self.out.add(node, gx.indicator, zh(item.indicator))
        if item.year:
            self.out.add(node, gx.targetYear, Literal(str(item.year), datatype=xsd.gYear))

    def emit_provision(self, node: NamedNode, item: Provision) -> None:
        self.out.typed(node, gx.NumericProvision)
        self.emit_quantity(node, item.comparator, item.value, item.unit)
        self.out.add(node, gx.provisionKind, plain(item.kind))

    def emit_quantity(self, node: NamedNode, comparator: str, value: Decimal, unit: str | None) -> None:
        self.out.add(node, gx.comparator, plain(comparator))
        self.out.add(node, gx.numericValue, decimal(value))
        if unit:
            self.out.add(node, gx.unit, plain(unit))

    def emit_mentions(self) -> None:
        """Emit departments, zones and industries and link them to their measures."""
        extraction = self.annotated.extraction
        for mention in extraction.departments:
            organisation = self.organisation(mention.name)
            role = gx.responsibleOrganization if mention.role == "responsible" else gx.mentionsOrganization
            self.out.add(self.part(mention.measure), role, organisation)
            if mention.duty in DUTIES:
                self.out.add(self.part(mention.measure), DUTIES[mention.duty], organisation)
            self.evidence(organisation, mention.span)
        for zone in extraction.zones:
            self.emit_zone(zone)
        for industry in extraction.industries:
            concept = self.concept("industry", industry.name)
            self.out.add(self.part(industry.measure), gx.prioritisesIndustry, concept)
            self.evidence(concept, industry.span)

    def zone_node(self, name: str) -> NamedNode:
        """Emit a zone: in the document's province, else (a national document) in the province its name places it."""
        province = self.province or zone_province(name)
        node = self.out.entity(NamedNode(iris.zone(province, name)), gx.HighTechZone, dcterms.Location)
        self.out.describe(node, skos.prefLabel, zh(name))
        self.out.describe(node, rdfs.label, zh(name))
        if province:
            self.out.describe(node, gx.inProvince, NamedNode(iris.province(province)))
        return node

    def emit_zone(self, zone: ZoneMention) -> None:
        node = self.zone_node(zone.name)
        if zone.level:
            self.out.add(node, gx.zoneLevel, LEVELS[zone.level])
        for industry in zone.industries:
            self.out.add(node, gx.priorityIndustry, self.concept("industry", industry))
        self.out.add(self.part(zone.measure), gx.mentionsZone, node)
        self.evidence(node, zone.span)

    def emit_approvals(self) -> None:
        """Emit the zone approvals of a reply: what was done to which zone, approved by this document (its issuer and date)."""
        counters: dict[str, int] = {}
        for approval in self.annotated.extraction.approvals:
            node = self.out.typed(self.fact_node("approval", approval.measure or "0", counters), gx.ZoneApproval)  # "0": outside every part
            self.out.add(node, gx.approvesZone, self.zone_node(approval.zone))
            self.out.add(node, gx.approvalAction, plain(approval.action))
            self.out.add(node, gx.approvedBy, self.work_iri)
            if approval.former_name:
                self.out.add(node, gx.formerName, zh(approval.former_name, self.work.primary.script))
            if approval.level:
                self.out.add(node, gx.approvedLevel, LEVELS[approval.level])
            self.evidence(node, approval.span)

    # -- shared nodes --------------------------------------------------------------

    def concept(self, scheme_name: str, label: str) -> NamedNode:
        """Emit a concept of one of the builder's SKOS schemes."""
        node = self.out.entity(NamedNode(iris.concept(scheme_name, label)), skos.Concept)
        self.out.describe(node, skos.prefLabel, zh(label))
        self.out.describe(node, rdfs.label, zh(label))
        self.out.describe(node, skos.inScheme, NamedNode(iris.scheme(scheme_name)))
        return node

    def organisation(self, name: str) -> NamedNode:
        """Emit a province-specific organisation: 省科技厅 in a 云南 document is 云南省科技厅."""
        full = full_name(name, self.province, self.identity.repairs)
        short = name if name.startswith("省") else None
        node = self.out.entity(NamedNode(iris.organisation(self.province, short or strip_province(full, self.province))), org.Organization)
        self.out.describe(node, skos.prefLabel, zh(full))
        self.out.describe(node, rdfs.label, zh(full))
        if short:
            self.out.describe(node, gx.shortName, zh(short))
        if self.province:
            self.out.describe(node, gx.inProvince, NamedNode(iris.province(self.province)))
            if self.is_department(full):
                self.out.describe(node, org.subOrganizationOf, self.government())
        return node

    def is_department(self, full: str) -> bool:
        """Tell whether the addressee line says this body is a department of the provincial government."""
        addressee = self.identity.addressee
        if not addressee or not self.province or full.endswith("人民政府"):
            return False
        words = re.sub(r"[、,]", "", analysis_view(addressee.quote))
        return DEPARTMENTS_OF_GOVERNMENT.search(words) is not None and full.startswith(reference.by_code(self.province).name)

    def government(self) -> NamedNode:
        node = self.out.entity(NamedNode(iris.government(self.province)), org.Organization)
        label = reference.by_code(self.province).name + "人民政府"
        self.out.describe(node, skos.prefLabel, zh(label))
        self.out.describe(node, rdfs.label, zh(label))
        self.out.describe(node, gx.inProvince, NamedNode(iris.province(self.province)))
        return node


def emit_codings(graph: WorkGraph) -> None:
    """Emit each coding of a work: the measure's instrument type, and a coding node with its rules, cue words and first cue as evidence."""
    add = graph.out.add
    for coding in graph.annotated.extraction.instruments:
        measure, concept_node = graph.part(coding.measure), instruments.concept_iri(coding.instrument)
        node = graph.out.typed(NamedNode(iris.instrument_coding(graph.slug, coding.measure, coding.instrument)), gx.InstrumentCoding)
        add(measure, gx.policyInstrument, concept_node)
        add(node, gx.codesMeasure, measure)
        add(node, gx.instrumentType, concept_node)
        for rule_id in coding.rules:
            add(node, gx.codingRule, Literal(rule_id))
        add(node, gx.cueCount, Literal(str(len(coding.cues)), datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
        graph.generated(node)
        for word in sorted({cue.quote for cue in coding.cues}):
            add(node, gx.cueWord, Literal(word))
        for cue in coding.cues[:instruments.CUE_EVIDENCE]:
            graph.evidence(node, cue)


def full_name(name: str, province_code: str | None, repairs: tuple[tuple[str, str], ...]) -> str:
    """Spell out a department's province: 省科技厅 → 云南省科技厅; repair artefact tokens.

    >>> full_name("省科技厅", "530000", ())
    '云南省科技厅'
    >>> full_name("快递大陆银保监局", "530000", (("快递大陆", "云南"),))
    '云南银保监局'
    """
    for token, meant in repairs:
        name = name.replace(token, meant)
    if province_code and name.startswith("省"):
        return reference.by_code(province_code).name + name[1:]
    return name


def strip_province(full: str, province_code: str | None) -> str:
    """Name an organisation within its province without the province's name."""
    if province_code:
        province = reference.by_code(province_code)
        for prefix in (province.name, province.short_name):
            if full.startswith(prefix) and full != prefix + "人民政府":
                return "省" + full[len(province.name) :] if prefix == province.name else full
    return full


def merged_identity(work: Work) -> Identity:
    return merged(work.identities)


def to_rdf(annotated: AnnotatedWork, run: BuildRun) -> list[Quad]:
    """Turn one annotated work into the quads of its named graph."""
    return WorkGraph(annotated, run).quads()


def zone_province(name: str) -> str | None:
    """Find the province a zone's name places it in (潜江高新区 → 湖北), or None when the gazetteer is not sure."""
    words = re.sub(rf"(?:国家)?(?:{'|'.join(ZONE_TYPES)})$", "", name)
    division = zone_place(words, None)
    return division.province_code if division else None


def in_force(validity: str) -> NamedNode | None:
    """Read a metadata table's 有效性 as ELI's in-force state, or None for words it does not settle.

    >>> in_force("有效").value.rsplit("#")[1], in_force("现行有效").value.rsplit("#")[1], in_force("已废止").value.rsplit("#")[1]
    ('InForce-inForce', 'InForce-inForce', 'InForce-notInForce')
    >>> in_force("部分失效").value.rsplit("#")[1], in_force("待定")
    ('InForce-partiallyInForce', None)
    """
    words = analysis_view(validity).replace(" ", "")
    if "部分" in words:
        return eli["InForce-partiallyInForce"]
    if re.search(r"失效|废止|废除|停止执行|不再执行", words):
        return eli["InForce-notInForce"]
    if "有效" in words:
        return eli["InForce-inForce"]
    return None
