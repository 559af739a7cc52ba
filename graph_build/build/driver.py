"""The whole build, stage after stage, as a reader would draw it.

    read → clean → script → identify → group → segment → extract
         → annotate → to_rdf → load

:func:`build` runs the per-file stages (read … identify) and the per-work
stages (segment … annotate, then to_rdf with each document's SHACL
validation) on both cores, caches every result by content (jobs.py,
cache.py), groups all files in the parent, and streams the quads into the
store without holding them all. :func:`annotated_works` runs the same stages
serially, for the annotate and evaluate commands and the tests.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse, serialize

from graph_build import __version__, canned, iris, reference

from graph_build.store import incremental

from graph_build.rdf import links

from graph_build.validate import shapes
from graph_build.extract.annotate import annotate, read_annotation
from graph_build.build.cache import Cache, builder_digest, default_directory
from graph_build.text.clean import clean
from graph_build.extract.extract import extract
from graph_build.text.group import clusters, group, make_work, merged
from graph_build.text.identify import identify
from graph_build.text.place import place
from graph_build.store.incremental import Manifest
from graph_build.build.jobs import (
    PLACEHOLDER_RUN,
    REJECTED,
    AnnotateTask,
    Facts,
    Rejected,
    Rendered,
    RenderTask,
    Scanned,
    ScanTask,
    annotate_work,
    cached_facts,
    cached_rendering,
    located,
    render_work,
    scan,
    work_key,
)
from graph_build.store.versions import LoadError, load_with, validate_shared, write_nquads
from graph_build.build.parallel import Workers, default_jobs
from graph_build.text.read import ReadError, printable, read
from graph_build.records import AnnotatedWork, BuildRun, BuildStats, Expression, Work
from graph_build.research.corpus import ResearchGraph, corpus_graph
from graph_build.text.script import script
from graph_build.text.segment import segment
from graph_build.rdf.to_rdf import zh
from graph_build.vocab import RDF_TYPE, dcterms, gx, prov, rdfs, skos, xsd

Report = Callable[[str], None]
T = TypeVar("T")
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
    """Place every work in its city, county, province or country; warn about, never reject, a work placed nowhere (its jurisdiction stays unknown)."""
    works = [place(work) for work in works]
    for work in works:
        identity = merged(work.identities)
        if not (identity.province_code or identity.national or reviewed_province(work, data_dir)):
            names = ", ".join(e.name for e in work.expressions)
            report(f"  warning {names}: no jurisdiction: neither issuer, title, 文号, zone, body nor site code names a province or city; left unknown")
    return works


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


def build(data_dir: Path, store_dir: Path, report: Report = print, *, jobs: int | None = None, cache_dir: Path | None = None) -> BuildStats:
    """Build the graph of a data directory into a new store version and switch to it."""
    started = datetime.now(UTC).isoformat(timespec="seconds")
    digest = input_digest(data_dir)
    run = BuildRun(iris.build_run(digest), digest, started, __version__)
    paths = raw_files(data_dir)
    cache = Cache(cache_dir or default_directory(store_dir))
    clock = Clock(report)
    shapes.checks(False)  # compile the shapes for documents (2 s) before the workers fork, so they inherit them
    with Workers(jobs or default_jobs(len(paths))) as workers:
        file_keys, files, facts = annotated_facts(paths, data_dir, workers, cache, clock, report)
        # Cross-work stages go here: `facts` holds every work's Extraction and measure texts, in work order, before to_rdf.
        # Research features (issue 4): the policy-instrument scheme, and similarity links between measures of different works.
        documents, from_cache, texts = tuple((f.slug, f.key) for f in facts), sum(f.cached for f in facts), [f.texts for f in facts]
        del facts  # the extractions wait in the cache for the workers: the parent need not hold them while it links and loads
        rendering = Rendering(render_works([key for _, key in documents], workers, cache))  # the workers render while the parent links the corpus
        research = clock("research (instrument cues, similarity), workers rendering", corpus_graph(texts, run, report))
        del texts
        manifest = Manifest(builder_digest(), run.iri, documents)
        graph = BuiltGraph(rendering, research, run, clock, report)
        count = load_with(
            lambda version: clock("load of the shared graphs and similarity links", write_version(graph, manifest, store_dir, version, report)),
            store_dir,
            digest,
            lambda version: clock("shared-graph checks", validate_shared(version)),
        )
    rendered = rendering.done
    cache.prune(set(file_keys) | {key for _, key in documents})
    return BuildStats(
        files=files,
        dropped_lines=sum(r.dropped_lines for r in rendered),
        works=len(rendered),
        merged=files - len(rendered),
        measures=sum(r.measures for r in rendered),
        incentives=sum(r.incentives for r in rendered),
        triples=count,
        works_from_cache=from_cache,
    )


def annotated_facts(paths: list[Path], data_dir: Path, workers: Workers, cache: Cache, clock: Clock, report: Report) -> tuple[list[str], int, list[Facts]]:
    """Run the stages read … annotate; return the read files' cache keys, how many files the kept works hold, and the works' facts."""
    scanned = clock("read … identify", scan_files(paths, data_dir, workers, cache, report))
    works = clock("group", group_files(scanned, data_dir, report))
    return [s.key for s in scanned], sum(len(files) for _, files in works), clock("segment … annotate", annotate_works(works, data_dir, workers, cache))


def scan_files(paths: list[Path], data_dir: Path, workers: Workers, cache: Cache, report: Report) -> list[Scanned]:
    """Run read, clean, script and identify on every raw file, reporting what was dropped; skip and report files that are no document."""
    scanned = []
    for number, (path, result) in enumerate(zip(paths, workers.map(scan, [ScanTask(path, cache) for path in paths]), strict=True), start=1):
        progress(number, len(paths), path.name)
        if isinstance(result, Rejected):
            report(result.note)
            continue
        for note in result.notes:
            report(note)
        scanned.append(result)
    if not scanned:
        raise BuildError(f"{data_dir / 'raw'}: every file was rejected ({len(paths)} file(s)); nothing to build")
    return scanned


def group_files(scanned: list[Scanned], data_dir: Path, report: Report) -> list[tuple[Work, list[Scanned]]]:
    """Group the scanned files into works (MinHash candidates, exact Jaccard), with the files of each; place each work."""
    works = []
    for members in clusters([s.fingerprint for s in scanned]):
        work = make_work([scanned[i].expression for i in members], [scanned[i].identity for i in members])
        by_name = {scanned[i].expression.name: scanned[i] for i in members}
        works.append((work, [by_name[e.name] for e in work.expressions]))
    works = list(zip(placed([w for w, _ in works], data_dir, report), [files for _, files in works], strict=True))
    for work, _ in works:
        for gap in identity_gaps(work):
            report(gap)
        if len(work.expressions) > 1:
            report(f"  merged {', '.join(e.name for e in work.expressions)} into one work: {work.slug}")
    refuse_shared_names([w for w, _ in works])
    return works


def refuse_shared_names(works: list[Work]) -> None:
    """Raise a BuildError when two works would get the same IRI (their named graphs would mix)."""
    seen: dict[str, Work] = {}
    for work in works:
        if (other := seen.setdefault(work.slug, work)) is not work:
            names = ", ".join(e.name for e in (*other.expressions, *work.expressions))
            raise BuildError(f"{names}: two different documents get the same IRI doc/{work.slug} (same 文号, or same title without 文号)")


def annotate_works(works: list[tuple[Work, list[Scanned]]], data_dir: Path, workers: Workers, cache: Cache) -> list[Facts]:
    """Run segment, extract and annotate on every work whose inputs changed; take the others from the cache."""
    tasks, cached = [], {}
    for work, files in works:
        annotation = data_dir / "annotations" / f"{work.slug}.yaml"
        annotation = annotation if annotation.exists() else None
        entry = work_key([s.key for s in files], annotation)
        if (hit := cached_facts(cache, entry)) is not None:
            cached[entry] = hit
        tasks.append(AnnotateTask(entry, cache, work, annotation))
    fresh = iter(workers.map(annotate_work, [t for t in tasks if t.key not in cached]))
    return [cached[t.key] if t.key in cached else next(fresh) for t in tasks]


def render_works(keys: list[str], workers: Workers, cache: Cache) -> Iterator[Rendered]:
    """Run to_rdf and each document's SHACL validation on the works (by cache key) not rendered before, in work order.

    The worker pool starts on every work at once (the parent meanwhile runs the research stages); the results are
    collected as the caller iterates.
    """
    cached = {key: hit for key in keys if (hit := cached_rendering(cache, key)) is not None}
    fresh = iter(workers.map(render_work, [RenderTask(key, cache) for key in keys if key not in cached]))
    return (cached[key] if key in cached else next(fresh) for key in keys)


def refuse_invalid(rendered: list[Rendered]) -> None:
    """Raise a LoadError naming every document whose quads do not conform (the new version is then removed, never switched in)."""
    failed = [r for r in rendered if r.violations]
    if failed:
        names = ", ".join(f"{r.slug} ({', '.join(r.files)})" for r in failed)
        raise LoadError(f"the built graph does not conform to ontology/shapes.ttl: {len(failed)} document(s): {names}\n{failed[0].violations}")


def shared_entities(rendered: list[Rendered]) -> bytes:
    """Return the shared entities graph as N-Quads, each quad once (only this graph needs de-duplicating: a work's own graph has no quad twice)."""
    return "".join(dict.fromkeys(line for work in rendered for line in work.entities)).encode("utf-8")


class Rendering:
    """The works' renderings as the workers hand them back, kept for the shared graphs, the manifest and the build's figures."""

    def __init__(self, pending: Iterator[Rendered]) -> None:
        self.pending, self.done = pending, []

    def stream(self, run: BuildRun) -> Iterator[bytes]:
        """Yield each work's graph as N-Quads as soon as its worker hands it back, so the store loads while the workers render."""
        for work in self.pending:
            self.done.append(work)
            if not work.violations:
                yield from document_chunks([work], run)
        refuse_invalid(self.done)

    def all(self) -> list[Rendered]:
        """Wait for every rendering; raise LoadError if a document does not conform."""
        self.done += list(self.pending)
        refuse_invalid(self.done)
        return self.done


class BuiltGraph:
    """What a build loads: each work's rendered graph, then the graphs shared by all works, for one build run."""

    def __init__(self, rendering: Rendering, research: ResearchGraph, run: BuildRun, clock: Clock, report: Report) -> None:
        self.rendering, self.research, self.run, self.clock, self.report = rendering, research, run, clock, report

    @cached_property
    def shared(self) -> dict[incremental.Graph, bytes]:
        """Every graph that is no work's own as N-Quads, by graph (not the similarity links); waits for every rendering."""
        entities = shared_entities(self.clock("to_rdf + per-document SHACL (a full load also loads the works' graphs meanwhile)", self.rendering.all()))
        # zones, industries, recipient types → data/reference: read from the shared entities graph alone
        extra = self.clock("reference links", links.document_links(list(parse(entities, format=RdfFormat.N_QUADS)), self.report))
        return shared_graphs(entities, extra, self.research, self.run)

    def shared_chunks(self) -> Iterator[bytes]:
        """Yield the shared graphs once the works' graphs have gone to the loader."""
        yield from self.shared.values()


def write_version(graph: BuiltGraph, manifest: Manifest, store_dir: Path, version: Path, report: Report) -> int:
    """Write the new version, patching a copy of the current one when its manifest allows, then its manifest; return the quad count."""
    plan = incremental.plan(store_dir, manifest)
    run = graph.run
    if plan.patch is None:
        report(f"  load: full load ({plan.reason})")
        links = incremental.streamed_links(graph.research.link_blocks(), version)
        count = write_nquads(itertools.chain(graph.rendering.stream(run), graph.shared_chunks(), links), version)
    else:
        loaded = set(plan.patch.loaded)
        documents = document_chunks([r for r in graph.rendering.all() if r.slug in loaded], run)
        count = incremental.write_patched(plan.patch, run.iri, documents, graph.shared, graph.research.link_blocks(), version)
        report(f"  load: {plan.patch.describe()}")
    incremental.write_manifest(version, manifest)
    return count


def document_chunks(works: list[Rendered], run: BuildRun) -> Iterator[bytes]:
    """Yield each work's own graph as N-Quads, naming the build run."""
    placeholder, real = f"<{PLACEHOLDER_RUN.iri}>".encode(), f"<{run.iri}>".encode()
    for work in works:
        yield work.nquads.read_bytes().replace(placeholder, real)


def shared_graphs(entities: bytes, extra: list[Quad], research: ResearchGraph, run: BuildRun) -> dict[incremental.Graph, bytes]:
    """Return every graph that is no work's own as N-Quads, by graph: entities, reference, ontology, build, queries (not the similarity links)."""
    grouped: dict[incremental.Graph, list[Quad]] = {}
    for quad in [*extra, *research.scheme, *reference_quads(), *ontology_quads(), *build_quads(run), *canned.as_rdf()]:
        grouped.setdefault(quad.graph_name, []).append(quad)
    shared = {name: serialize(quads, format=RdfFormat.N_QUADS) for name, quads in grouped.items()}
    named = entities.replace(f"<{PLACEHOLDER_RUN.iri}>".encode(), f"<{run.iri}>".encode())
    shared[NamedNode(iris.ENTITIES_GRAPH)] = named + shared.get(NamedNode(iris.ENTITIES_GRAPH), b"")
    return shared


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


class Clock:
    """Report the wall time of each phase of a build, for the benchmarks."""

    def __init__(self, report: Report) -> None:
        self.report, self.last = report, time.perf_counter()

    def __call__(self, phase: str, result: T) -> T:
        now = time.perf_counter()
        self.report(f"  time {phase}: {now - self.last:.1f} s")
        self.last = now
        return result


def progress(done: int, total: int, name: str) -> None:
    """Draw a progress bar on a terminal's standard error for runs of more than PROGRESS_FROM files."""
    if total < PROGRESS_FROM or not sys.stderr.isatty():
        return
    filled = done * 30 // total
    end = "\n" if done == total else ""
    print(f"\r  [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {name[:40]:40}", end=end, file=sys.stderr, flush=True)
