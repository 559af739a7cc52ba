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

import dataclasses
import hashlib
import itertools
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from pyoxigraph import NamedNode, Quad, RdfFormat, parse, serialize

from graph_build import __version__, canned, iris
from graph_build.build.cache import Cache, PairDecisions, builder_digest, default_directory
from graph_build.build.events import (
    AnnotationRefused,
    EntrySkipped,
    Events,
    FileRejected,
    FileWarning,
    LoadPlanned,
    PhaseTimed,
    Progress,
    StoreSwitching,
    WorksMerged,
    ignore,
)
from graph_build.build.jobs import (
    PLACEHOLDER_RUN,
    AnnotateTask,
    Facts,
    Planned,
    PlanTask,
    Rejected,
    Rendered,
    RenderTask,
    Scanned,
    ScanTask,
    annotate_work,
    cached_facts,
    cached_rendering,
    plan_work,
    planned_work,
    render_work,
    rendering_cached,
    scan,
    scanned_file,
    work_key,
)
from graph_build.build.parallel import Workers, default_jobs, return_large_blocks, trim
from graph_build.extract.annotate import AnnotationError, annotation_bytes, read_annotation
from graph_build.rdf import links
from graph_build.rdf.shared import build_quads, ontology_quads, reference_quads
from graph_build.records import AnnotatedWork, BuildRun, BuildStats, Expression, Work
from graph_build.research.corpus import ResearchGraph, corpus_graph
from graph_build.store import incremental, search_index
from graph_build.store.bulk import write_nquads
from graph_build.store.incremental import Manifest
from graph_build.store.versions import LoadError, new_version
from graph_build.text.confine import DataFolder, data_folder
from graph_build.text.group import clusters, merged
from graph_build.text.read import Listing, listing, printable
from graph_build.validate import shapes
from graph_build.validate.whole_graph import validate_shared

T = TypeVar("T")


PROGRESS_FROM = 50


class BuildError(RuntimeError):
    """A build that cannot go on; the message names the file."""


def raw_files(data_dir: Path) -> Listing:
    """List the raw documents of a data directory in name order, and the entries that are no regular file of the data folder."""
    raw = data_dir / "raw"
    if not raw.is_dir():
        raise BuildError(f"{raw}: no raw/ directory of documents")
    entries = listing(raw, data_dir)
    if not entries.files:
        skipped = f" ({len(entries.skipped)} entr(ies) skipped, e.g. {printable(entries.skipped[0][0])}: {entries.skipped[0][1]})" if entries.skipped else ""
        raise BuildError(f"{raw}: no documents{skipped}")
    return entries


@dataclass
class Stages:
    """The per-file and per-work stages of one run, on a pool of workers (serial is one worker), with their cache and events."""

    data_dir: Path
    workers: Workers
    cache: Cache
    events: Events
    strict: bool = False
    inside: DataFolder = field(init=False)  # the real folders read from, resolved before any listing (text/confine.py)
    decided: set[str] = field(init=False, default_factory=set)  # the cache entries of group's pair decisions this run used

    def __post_init__(self) -> None:
        self.inside = data_folder(self.data_dir)

    def scanned(self) -> tuple[list[Scanned], list[Rejected]]:
        """Run read, clean, script and identify on every raw file; report and set aside the files that are no document."""
        entries = raw_files(self.data_dir)
        for path, reason in entries.skipped:
            self.events(EntrySkipped(printable(path), reason))
        paths = list(entries.files)
        scanned, rejected = [], []
        for number, result in enumerate(self.workers.map(scan, [ScanTask(path, self.cache, self.inside) for path in paths]), start=1):
            self.events(Progress(number, len(paths), paths[number - 1].name))
            if isinstance(result, Rejected):
                rejected.append(result)
                self.reject(result.event)
                continue
            for note in result.notes:
                self.events(note)
            scanned.append(result)
        if not scanned:
            raise BuildError(f"{self.data_dir / 'raw'}: every file was rejected ({len(paths)} file(s)); nothing to build")
        return scanned, rejected

    @cached_property
    def annotations(self) -> dict[str, Path]:
        """Return the annotation files by work slug (regular files of the data folder); report the entries of annotations/ skipped."""
        folder = self.data_dir / "annotations"
        entries = listing(folder, self.data_dir, ".yaml") if folder.is_dir() else Listing((), ())
        for path, reason in entries.skipped:
            self.events(EntrySkipped(printable(path), reason))
        return {path.name.removesuffix(".yaml"): path for path in entries.files}

    def reject(self, event: FileRejected) -> None:
        """Report a rejected file; with strict, fail the build on it."""
        self.events(event)
        if self.strict:
            raise BuildError(f"rejected {event.file}: {event.reason} (--strict: a rejected file fails the build; the store is unchanged)")

    def works(self, scanned: list[Scanned]) -> list[Planned]:
        """Group the scanned files into works (MinHash candidates, exact Jaccard); the workers order, name and place each from the cache."""
        decisions = PairDecisions(self.cache, [s.key for s in scanned], self.decided)
        clustered = [PlanTask(tuple(scanned[i].key for i in members), self.cache) for members in clusters([s.fingerprint for s in scanned], decisions)]
        works = list(self.workers.map(plan_work, clustered))
        warn_unplaced(works, self)
        for work in works:
            for gap in work.gaps:
                self.events(gap)
            if len(work.names) > 1:
                self.events(WorksMerged(work.names, work.slug))
        refuse_shared_names(works)
        return works

    def annotated(self, works: list[Planned], reviewed: bool = True) -> list[Facts]:
        """Run segment, extract and annotate on every work whose inputs changed (reviewed annotation files win); take the others from the cache."""
        tasks, cached = [], {}
        for work in works:
            annotation = self.annotations.get(work.slug) if reviewed else None
            entry = work_key(list(work.keys), annotation, self.inside)
            if (hit := cached_facts(self.cache, entry)) is not None:
                cached[entry] = hit
            tasks.append(AnnotateTask(entry, self.cache, work, annotation, self.inside))
        fresh = iter(self.workers.map(annotate_work, [t for t in tasks if t.key not in cached]))
        return [cached[t.key] if t.key in cached else next(fresh) for t in tasks]


@contextmanager
def stages(data_dir: Path, events: Events, jobs: int | None, cache_dir: Path | None, strict: bool = False) -> Iterator[Stages]:
    """Open the stages of one run: a worker pool sized for the corpus, and the cache (a temporary one when none is given)."""
    with tempfile.TemporaryDirectory(prefix="gaoxin-cache-") as temporary, Workers(jobs or default_jobs(len(raw_files(data_dir).files))) as workers:
        try:
            yield Stages(data_dir, workers, Cache(cache_dir or Path(temporary)), events, strict)
        except AnnotationError as error:  # raised in the parent or a worker: one event naming file and item, then the build stops
            events(AnnotationRefused(error.file, error.item, error.reason))
            item = f" ({error.item})" if error.item else ""
            raise BuildError(f"{error.file}: annotation file refused{item}; the build stops and the store is unchanged") from None


def expressions(data_dir: Path, events: Events = ignore, *, jobs: int | None = None) -> list[Expression]:
    """Run the per-file stages (read … identify): the expressions of a data directory."""
    with stages(data_dir, events, jobs, None) as run:
        return [scanned_file(run.cache, s.key).expression for s in run.scanned()[0]]


def works(data_dir: Path, events: Events = ignore, *, jobs: int | None = None) -> list[Work]:
    """Run the stages up to group: the works of a data directory."""
    with stages(data_dir, events, jobs, None) as run:
        return [planned_work(run.cache, work) for work in run.works(run.scanned()[0])]


def annotated_works(data_dir: Path, events: Events = ignore, *, reviewed: bool = True, jobs: int | None = None) -> list[AnnotatedWork]:
    """Run the stages up to annotate; reviewed annotation files win over the extractor unless `reviewed` is False."""
    with stages(data_dir, events, jobs, None) as run:
        facts = run.annotated(run.works(run.scanned()[0]), reviewed)
        return [run.cache.get("work", f.key) for f in facts]


def warn_unplaced(works: list[Planned], run: Stages) -> None:
    """Warn about, never reject, a work placed in no city, county, province or country (its jurisdiction stays unknown)."""
    for work in works:
        identity = merged(work.identities)
        if not (identity.province_code or identity.national or reviewed_province(work, run)):
            reason = "no jurisdiction: neither issuer, title, 文号, zone, body nor site code names a province or city; left unknown"
            run.events(FileWarning(", ".join(work.names), None, reason))


def reviewed_province(work: Planned, run: Stages) -> str | None:
    """Return the province a work's reviewed annotation file (if it has one) gives it."""
    if (path := run.annotations.get(work.slug)) is None:
        return None
    annotated = read_annotation(path, {e.name: e for e in planned_work(run.cache, work).expressions}, run.inside)
    return merged(annotated.work.identities).province_code if annotated.reviewed else None


def input_digest(scanned: list[Scanned], rejected: list[Rejected], annotations: list[Path], inside: DataFolder | None = None) -> str:
    """Digest what makes a graph: each raw file's name and bytes (from the scan, which read it), the annotation files, the builder version."""
    digest = hashlib.sha256(__version__.encode())
    files = sorted([(s.name, s.key) for s in scanned] + [(r.event.file, r.digest) for r in rejected])
    for name, key in files:
        digest.update(f"{name}\0{key}\0".encode())
    for path in sorted(annotations):
        digest.update(path.name.encode() + b"\0" + annotation_bytes(path, inside))
    return digest.hexdigest()


def build(
    data_dir: Path, store_dir: Path, events: Events = ignore, *, jobs: int | None = None, cache_dir: Path | None = None, strict: bool = False
) -> BuildStats:
    """Build the graph of a data directory into a new store version and switch to it."""
    started = datetime.now(UTC).isoformat(timespec="seconds")
    clock = Clock(events)
    shapes.checks(False)  # compile the shapes for documents (2 s) before the workers fork, so they inherit them
    return_large_blocks()
    with stages(data_dir, events, jobs, cache_dir or default_directory(store_dir), strict) as run:
        scanned, rejected = clock("read … identify", run.scanned())
        digest = input_digest(scanned, rejected, list(run.annotations.values()), run.inside)
        build_run = BuildRun(iris.build_run(digest), digest, started, __version__)
        works = clock("group", run.works(scanned))
        files = sum(len(work.keys) for work in works)
        facts = clock("segment … annotate", run.annotated(works))
        file_keys = {s.key for s in scanned}
        del scanned, works
        documents, from_cache, texts = tuple((f.slug, f.key) for f in facts), sum(f.cached for f in facts), [f.texts for f in facts]
        del facts  # the extractions wait in the cache for the workers: the parent need not hold them while it links and loads
        rendering = Rendering(render_works([key for _, key in documents], run.workers, run.cache))  # the workers render while the parent links
        research = clock("research (instrument cues, similarity), workers rendering", corpus_graph(texts, build_run, events, run.cache))
        del texts
        trim()  # the measures' texts and the stage's small objects: their pages go back before the load
        manifest = Manifest(builder_digest(), build_run.iri, documents)
        graph = BuiltGraph(rendering, research, build_run, clock, events)
        with new_version(store_dir, digest, lambda complete: events(StoreSwitching(str(complete)))) as version:
            plan = incremental.plan(store_dir, manifest)
            count = clock("load of the shared graphs and similarity links", write_version(graph, manifest, plan, version, events))
            trim()  # the loader's batches and the store's write buffers, before the checks open the store again
            patch = plan.patch  # a patched version is checked and indexed where it changed (whole_graph.py, search_index.patch)
            clock("shared-graph checks", validate_shared(version, incremental.changed_links(patch.base, version) if patch else None))
            entries = rendered_entries(run.cache, [key for slug, key in documents if patch is None or slug in patch.loaded])
            index = search_index.patch(version, patch.base, patch.changed(), entries) if patch else search_index.write(version, entries)
            clock("search index", index)  # inside the version: it switches with the graph
    rendered = rendering.done
    run.cache.prune(file_keys | run.decided | {key for _, key in documents} | {research.cached_as or ""})
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


def refuse_shared_names(works: list[Planned]) -> None:
    """Raise a BuildError when two works would get the same IRI (their named graphs would mix)."""
    seen: dict[str, Planned] = {}
    for work in works:
        if (other := seen.setdefault(work.slug, work)) is not work:
            names = ", ".join((*other.names, *work.names))
            raise BuildError(f"{names}: two different documents get the same IRI doc/{work.slug} (same 文号, or same title without 文号)")


def render_works(keys: list[str], workers: Workers, cache: Cache) -> Iterator[Rendered]:
    """Run to_rdf and each document's SHACL validation on the works (by cache key) not rendered before, in work order.

    The worker pool starts on every work at once (the parent meanwhile runs the research stages); the results are
    collected as the caller iterates.
    """
    cached = {key for key in keys if rendering_cached(cache, key)}  # read one by one as the loader takes them, not all at once
    fresh = iter(workers.map(render_work, [RenderTask(key, cache) for key in keys if key not in cached]))
    return (kept_rendering(cache, key) if key in cached else next(fresh) for key in keys)


def rendered_entries(cache: Cache, keys: list[str]) -> Iterator[search_index.Entry]:
    """Yield the search entries of the works rendered under these keys, read back from their cached renderings one by one."""
    for key in keys:
        yield from kept_rendering(cache, key).search


def kept_rendering(cache: Cache, key: str) -> Rendered:
    """Read a work's rendering from the cache, where this build found or put it; raise LoadError if it has gone since."""
    if (rendered := cached_rendering(cache, key)) is None:
        raise LoadError(f"the rendering of work {key} left the cache during the build")
    return rendered


def refuse_invalid(rendered: list[Rendered]) -> None:
    """Raise a LoadError naming the first document whose quads do not conform, in one line with the sentence, then its report."""
    if failed := next((r for r in rendered if r.violations), None):
        raise LoadError(f"{failed.slug} ({', '.join(failed.files)}) does not conform to ontology/shapes.ttl: {failed.problem}\n{failed.violations}")


class Rendering:
    """The works' renderings as the workers hand them back, kept for the manifest and the build's figures, and the shared entities they emit.

    Each work's entity lines are read from its file as it arrives and gathered once in `entities`: the works repeat
    the same few thousand lines (9,021 distinct of 215,453 at 1,000 documents), ~0.3 MB a work as Python strings.
    A worker hands back the file's path, not the lines, so the results that wait while the parent links stay small.
    """

    def __init__(self, pending: Iterator[Rendered]) -> None:
        self.pending, self.done, self.entities = pending, [], {}

    def results(self) -> Iterator[Rendered]:
        """Yield the renderings not yet yielded, in work order, as they arrive; stop at the first that does not conform."""
        for work in self.pending:
            self.entities.update(dict.fromkeys(work.entities.read_text("utf-8").splitlines(keepends=True)))
            self.done.append(dataclasses.replace(work, search=()))  # the search entries wait in the cache
            refuse_invalid([work])
            yield work

    def shared_entities(self) -> bytes:
        """Return the shared entities graph as N-Quads, each quad once (only this graph needs de-duplicating: a work's own graph has no quad twice)."""
        self.all()
        return "".join(self.entities).encode("utf-8")

    def stream(self, run: BuildRun) -> Iterator[bytes]:
        """Yield each work's graph as N-Quads as soon as its worker hands it back, so the store loads while the workers render."""
        for work in self.results():
            yield from document_chunks([work], run)

    def all(self) -> list[Rendered]:
        """Wait for every rendering; raise LoadError at the first document that does not conform."""
        for _ in self.results():
            pass
        return self.done


class BuiltGraph:
    """What a build loads: each work's rendered graph, then the graphs shared by all works, for one build run."""

    def __init__(self, rendering: Rendering, research: ResearchGraph, run: BuildRun, clock: Clock, events: Events) -> None:
        self.rendering, self.research, self.run, self.clock, self.events = rendering, research, run, clock, events

    @cached_property
    def shared(self) -> dict[incremental.Graph, bytes]:
        """Every graph that is no work's own as N-Quads, by graph (not the similarity links); waits for every rendering."""
        self.clock("to_rdf + per-document SHACL (a full load also loads the works' graphs meanwhile)", self.rendering.all())
        entities = self.rendering.shared_entities()
        # zones, industries, recipient types → data/reference: read from the shared entities graph alone
        extra = self.clock("reference links", links.document_links(list(parse(entities, format=RdfFormat.N_QUADS)), self.events))
        return shared_graphs(entities, extra, self.research, self.run)

    def shared_chunks(self) -> Iterator[bytes]:
        """Yield the shared graphs once the works' graphs have gone to the loader."""
        yield from self.shared.values()


def write_version(graph: BuiltGraph, manifest: Manifest, plan: incremental.Plan, version: Path, events: Events) -> int:
    """Write the new version, patching a copy of the current one when the plan says so, then its manifest; return the quad count."""
    run = graph.run
    if plan.patch is None:
        events(LoadPlanned(f"full load ({plan.reason})"))
        links = incremental.streamed_links(graph.research.link_blocks(), version)
        count = write_nquads(itertools.chain(graph.rendering.stream(run), graph.shared_chunks(), links), version)
        incremental.write_shared_digests(version, graph.shared, run.iri)
    else:
        loaded = set(plan.patch.loaded)
        documents = document_chunks([r for r in graph.rendering.all() if r.slug in loaded], run)
        count = incremental.write_patched(plan.patch, run.iri, documents, graph.shared, graph.research.link_blocks(), version)
        events(LoadPlanned(plan.patch.describe()))
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


class Clock:
    """Report the wall time of each phase of a build, for the benchmarks."""

    def __init__(self, events: Events) -> None:
        self.events, self.last = events, time.perf_counter()

    def __call__(self, phase: str, result: T) -> T:
        now = time.perf_counter()
        self.events(PhaseTimed(phase, now - self.last))
        self.last = now
        return result
