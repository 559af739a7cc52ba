"""The whole build, stage after stage, as a reader would draw it.

    read → clean → script → identify → group → segment → extract
         → annotate → to_rdf → load
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from . import __version__, canned, iris, links, reference
from .annotate import annotate, read_annotation
from .clean import clean
from .extract import extract
from .group import group, merged
from .identify import identify
from .load import load
from .read import ReadError, printable, read
from .records import AnnotatedWork, BuildRun, BuildStats, Expression, Work
from .research import research_quads
from .script import script
from .segment import segment
from .to_rdf import to_rdf, zh
from .vocab import RDF_TYPE, dcterms, gx, prov, rdfs, skos, xsd

Report = Callable[[str], None]
SCHEMES = {
    "recipient-type": ("受助对象类型", "Recipient types"),
    "industry": ("产业", "Industries"),
    "document-type": ("文件类型", "Document types"),
    "provinces": ("省级行政区", "Provincial-level divisions (GB/T 2260)"),
    "divisions": ("地级与县级行政区", "Prefecture- and county-level divisions (GB/T 2260)"),
    "sei-2018": ("战略性新兴产业分类(2018)", "Strategic emerging industries classification (2018)"),
    "gbt-4754-2017": ("国民经济行业分类(GB/T 4754-2017)", "Industrial classification for national economic activities (GB/T 4754-2017)"),
    "policy-instrument": ("政策工具", "Policy instruments (Rothwell & Zegveld)"),
}


PROGRESS_FROM = 50
REJECTED = "rejected"  # opens the report line of a file the build skipped


class BuildError(RuntimeError):
    """A build that cannot go on; the message names the file."""


def raw_files(data_dir: Path) -> list[Path]:
    """List the raw documents of a data directory, in name order."""
    raw = data_dir / "raw"
    if not raw.is_dir():
        raise BuildError(f"{raw}: no raw/ directory of documents")
    files = sorted(p for p in raw.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise BuildError(f"{raw}: no documents")
    return files


def read_expressions(data_dir: Path, report: Report) -> list[Expression]:
    """Read, clean and convert every raw file, reporting what was dropped; skip and report files that are no document."""
    expressions = []
    paths = raw_files(data_dir)
    for number, path in enumerate(paths, start=1):
        progress(number, len(paths), path.name)
        try:
            source = read(path)
            cleaned = clean(source)
        except ReadError as error:
            report(f"  {REJECTED} {printable(path)}: {error.reason}")
            continue
        for line in cleaned.dropped:
            report(f"  dropped {path.name}:{line.line_no} ({line.reason}): {line.span.quote.strip()[:50]}")
        for note in (*source.warnings, *cleaned.artefacts):
            report(f"  warning {located(path.name, note)}")
        expressions.append(script(cleaned))
    if not expressions:
        raise BuildError(f"{data_dir / 'raw'}: every file was rejected ({len(paths)} file(s)); nothing to build")
    return expressions


def located(name: str, note: str) -> str:
    """Put the file name before a note's line number, as compilers do.

    >>> located("坏 文件.txt", "line 12: bytes that are not UTF-8 replaced by U+FFFD")
    '坏 文件.txt:12: bytes that are not UTF-8 replaced by U+FFFD'
    >>> located("a.html", "HTML page converted to text")
    'a.html: HTML page converted to text'
    """
    match = re.match(r"line (\d+): ", note)
    return f"{name}:{match.group(1)}: {note[match.end():]}" if match else f"{name}: {note}"


def identity_gaps(work: Work) -> list[str]:
    """Say which of title, 文号 and date none of a work's files states, naming the line where its body starts."""
    identity, primary = merged(work.identities), work.primary
    line = primary.text.count("\n", 0, primary.clean.body_start) + 1
    missing = [
        what
        for what, value in (("title", identity.title), ("文号", identity.doc_number), ("date", identity.date_document or identity.date_publication))
        if value is None
    ]
    return [f"  warning {primary.name}:{line}: no {what} found (the body starts here)" for what in missing]


def works_of(data_dir: Path, report: Report) -> list[Work]:
    """Run the stages up to group: the works of a data directory."""
    expressions = read_expressions(data_dir, report)
    works = placed(group(expressions, [identify(e) for e in expressions]), data_dir, report)
    for work in works:
        for gap in identity_gaps(work):
            report(gap)
        if len(work.expressions) > 1:
            report(f"  merged {', '.join(e.name for e in work.expressions)} into one work: {work.slug}")
    return works


def placed(works: list[Work], data_dir: Path, report: Report) -> list[Work]:
    """Keep the works whose province is known (from their text or a reviewed annotation file); reject the others."""
    kept: list[Work] = []
    unplaced: list[Work] = []
    for work in works:
        identity = merged(work.identities)
        (kept if identity.province_code or identity.national or reviewed_province(work, data_dir) else unplaced).append(work)
    for work in unplaced:
        for expression in work.expressions:
            reason = "no province: neither issuer, title, 文号, body nor site code names one (review its annotation file to set it)"
            report(f"  {REJECTED} {printable(data_dir / 'raw' / expression.name)}: {reason}")
    if not kept:
        raise BuildError(f"{data_dir / 'raw'}: every file was rejected; nothing to build")
    return kept


def reviewed_province(work: Work, data_dir: Path) -> str | None:
    """Return the province a reviewed annotation file gives a work, if there is one."""
    path = data_dir / "annotations" / f"{work.slug}.yaml"
    if not path.exists():
        return None
    annotated = read_annotation(path, {e.name: e for e in work.expressions})
    return merged(annotated.work.identities).province_code if annotated.reviewed else None


def extracted(work: Work) -> AnnotatedWork:
    """Run segment, extract and annotate on one work."""
    segments = segment(work.primary)
    return annotate(work, segments, extract(work, segments))


def annotated_works(data_dir: Path, report: Report) -> list[AnnotatedWork]:
    """Run the stages up to annotate: reviewed annotation files win over the extractor."""
    works = works_of(data_dir, report)
    by_name = {e.name: e for work in works for e in work.expressions}
    result = []
    for work in works:
        reviewed = data_dir / "annotations" / f"{work.slug}.yaml"
        annotated = read_annotation(reviewed, by_name) if reviewed.exists() else None
        result.append(annotated if annotated is not None and annotated.reviewed else extracted(work))
    return result


def extracted_works(data_dir: Path) -> list[AnnotatedWork]:
    """Run the extractor on every work, ignoring annotation files."""
    return [extracted(work) for work in works_of(data_dir, report=lambda _: None)]


def input_digest(data_dir: Path) -> str:
    """Digest the raw files, annotation files and builder version that make a graph."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted([*(data_dir / "raw").glob("*"), *(data_dir / "annotations").glob("*.yaml")]):
        digest.update(os.fsencode(path.name) + b"\0" + path.read_bytes())  # a name need not be UTF-8
    return digest.hexdigest()


def build(data_dir: Path, store_dir: Path, report: Report = print) -> BuildStats:
    """Build the graph of a data directory into a new store version and switch to it."""
    started = datetime.now(UTC).isoformat(timespec="seconds")
    digest = input_digest(data_dir)
    run = BuildRun(iris.build_run(digest), digest, started, __version__)
    works = annotated_works(data_dir, report)
    # dict.fromkeys drops the descriptions of shared entities that several works emit.
    quads = list(dict.fromkeys(q for work in works for q in to_rdf(work, run)))
    quads += links.document_links(quads, report)  # zones, industries, recipient types → data/reference
    quads += [*reference_quads(), *ontology_quads(), *build_quads(run)]
    quads += canned.as_rdf()  # the canned queries, as SHACL SPARQL executables
    # Research features (issue 4): the policy-instrument scheme, and similarity links between measures of different works.
    quads += research_quads(works, run, report)
    count = load(quads, store_dir, digest)
    extraction = [w.extraction for w in works]
    return BuildStats(
        files=sum(len(w.work.expressions) for w in works),
        dropped_lines=sum(len(e.clean.dropped) for w in works for e in w.work.expressions),
        works=len(works),
        merged=sum(len(w.work.expressions) - 1 for w in works),
        measures=sum(1 for q in quads if q.predicate == RDF_TYPE and q.object == gx.Measure),
        incentives=sum(len(x.incentives) for x in extraction),
        triples=count,
    )


def reference_quads() -> Iterator[Quad]:
    """Describe the provinces and the builder's SKOS schemes."""
    graph = NamedNode(iris.REFERENCE_GRAPH)
    for name, (label_zh, label_en) in SCHEMES.items():
        scheme = NamedNode(iris.scheme(name))
        yield Quad(scheme, RDF_TYPE, skos.ConceptScheme, graph)
        yield Quad(scheme, skos.prefLabel, zh(label_zh), graph)
        yield Quad(scheme, skos.prefLabel, Literal(label_en, language="en"), graph)
    yield from country_quads(graph)
    for province in reference.provinces():
        yield from province_quads(province, graph)


def country_quads(graph: NamedNode) -> Iterator[Quad]:
    """Describe the country, the jurisdiction of national directives (国务院 …)."""
    node = NamedNode(iris.country())
    yield Quad(node, RDF_TYPE, gx.Country, graph)
    yield Quad(node, RDF_TYPE, dcterms.Location, graph)
    for label in (zh("中华人民共和国"), Literal("People's Republic of China", language="en")):
        yield Quad(node, skos.prefLabel, label, graph)
        yield Quad(node, rdfs.label, label, graph)
    yield Quad(node, skos.altLabel, zh("国家"), graph)
    yield Quad(node, skos.exactMatch, NamedNode("http://www.wikidata.org/entity/Q148"), graph)
    yield from links.reference_link_quads()


def province_quads(province: reference.Province, graph: NamedNode) -> Iterator[Quad]:
    """Describe one province: labels, GB/T 2260 code, Wikidata item where known."""
    node = NamedNode(iris.province(province.code))
    yield Quad(node, RDF_TYPE, gx.Province, graph)
    yield Quad(node, RDF_TYPE, skos.Concept, graph)
    yield Quad(node, RDF_TYPE, dcterms.Location, graph)
    yield Quad(node, skos.inScheme, NamedNode(iris.scheme("provinces")), graph)
    for label in (zh(province.name), Literal(province.name_en, language="en")):
        yield Quad(node, skos.prefLabel, label, graph)
        yield Quad(node, rdfs.label, label, graph)
    yield Quad(node, skos.altLabel, zh(province.short_name), graph)
    yield Quad(node, skos.notation, Literal(province.code, datatype=gx.GBT2260Code), graph)
    yield Quad(node, dcterms.source, Literal(province.source), graph)
    if province.wikidata:
        yield Quad(node, skos.exactMatch, NamedNode(f"http://www.wikidata.org/entity/{province.wikidata}"), graph)


def ontology_quads() -> Iterator[Quad]:
    """Load the ontology itself into its own named graph, so SPARQL users can read labels."""
    graph = NamedNode(iris.ONTOLOGY_GRAPH)
    path = resources.files("ontology").joinpath("gaoxin.ttl")
    for triple in parse(path.read_bytes(), format=RdfFormat.TURTLE):
        yield Quad(triple.subject, triple.predicate, triple.object, graph)


def build_quads(run: BuildRun) -> Iterator[Quad]:
    """Describe the build run (PROV-O)."""
    graph, node = NamedNode(iris.BUILD_GRAPH), NamedNode(run.iri)
    yield Quad(node, RDF_TYPE, gx.BuildRun, graph)
    yield Quad(node, RDF_TYPE, prov.Activity, graph)
    yield Quad(node, prov.startedAtTime, Literal(run.started, datatype=xsd.dateTime), graph)
    yield Quad(node, prov.endedAtTime, Literal(datetime.now(UTC).isoformat(timespec="seconds"), datatype=xsd.dateTime), graph)
    yield Quad(node, gx.softwareVersion, Literal(run.software_version), graph)
    yield Quad(node, gx.inputDigest, Literal(run.input_digest), graph)


def progress(done: int, total: int, name: str) -> None:
    """Draw a progress bar on a terminal's standard error for runs of more than PROGRESS_FROM files."""
    if total < PROGRESS_FROM or not sys.stderr.isatty():
        return
    filled = done * 30 // total
    end = "\n" if done == total else ""
    print(f"\r  [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {name[:40]:40}", end=end, file=sys.stderr, flush=True)
