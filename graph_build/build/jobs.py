"""The per-file and per-work jobs of a build: stages run in worker processes, their results cached by content.

    scan:     read → clean → script → identify (+ the grouping fingerprint)   one raw file
    plan:     group's ordering, naming and placing of one cluster of files      one work
    annotate: segment → extract → annotate (or the reviewed annotation file)   one work
    render:   to_rdf → per-document SHACL checks (shapes.py) → N-Quads         one work

Each job takes and returns a frozen, picklable record. A job first looks for
its key in the cache and returns the cached result when it is there, so a
rebuild after one changed document runs the stages for that document only.
Rendered quads name a placeholder build run; the loader puts the real run's
IRI in, so cached quads serve any later build.

Between the processes go keys, not texts: a file's expression (~300 KB of
Python objects) stays in the cache, where the worker that needs it reads it;
the parent holds only what grouping and reporting need (3 GB less at 10,000
documents).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, serialize

from graph_build import __version__, iris
from graph_build.build.cache import Cache, builder_digest, key
from graph_build.build.events import BuildEvent, FileRejected, FileWarning, LineDropped
from graph_build.extract.annotate import annotate, annotation_bytes, read_annotation
from graph_build.extract.extract import extract
from graph_build.rdf.shared import build_quads, reference_quads
from graph_build.rdf.to_rdf import to_rdf
from graph_build.records import AnnotatedWork, BuildRun, Expression, Identity, Work
from graph_build.research import instruments
from graph_build.research.corpus import WorkTexts, work_texts
from graph_build.store import search_index
from graph_build.store.search_index import Entry
from graph_build.text.clean import clean
from graph_build.text.confine import DataFolder
from graph_build.text.group import Fingerprint, fingerprint, make_work, merged
from graph_build.text.identify import identify
from graph_build.text.place import place
from graph_build.text.read import ReadError, printable, read, read_bytes
from graph_build.text.script import script
from graph_build.text.segment import segment
from graph_build.validate.shapes import in_memory, store_violations
from graph_build.vocab import RDF_TYPE, gx, oa

PLACEHOLDER_RUN = BuildRun(iris.build_run("0" * 16 + "-cached-run"), "cached-run", "2000-01-01T00:00:00+00:00", __version__)
ENTITIES = NamedNode(iris.ENTITIES_GRAPH)


# ---- scan: one raw file ---------------------------------------------------------


@dataclass(frozen=True)
class Scanned:
    """What the parent keeps of one raw file read, cleaned, converted and identified: its key, name, grouping fingerprint and notes."""

    key: str
    name: str
    fingerprint: Fingerprint
    notes: tuple[BuildEvent, ...]


@dataclass(frozen=True)
class ScannedFile:
    """One raw file's expression and identity, as the cache holds them for the workers (under the file's key, EXPRESSION suffix)."""

    expression: Expression
    identity: Identity


EXPRESSION = ".expression"


@dataclass(frozen=True)
class ScanTask:
    path: Path
    cache: Cache
    inside: DataFolder | None = None  # the data folder the file is read inside of (confine.py)


@dataclass(frozen=True)
class Rejected:
    """A raw file that is no document (ReadError): the build skips it and reports why."""

    event: FileRejected
    digest: str  # what the file adds to the build's input digest: the sha256 of its bytes, or why they could not be read


def scan(task: ScanTask) -> Scanned | Rejected:
    """Run read, clean, script and identify on one raw file, or take the result from the cache; reject a file that is no document.

    The file is read once: its bytes key the cache, then feed the read stage.
    """
    try:
        data = read_bytes(task.path, task.inside)
    except ReadError as error:
        return Rejected(FileRejected(printable(task.path), error.reason), error.reason)
    entry = key(builder_digest(), task.path.name, data)
    if (hit := task.cache.get("file", entry)) is not None and task.cache.path("file", entry, EXPRESSION).exists():
        return hit
    try:
        source = read(task.path, data)
        cleaned = clean(source)
    except ReadError as error:
        return Rejected(FileRejected(printable(task.path), error.reason), hashlib.sha256(data).hexdigest())
    notes: list[BuildEvent] = [LineDropped(source.name, line.line_no, line.reason, line.span.quote.strip()[:50]) for line in cleaned.dropped]
    notes += [located(source.name, note) for note in (*source.warnings, *cleaned.artefacts)]
    expression = script(cleaned)
    identity = identify(expression)
    notes += [FileWarning(source.name, None, warning) for warning in identity.warnings]  # damaged or placeholder dates, never guessed
    task.cache.put("file", entry, ScannedFile(expression, identity), suffix=EXPRESSION)
    scanned = Scanned(entry, expression.name, fingerprint(expression, identity), tuple(notes))
    task.cache.put("file", entry, scanned)
    return scanned


def scanned_file(cache_: Cache, entry: str) -> ScannedFile:
    """Read one scanned file's expression and identity from the cache (its scan wrote them there)."""
    found = cache_.get_record("file", entry, EXPRESSION)
    if found is None:
        raise FileNotFoundError(f"{cache_.path('file', entry, EXPRESSION)}: a scanned file's expression is missing from the build cache")
    return found


def located(name: str, note: str) -> FileWarning:
    """Split a stage's note ``"line N: ..."`` into the warning's line and message.

    >>> located("坏 文件.txt", "line 12: bytes that are not UTF-8 replaced by U+FFFD")
    FileWarning(file='坏 文件.txt', line=12, message='bytes that are not UTF-8 replaced by U+FFFD')
    >>> located("a.html", "HTML page converted to text")
    FileWarning(file='a.html', line=None, message='HTML page converted to text')
    """
    match = re.match(r"line (\d+): ", note)
    return FileWarning(name, int(match.group(1)), note[match.end():]) if match else FileWarning(name, None, note)


# ---- plan: one cluster of files becomes one work ------------------------------------


@dataclass(frozen=True)
class Planned:
    """What the parent keeps of one work: its slug, its files (primary first) by key and name, their identities, its gaps.

    :func:`planned_work` rebuilds the :class:`Work` from the cache, in a worker, when its expressions are needed.
    """

    slug: str
    keys: tuple[str, ...]
    names: tuple[str, ...]
    identities: tuple[Identity, ...]  # placed (text/place.py), aligned with keys
    gaps: tuple[FileWarning, ...]  # which of title, 文号 and date none of its files states


@dataclass(frozen=True)
class PlanTask:
    keys: tuple[str, ...]  # one cluster's files, in file order
    cache: Cache


def plan_work(task: PlanTask) -> Planned:
    """Order one cluster's files, name the work and place it (text/group.py, text/place.py), from the expressions in the cache."""
    files = [scanned_file(task.cache, entry) for entry in task.keys]
    work = place(make_work([f.expression for f in files], [f.identity for f in files]))
    by_name = {f.expression.name: entry for f, entry in zip(files, task.keys, strict=True)}
    names = tuple(e.name for e in work.expressions)
    return Planned(work.slug, tuple(by_name[name] for name in names), names, work.identities, tuple(identity_gaps(work)))


def planned_work(cache_: Cache, planned: Planned) -> Work:
    """Rebuild a planned work with its expressions, read from the cache."""
    return Work(planned.slug, tuple(scanned_file(cache_, entry).expression for entry in planned.keys), planned.identities)


def identity_gaps(work: Work) -> list[FileWarning]:
    """Say which of title, 文号 and date none of a work's files states, naming the line where its body starts."""
    identity, primary = merged(work.identities), work.primary
    line = primary.text.count("\n", 0, primary.clean.body_start) + 1
    missing = [
        what
        for what, value in (("title", identity.title), ("文号", identity.doc_number), ("date", identity.date_document or identity.date_publication))
        if value is None
    ]
    return [FileWarning(primary.name, line, f"no {what} found (the body starts here)") for what in missing]


# ---- annotate: one work -----------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the parent keeps of one annotated work while it links and loads: its measures' texts (the rest waits in the cache)."""

    key: str
    slug: str
    reviewed: bool
    cached: bool
    texts: WorkTexts  # what the research stages (similarity links, instrument report) read


@dataclass(frozen=True)
class AnnotateTask:
    key: str
    cache: Cache
    work: Planned  # its expressions are read from the cache by the worker
    annotation: Path | None  # the work's annotation file, if there is one
    inside: DataFolder | None = None  # the data folder the annotation file is read inside of


def work_key(file_keys: list[str], annotation: Path | None, inside: DataFolder | None = None) -> str:
    """Key a work by its files' keys in order and the bytes of its annotation file."""
    return key(builder_digest(), *file_keys, annotation_bytes(annotation, inside) if annotation else b"")


def annotate_work(task: AnnotateTask) -> Facts:
    """Run segment, extract and annotate on one work (reviewed annotation files win) and cache the result."""
    annotated = annotated_work(planned_work(task.cache, task.work), task.annotation, task.inside)
    task.cache.put("work", task.key, annotated)
    facts = Facts(task.key, annotated.work.slug, annotated.reviewed, cached=False, texts=work_texts(annotated))
    task.cache.put("work", task.key, facts, suffix=".facts")
    return facts


def cached_facts(cache_: Cache, entry: str) -> Facts | None:
    """Return a work's cached facts (small: no texts) if its annotated record is cached too."""
    if not cache_.path("work", entry).exists():
        return None
    facts = cache_.get_record("work", entry, ".facts")
    return dataclasses.replace(facts, cached=True) if facts is not None else None


def annotated_work(work: Work, annotation: Path | None, inside: DataFolder | None = None) -> AnnotatedWork:
    """Annotate one work: its reviewed annotation file if it has one, else the extractor's findings."""
    if annotation is not None:
        reviewed = read_annotation(annotation, {e.name: e for e in work.expressions}, inside)
        if reviewed.reviewed:
            return reviewed
    segments = segment(work.primary)
    return annotate(work, segments, extract(work, segments))


# ---- render: one work ---------------------------------------------------------------


NQUADS, ENTITY_NQUADS = ".nq", ".entities.nq"  # a rendering's two files in the cache, beside its record


@dataclass(frozen=True)
class Rendered:
    """One work's quads, ready to load: its named graph and the entity descriptions it emits on disk, its counts, its search entries."""

    key: str
    slug: str
    nquads: Path  # the work's named graph, N-Quads naming PLACEHOLDER_RUN
    entities: Path  # what it says in the shared entities graph, N-Quads (on disk: a result waiting for the loader stays small)
    files: tuple[str, ...]
    dropped_lines: int
    measures: int
    incentives: int
    violations: str | None  # the SHACL report when the document's quads do not conform
    problem: str | None = None  # its first broken constraint in one line: the node and the sentence it was read from
    search: tuple[Entry, ...] = ()  # its title and measures for the search index, read from its quads (search_index.read_entries)


@dataclass(frozen=True)
class RenderTask:
    key: str
    cache: Cache


def render_work(task: RenderTask) -> Rendered:
    """Run to_rdf and the per-document SHACL validation on one annotated work from the cache."""
    annotated: AnnotatedWork = task.cache.get("work", task.key)
    quads = to_rdf(annotated, PLACEHOLDER_RUN)
    own = [q for q in quads if q.graph_name != ENTITIES]
    shared = serialize([q for q in quads if q.graph_name == ENTITIES], format=RdfFormat.N_QUADS)
    work = annotated.work
    checked = in_memory([*quads, *referred_context(quads)])  # one store in memory for the shapes' checks and the search entries
    report = store_violations(checked)
    rendered = Rendered(
        task.key,
        work.slug,
        task.cache.put("graph", task.key, serialize(own, format=RdfFormat.N_QUADS), suffix=NQUADS),
        task.cache.put("graph", task.key, shared, suffix=ENTITY_NQUADS),
        tuple(e.name for e in work.expressions),
        sum(len(e.clean.dropped) for e in work.expressions),
        sum(1 for q in own if q.predicate == RDF_TYPE and q.object == gx.Measure),
        len(annotated.extraction.incentives),
        report,
        first_problem(report, quads) if report else None,
        tuple(search_index.read_entries(checked)),  # the context quads (schemes, provinces, the run) hold no entry
    )
    task.cache.put("graph", task.key, rendered)
    return dataclasses.replace(rendered, search=())  # the parent reads the entries back from the cache when it writes the index


def rendering_cached(cache_: Cache, entry: str) -> bool:
    """Tell whether a work's rendering is in the cache (its record and both its N-Quads files), without reading it."""
    return all(cache_.path("graph", entry, suffix).exists() for suffix in (".pickle", NQUADS, ENTITY_NQUADS))


def cached_rendering(cache_: Cache, entry: str) -> Rendered | None:
    """Return a work's cached rendering if its record and both its N-Quads files are there, with their paths where this cache
    keeps them (the record holds those it was written with: a cache moved since would otherwise point elsewhere)."""
    rendered = cache_.get("graph", entry) if rendering_cached(cache_, entry) else None
    if rendered is None:
        return None
    return dataclasses.replace(rendered, nquads=cache_.path("graph", entry, NQUADS), entities=cache_.path("graph", entry, ENTITY_NQUADS))


@cache
def context_quads() -> tuple[Quad, ...]:
    """Return what every document's quads refer to: the provinces, the schemes (policy instruments too) and the (placeholder) build run."""
    return (*reference_quads(), *instruments.scheme_quads(), *build_quads(PLACEHOLDER_RUN))


@cache
def context_by_subject() -> dict[NamedNode | BlankNode, tuple[Quad, ...]]:
    """Index the context quads by subject."""
    index: dict[NamedNode | BlankNode, list[Quad]] = {}
    for quad in context_quads():
        index.setdefault(quad.subject, []).append(quad)  # type: ignore[arg-type]
    return {subject: tuple(found) for subject, found in index.items()}


def referred_context(quads: Iterable[Quad]) -> list[Quad]:
    """Return the context quads a document's quads reach: what its nodes point at, what those point at, and so on.

    A document's shapes look at the nodes it names (a province's type, a concept's scheme) and never at the rest
    of the ~39,000 context quads, which the shared-graph checks validate once per build (validate/whole_graph.py).
    Checking a document with only what it reaches gives the same report at a fifth of the cost (~200 of the
    context quads per document).
    """
    index = context_by_subject()
    frontier = {term for quad in quads for term in (quad.subject, quad.object) if isinstance(term, NamedNode | BlankNode)}
    seen: set[object] = set()
    found: list[Quad] = []
    while frontier:
        seen |= frontier
        reached = [quad for node in frontier for quad in index.get(node, ())]  # type: ignore[arg-type]
        found += reached
        frontier = {q.object for q in reached if isinstance(q.object, NamedNode | BlankNode)} - seen
    return found


def first_problem(report: str, quads: list[Quad]) -> str:
    """Say in one line the first constraint a document breaks, the first node that breaks it, and the sentence that node was read from.

    The report's second line is ``shape, constraint: node (message), node …``; the sentence is the node's evidence quote.
    """
    line = report.splitlines()[1] if len(report.splitlines()) > 1 else report
    constraint, _, nodes = line.partition(": ")
    node = nodes.split(" ", 1)[0].rstrip(",")
    return f"{constraint}: {node}" + (f" «{quote}»" if (quote := evidence_quote(quads, node)) else "")


def evidence_quote(quads: list[Quad], iri: str) -> str | None:
    """Return the quote of a node's first evidence (gx:evidence/oa:hasSelector/oa:exact), or None."""
    objects: dict[tuple[str, str], list[object]] = {}
    for quad in quads:
        objects.setdefault((str(quad.subject), str(quad.predicate)), []).append(quad.object)
    for span in objects.get((f"<{iri}>", str(gx.evidence)), []):
        for selector in objects.get((str(span), str(oa.hasSelector)), []):
            for exact in objects.get((str(selector), str(oa.exact)), []):
                return getattr(exact, "value", None)
    return None
