"""The gaoxin-kg command line: build, annotate, query, validate, export, serve."""

from __future__ import annotations

import argparse
import gzip
import json
import re
import signal
import sys
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat, Triple, serialize

from gaoxin_kg.report import BuildReport
from graph_build import canned
from graph_build.build import driver
from graph_build.build.events import BuildEvent, Events, StoreSwitching
from graph_build.extract import evaluate
from graph_build.extract.annotate import AnnotationError, disagreements, write_annotation
from graph_build.records import BuildStats
from graph_build.store.access import DEFAULT_STORE, StoreError, current_version, open_read_only, run_query
from graph_build.store.versions import LoadError, rollback
from graph_build.text.read import ReadError
from graph_build.validate.reference import validate
from graph_build.vocab import PREFIXES, sparql_prefixes

STAGES = "read → clean → script → identify → group → segment → extract → annotate → to_rdf → load"
EXPORT_FORMATS = {"nq": RdfFormat.N_QUADS, "trig": RdfFormat.TRIG, "ttl": RdfFormat.TURTLE}
RESULT_FORMATS = {"csv": QueryResultsFormat.CSV, "tsv": QueryResultsFormat.TSV, "json": QueryResultsFormat.JSON}
class Interrupted(Exception):
    """The build was asked to stop (SIGTERM)."""


FAILURES = (Interrupted, ReadError, AnnotationError, LoadError, StoreError, driver.BuildError, canned.ParameterError, ValueError, SyntaxError, OSError)


def parser() -> argparse.ArgumentParser:
    """Describe the commands and their options."""
    main = argparse.ArgumentParser(prog="gaoxin-kg", description=f"Build and query the gaoxin-kg graph. Stages: {STAGES}")
    commands = main.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the graph from DIR/raw (and DIR/annotations) into the store")
    build.add_argument("--data", type=Path, default=Path("data"))
    build.add_argument("--store", type=Path, default=DEFAULT_STORE)
    build.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores from 20 files on)")
    build.add_argument("--cache", type=Path, default=None, metavar="DIR", help="build cache (default: next to the store, STORE.cache)")
    build.add_argument("--strict", action="store_true", help="fail the build when any raw file is rejected (default: skip and report it)")
    annotate = commands.add_parser("annotate", help="write one annotation file per work into DIR/annotations")
    annotate.add_argument("--data", type=Path, default=Path("data"))
    annotate.add_argument("--check", action="store_true", help="list where the extractor disagrees with reviewed files")
    annotate.add_argument("--force", action="store_true", help="overwrite reviewed files too")
    query = commands.add_parser("query", help="run SPARQL or a canned query")
    query.add_argument("sparql", nargs="?")
    query.add_argument("--canned", metavar="NAME")
    query.add_argument("--param", action="append", default=[], metavar="K=V")
    query.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table")
    query.add_argument("--store", type=Path, default=DEFAULT_STORE)
    commands.add_parser("validate", help="validate the current store against the SHACL shapes").add_argument(
        "--store", type=Path, default=DEFAULT_STORE
    )
    export = commands.add_parser("export", help="write the whole graph to standard output or a file (N-Quads: what bulk loaders take)")
    export.add_argument("--format", choices=sorted(EXPORT_FORMATS), default="nq")
    export.add_argument("--store", type=Path, default=DEFAULT_STORE)
    export.add_argument("--output", type=Path, help="write to FILE instead of standard output")
    export.add_argument("--gzip", action="store_true", help="compress with gzip (reproducibly: no name or time in the header)")
    commands.add_parser("queries", help="list the canned queries")
    commands.add_parser("rollback", help="point the store link back at the previous complete version").add_argument(
        "--store", type=Path, default=DEFAULT_STORE
    )
    serve = commands.add_parser("serve", help="serve the graph over HTTP (SPARQL endpoint and pages) under granian or gunicorn")
    serve.add_argument("--store", type=Path, default=DEFAULT_STORE)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument("--threads", type=int, default=16, help="request threads per worker (more than the query processes: see server/admission.py)")
    serve.add_argument("--timeout", type=float, default=30.0, help="query time limit in seconds")
    serve.add_argument("--query-processes", type=int, default=2, help="fast-lane query processes per worker")
    serve.add_argument("--heavy-queries", type=int, default=1, help="heavy-lane query processes per worker (queries past the fast lane)")
    serve.add_argument("--query-memory-mb", type=int, default=1024, help="memory limit of each query process in MB (RLIMIT_AS)")
    serve.add_argument("--client-queries", type=int, default=1,
                       help="queries one client address may have running or waiting per worker; more get 429 (0: no limit)")
    serve.add_argument("--body-read-timeout", type=float, default=10.0, help="seconds a request body may take to arrive (then 408/400)")
    serve.add_argument("--small-query-matches", type=int, default=256,
                       help="a basic graph pattern with at most this many combinations of matches runs in the web worker (0: never)")
    serve.add_argument("--cache-dir", type=Path, help="folder for dumps and the VoID description when the store folder is read-only")
    serve.add_argument("--endpoint", metavar="URL", help="serve the graph held by this SPARQL 1.1 endpoint instead of --store")
    serve.add_argument("--service-allow", action="append", default=[], metavar="PREFIX",
                       help="allow SERVICE calls to endpoints under this IRI prefix (repeatable; default: SERVICE refused)")
    serve.add_argument("--service-endpoint", action="append", default=[], metavar="NAME=URL",
                       help="call URL where a canned query declares the SERVICE endpoint NAME (repeatable)")
    serve.add_argument("--server", choices=("granian", "gunicorn"), default="granian",
                       help="the HTTP server (default granian, through server/asgi_bridge.py; see server/wsgi.py)")
    evaluate = commands.add_parser("evaluate", help="print the extractor's precision and recall against a gold file or folder")
    evaluate.add_argument("--data", type=Path, default=Path("data"))
    evaluate.add_argument("--gold", type=Path, default=Path("data/gold/seeds.yaml"), help="a gold file or a folder of <raw file stem>.yaml")
    evaluate.add_argument("--misses", action="store_true", help="with a gold folder: list per field and file what was missed (-) and what is spurious (+)")
    return main


def main(argv: list[str] | None = None) -> int:
    """Run one command; print a clear message and return 1 on failure."""
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except FAILURES as error:
        print(f"gaoxin-kg {args.command}: error: {error}", file=sys.stderr)
        return 1


@dataclass
class Termination:
    """What SIGTERM does to a build: before the store link starts to switch, interrupt it; from then on, let it finish and report.

    The switch is the point of no return (StoreSwitching, sent by versions.new_version just before the link is
    replaced): a build stopped after it would leave the new graph in place with no summary, so the signal is
    only noted there, and said after the summary (issue 13, item 7).
    """

    switching: bool = False
    received: str | None = None  # the name of a signal that came while the link was switching

    def __call__(self, signum: int, frame: object) -> None:
        if not self.switching:  # the half-written version is removed and the link stays
            raise Interrupted(f"interrupted by {signal.Signals(signum).name}; the store link was not switched")
        self.received = signal.Signals(signum).name

    def watching(self, events: Events) -> Events:
        """Pass the build's events on, noting the moment the store link starts to switch."""

        def watched(event: BuildEvent) -> None:
            self.switching = self.switching or isinstance(event, StoreSwitching)
            events(event)

        return watched


@contextmanager
def stopped_by_sigterm() -> Iterator[Termination]:
    """Handle SIGTERM with a Termination while the block runs (signals can only be handled in the main thread)."""
    termination = Termination()
    if threading.current_thread() is not threading.main_thread():
        yield termination
        return
    previous = signal.signal(signal.SIGTERM, termination)
    try:
        yield termination
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_build(args: argparse.Namespace) -> int:
    """Build, printing what was read, rejected, dropped, merged and produced."""
    started = time.perf_counter()
    print(f"building {args.data} → {args.store}  ({STAGES})")
    if args.jobs is not None and args.jobs < 1:
        raise ValueError(f"--jobs {args.jobs}: give at least 1")
    report = BuildReport()
    with stopped_by_sigterm() as termination:
        stats = driver.build(args.data, args.store, termination.watching(report), jobs=args.jobs, cache_dir=args.cache, strict=args.strict)
        print(summary(stats, report.rejected, time.perf_counter() - started, args.store), flush=True)
        if termination.received:
            print(f"gaoxin-kg build: {termination.received} came while the store link was switching: the build finished first", file=sys.stderr, flush=True)
    return 0


def summary(stats: BuildStats, rejected: int, seconds: float, store: Path) -> str:
    """Write the build's summary line: what was read, rejected, dropped, merged and produced, and the version switched in."""
    return (
        f"read {stats.files} files, rejected {rejected}, dropped {stats.dropped_lines} lines, merged {stats.merged} duplicate(s): "
        f"{stats.works} documents ({stats.works_from_cache} from the cache), {stats.measures} measures, {stats.incentives} incentives, "
        f"{stats.triples} triples in {seconds:.1f} s → {current_version(store)}"
    )


def cmd_annotate(args: argparse.Namespace) -> int:
    """Write annotation files, or with --check report disagreements with reviewed ones."""
    directory = args.data / "annotations"
    works = driver.annotated_works(args.data)
    fresh = {w.work.slug: w for w in driver.annotated_works(args.data, reviewed=False)}
    differences = 0
    for annotated in works:
        path = directory / f"{annotated.work.slug}.yaml"
        if args.check:
            lines = disagreements(annotated, fresh[annotated.work.slug].extraction) if annotated.reviewed else []
            differences += len(lines)
            print(f"{path}: {'reviewed' if annotated.reviewed else 'not reviewed'}, {len(lines)} disagreement(s)")
            print("".join(f"  {line}\n" for line in lines), end="")
        elif annotated.reviewed and not args.force:
            print(f"{path}: reviewed, kept (use --force to overwrite)")
        else:
            print(f"{write_annotation(fresh[annotated.work.slug], directory)}: written")
    return 1 if differences else 0


def cmd_query(args: argparse.Namespace) -> int:
    """Run a SPARQL query or a canned one and print its results."""
    if bool(args.sparql) == bool(args.canned):
        raise ValueError("give either a SPARQL query or --canned NAME")
    substitutions = {}
    sparql = sparql_prefixes() + args.sparql if args.sparql else None  # a query's own PREFIX lines override these
    if args.canned:
        queries = canned.load_all()
        if args.canned not in queries:
            raise ValueError(f"no canned query {args.canned!r}; known: {', '.join(queries)}")
        query = queries[args.canned]
        sparql = query.sparql
        substitutions = canned.bind(query, dict(split_param(p) for p in args.param))
    results = run_query(open_read_only(args.store), sparql, substitutions)
    print_results(results, args.format)
    return 0


def split_param(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise canned.ParameterError(f"--param {text!r}: expected NAME=VALUE")
    name, value = text.split("=", 1)
    return name.strip(), value


def print_results(results, form: str) -> None:  # type: ignore[no-untyped-def]
    """Print query results as a table, CSV, TSV or JSON."""
    if isinstance(results, QuerySolutions | QueryBoolean):
        if form == "table":
            print_table(results)
        else:
            sys.stdout.write(results.serialize(format=RESULT_FORMATS[form]).decode("utf-8"))
    else:
        sys.stdout.write(results.serialize(format=RdfFormat.TURTLE).decode("utf-8"))


def print_table(results) -> None:  # type: ignore[no-untyped-def]
    """Print SELECT results as an aligned text table (wide characters count twice)."""
    if isinstance(results, QueryBoolean):
        print(json.dumps(bool(results)))
        return
    names = [v.value for v in results.variables]
    rows = [[cell_text(solution[name]) for name in names] for solution in results]
    widths = [max([width(name)] + [width(row[i]) for row in rows]) for i, name in enumerate(names)]
    for row in [names, ["-" * w for w in widths], *rows]:
        print("  ".join(cell + " " * (w - width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip())
    print(f"({len(rows)} rows)")


def cell_text(term) -> str:  # type: ignore[no-untyped-def]
    return "" if term is None else term.value


def width(text: str) -> int:
    """Count the columns a text takes in a terminal.

    >>> width("云南省")
    6
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cmd_rollback(args: argparse.Namespace) -> int:
    """Point the store link back at the version before the current one (what the server serves next)."""
    before = current_version(args.store)
    print(f"{args.store}: rolled back from {before.name} to {rollback(args.store).name}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    validate(current_version(args.store))
    print(f"{current_version(args.store)}: conforms to ontology/shapes.ttl")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write every quad of the store as N-Quads or TriG, or every triple (graphs merged) as Turtle, optionally gzipped, to a file."""
    store = open_read_only(args.store)
    form = EXPORT_FORMATS[args.format]
    quads = store.quads_for_pattern(None, None, None, None)
    statements = (Triple(q.subject, q.predicate, q.object) for q in quads) if args.format == "ttl" else quads
    with export_output(args.output, args.gzip) as output:
        serialize(statements, output=output, format=form, prefixes=None if form == RdfFormat.N_QUADS else dict(PREFIXES))
    if args.output:
        print(f"{args.output}: {args.output.stat().st_size} bytes", file=sys.stderr)
    return 0


@contextmanager
def export_output(path: Path | None, compress: bool) -> Iterator[IO[bytes]]:
    """Open where an export goes: a file written under a temporary name and renamed when complete, or standard output."""
    temporary = path.with_name(f".{path.name}.tmp") if path else None
    handle = open(temporary, "wb") if temporary else sys.stdout.buffer  # noqa: SIM115  # closed below, not by a with block
    try:
        if compress:
            with gzip.GzipFile(fileobj=handle, mode="wb", filename="", mtime=0) as compressed:
                yield compressed  # type: ignore[misc]
        else:
            yield handle
    except BaseException:
        if temporary:
            handle.close()
            temporary.unlink(missing_ok=True)
        raise
    if temporary and path:
        handle.close()
        temporary.replace(path)


def cmd_queries(args: argparse.Namespace) -> int:
    for name, query in canned.load_all().items():
        print(f"{name:32} {query.title_zh} / {query.title_en}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Print precision and recall of the extractor (reviewed files ignored) against the gold."""
    works = driver.annotated_works(args.data, reviewed=False)
    if not args.gold.is_dir():
        print(evaluate.table(evaluate.evaluate(works, args.gold)))
        return 0
    scores, differences, rejected = evaluate.compare_folder(works, args.gold)
    print(evaluate.folder_table(scores, rejected))
    if args.misses:
        print(evaluate.differences_text(differences))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the current store version (and every later one) until interrupted."""
    from server.wsgi import serve

    args.store = args.store.absolute()  # once, here: workers and query processes may run in another folder
    if not args.endpoint:
        current_version(args.store)  # fail now, clearly, when nothing is built
    serve(args.store, args.host, args.port, args.workers, args.threads, args.timeout, serve_config(args), args.server)
    return 0


def serve_config(args: argparse.Namespace) -> dict[str, object]:
    """Collect the server configuration the serve options set (keys of server.DEFAULTS)."""
    endpoints = dict(split_option("--service-endpoint", text) for text in args.service_endpoint)
    for option, url in [("--endpoint", args.endpoint), *(("--service-endpoint", u) for u in endpoints.values())]:
        if url is not None and not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", url):
            raise ValueError(f"{option} {url!r}: not an absolute http(s) URL")
    limits = {"QUERY_PROCESSES": args.query_processes, "HEAVY_QUERIES": args.heavy_queries, "QUERY_MEMORY_MB": args.query_memory_mb,
              "CLIENT_QUERIES": args.client_queries, "BODY_READ_TIMEOUT": args.body_read_timeout, "SMALL_QUERY_MATCHES": args.small_query_matches}
    cache_dir = {"DUMPS_DIR": str(args.cache_dir.absolute())} if args.cache_dir else {}
    return {"ENDPOINT": args.endpoint, "SERVICE_ALLOW": tuple(args.service_allow), "SERVICE_ENDPOINTS": endpoints, **limits, **cache_dir}


def split_option(option: str, text: str) -> tuple[str, str]:
    if "=" not in text:
        raise ValueError(f"{option} {text!r}: expected NAME=URL")
    name, value = text.split("=", 1)
    return name.strip(), value.strip()


COMMANDS = {
    "serve": cmd_serve,
    "evaluate": cmd_evaluate,
    "build": cmd_build,
    "annotate": cmd_annotate,
    "query": cmd_query,
    "validate": cmd_validate,
    "export": cmd_export,
    "queries": cmd_queries,
    "rollback": cmd_rollback,
}

if __name__ == "__main__":
    sys.exit(main())
