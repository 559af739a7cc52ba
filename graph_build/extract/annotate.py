"""Stage 8, annotate: reviewable annotation files, one per work.

``data/annotations/<work>.yaml`` holds a work's expressions, identity,
outline and extracted facts, every item with its span and quote. A file
marked ``reviewed: true`` has been checked by a person and wins over the
extractor at build time; ``gaoxin-kg annotate --check`` lists where the
extractor now disagrees with it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from graph_build import __version__
from graph_build.records import AnnotatedWork, Expression, Extraction, Identity, InstrumentCoding, Segment, Span, Work
from graph_build.research import instruments
from graph_build.text.confine import DataFolder
from graph_build.text.read import ReadError, escaped, max_file_bytes, printable, read_limited


def annotate(work: Work, segments: tuple[Segment, ...], extraction: Extraction) -> AnnotatedWork:
    """Bundle a work's outline and extracted facts into an (unreviewed) annotated work."""
    return AnnotatedWork(work, segments, extraction, reviewed=False)


# ---- writing ----------------------------------------------------------------


def to_plain(value: Any) -> Any:
    """Turn records into plain YAML data: dataclasses to dicts, Decimals to numbers or strings.

    >>> to_plain(Span(2, 8, "1000万元"))
    {'start': 2, 'end': 8, 'quote': '1000万元'}
    >>> to_plain(Decimal("12.5"))
    '12.5'
    """
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if dataclasses.is_dataclass(value):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    return value


def as_document(annotated: AnnotatedWork) -> dict[str, Any]:
    """Lay out an annotated work as the plain data of its annotation file."""
    work = annotated.work
    return {
        "work": work.slug,
        "reviewed": annotated.reviewed,
        "generator": f"gaoxin-kg {__version__}",
        "offsets": "Unicode code points into the decoded text of the named file, [start, end)",
        "expressions": [
            {"file": e.name, "sha256": e.clean.source.sha256, "script": e.script, "identity": to_plain(i)}
            for e, i in zip(work.expressions, work.identities, strict=False)
        ],
        "primary": work.primary.name,
        "segments": to_plain(annotated.segments),
        **to_plain(annotated.extraction),
    }


def write_annotation(annotated: AnnotatedWork, directory: Path) -> Path:
    """Write a work's annotation file and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{annotated.work.slug}.yaml"
    path.write_text(yaml.safe_dump(as_document(annotated), allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")
    return path


# ---- reading ----------------------------------------------------------------

# The most YAML nodes (scalars, lists, mappings) an annotation file may hold. The largest file in data/annotations
# (jizhengzi-2020-52.yaml, 81 KB) has 3,032, about 27 bytes each; the longest policy document (under 1 MB) would
# need about 150,000. Loading 500,000 nodes takes about 200 MB and a few seconds.
MAX_YAML_NODES = 500_000
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML was built with it
KIND_NAMES = {int: "a whole number", str: "text", bool: "true or false"}


class AnnotationError(ValueError):
    """An annotation file that cannot be used; the message is one line: the file (and line), the item, the reason."""

    def __init__(self, file: str, item: str, reason: str) -> None:
        super().__init__(file, item, reason)  # all three in args, so the error pickles between build workers
        self.file, self.item, self.reason = file, item, reason

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.item, self.reason) if part)


def check_plain(text: str) -> None:
    """Refuse YAML that is more than plain data, before anything is built from it: aliases, tags, too many nodes.

    The events are streamed, so the check costs no memory: a 1 KB file of nested aliases (each naming the one before
    ten times) would expand into gigabytes, and a tag such as ``!!python/object`` asks for code to run.
    """
    nodes = 0
    for event in yaml.parse(text, Loader=FAST_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise refused(event, f"alias *{event.anchor}: annotation files hold plain data, without aliases")
        if isinstance(event, yaml.NodeEvent):
            tag = getattr(event, "tag", None)
            if tag not in (None, "!"):
                raise refused(event, f"tag {tag}: annotation files hold plain data, without tags")
            nodes += 1
            if nodes > MAX_YAML_NODES:
                raise refused(event, f"more than {MAX_YAML_NODES:,} YAML nodes (annotate.MAX_YAML_NODES)")


def refused(event: yaml.Event, problem: str) -> yaml.MarkedYAMLError:
    """Make the parser error that refuses an event, marked with its place in the file."""
    return yaml.MarkedYAMLError(problem=problem, problem_mark=event.start_mark)


def load_yaml(path: Path, inside: DataFolder | None = None) -> Any:
    """Load an annotation file's YAML (a regular file of the data folder, within the size limit, plain data), or raise AnnotationError."""
    try:
        text = read_limited(path, max_file_bytes(), inside).decode("utf-8")
    except ReadError as error:
        raise AnnotationError(printable(path), "", error.reason) from None
    except UnicodeDecodeError as error:
        raise AnnotationError(printable(path), "", f"not UTF-8 (byte {error.start})") from None
    try:
        check_plain(text)
        return yaml.load(text, Loader=FAST_LOADER)  # a safe loader, on data check_plain has found plain
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        at = f":{mark.line + 1}" if mark is not None else ""
        raise AnnotationError(f"{printable(path)}{at}", "", escaped(problem)) from None


def annotation_bytes(path: Path, inside: DataFolder | None = None) -> bytes:
    """Return an annotation file's bytes for the build's digests (a regular file within the size limit), or raise AnnotationError."""
    try:
        return read_limited(path, max_file_bytes(), inside)
    except ReadError as error:
        raise AnnotationError(printable(path), "", error.reason) from None


def brief(value: Any, width: int = 60) -> str:
    """Show a value in a one-line error message: its repr, escaped and cut to `width` characters.

    >>> brief(1.5), brief("资金"), brief("甲" * 100)[-4:], brief("a\\nb")
    ('1.5', "'资金'", '甲甲甲…', "'a\\\\nb'")
    """
    return cut(repr(value), width)


def cut(text: str, width: int) -> str:
    """Escape a text for a one-line message and cut it to `width` characters."""
    text = escaped(text)
    return text if len(text) <= width else f"{text[: width - 1]}…"


def joined(where: str, name: str) -> str:
    """Name a field of an item: ``segments[0]`` + ``span`` → ``segments[0].span``.

    >>> joined("", "incentives"), joined("segments[0]", "span")
    ('incentives', 'segments[0].span')
    """
    return f"{where}.{name}" if where else name


def from_plain(kind: Any, value: Any, where: str) -> Any:
    """Rebuild a record of the given type from plain YAML data, raising AnnotationError naming `where` when a value has the wrong type."""
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [k for k in typing.get_args(kind) if k is not type(None)]
        return from_plain(inner[0], value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise AnnotationError("", where, f"expected a list, got {brief(value)}")
        item_kind = typing.get_args(kind)[0]
        return tuple(from_plain(item_kind, v, f"{where}[{i}]") for i, v in enumerate(value))
    if kind is Decimal:
        return decimal(value, where)
    if dataclasses.is_dataclass(kind):
        return build_record(kind, value, where)
    if kind in KIND_NAMES and type(value) is not kind:  # a float is no offset, and YAML's true is no number
        raise AnnotationError("", where, f"expected {KIND_NAMES[kind]}, got {brief(value)}")
    return value


def decimal(value: Any, where: str) -> Decimal:
    """Read an amount written as a number or a string of digits."""
    try:
        if type(value) in (int, float, str):
            return Decimal(str(value))
    except InvalidOperation:
        pass
    raise AnnotationError("", where, f"expected an amount, got {brief(value)}")


def build_record(kind: Any, value: dict[str, Any], where: str) -> Any:
    """Rebuild one dataclass record from a dict."""
    if not isinstance(value, dict):
        raise AnnotationError("", where, f"expected a mapping, got {brief(value)}")
    hints = typing.get_type_hints(kind)
    known = {f.name for f in dataclasses.fields(kind) if f.init}
    unknown = set(value) - known
    if unknown:
        raise AnnotationError("", where, f"unknown fields {brief(sorted(map(str, unknown)))}")
    try:
        return kind(**{name: from_plain(hints[name], v, joined(where, name)) for name, v in value.items()})
    except (TypeError, ValueError) as error:
        if isinstance(error, AnnotationError):
            raise
        raise AnnotationError("", where, cut(str(error), 200)) from error


def required(mapping: Any, name: str, kind: type, where: str) -> Any:
    """Return a field every annotation file has, or raise AnnotationError naming it."""
    if not isinstance(mapping, dict):
        raise AnnotationError("", where, f"expected a mapping, got {brief(mapping)}")
    value = mapping.get(name)
    if not isinstance(value, kind):
        raise AnnotationError("", joined(where, name), f"expected {KIND_NAMES.get(kind, kind.__name__)}, got {brief(value)}")
    return value


def read_annotation(path: Path, expressions: dict[str, Expression], inside: DataFolder | None = None) -> AnnotatedWork:
    """Read an annotation file against the expressions it names, checking every quote; AnnotationError names the file and the item."""
    try:
        return annotated_from(load_yaml(path, inside), expressions)
    except AnnotationError as error:
        raise AnnotationError(error.file or printable(path), error.item, error.reason) from None


def annotated_from(document: Any, expressions: dict[str, Expression]) -> AnnotatedWork:
    """Rebuild an annotated work from an annotation file's data, checking types, instruments and quotes."""
    entries = required(document, "expressions", list, "")
    names = [required(e, "file", str, f"expressions[{k}]") for k, e in enumerate(entries)]
    missing = [n for n in names if n not in expressions]
    if missing:
        raise AnnotationError("", "expressions", f"names files not in raw/: {brief(missing)}")
    ordered = tuple(expressions[n] for n in names)
    identities = tuple(from_plain(Identity, required(e, "identity", dict, f"expressions[{k}]"), f"expressions[{k}].identity") for k, e in enumerate(entries))
    work = Work(required(document, "work", str, ""), ordered, identities)
    segments = from_plain(tuple[Segment, ...], document.get("segments", []), "segments")
    fields = {f.name: document.get(f.name, []) for f in dataclasses.fields(Extraction)}
    extraction = build_record(Extraction, fields, "")
    check_instruments(extraction.instruments)
    # Measures the file does not code keep the rules' codes: a file written before instruments existed still gets them.
    extraction = dataclasses.replace(extraction, instruments=instruments.complete(extraction.instruments, instruments.code_instruments(work, segments)))
    annotated = AnnotatedWork(work, segments, extraction, reviewed=bool(document.get("reviewed")))
    check_quotes(annotated)
    return annotated


def check_quotes(annotated: AnnotatedWork) -> None:
    """Raise an AnnotationError naming the item whose quote is not the text at its offsets."""
    for where, span, text in spans_of(annotated):
        try:
            span.check(text)
        except ValueError as error:
            raise AnnotationError("", where, cut(str(error), 200)) from error


def check_instruments(codings: tuple[InstrumentCoding, ...]) -> None:
    """Raise an AnnotationError naming the item whose instrument type is not one of the scheme's fourteen."""
    known = [c.label for c in instruments.scheme().instruments]
    for k, coding in enumerate(codings):
        if coding.instrument not in known:
            raise AnnotationError("", f"instruments[{k}]", f"unknown instrument type {brief(coding.instrument)}; known: {'、'.join(known)}")


def spans_of(annotated: AnnotatedWork) -> list[tuple[str, Span, str]]:
    """List every span of an annotated work with where it stands and the text it quotes."""
    found = []
    work = annotated.work
    for k, (expression, identity) in enumerate(zip(work.expressions, work.identities, strict=False)):
        found += [(f"expressions[{k}].identity{w}", s, expression.text) for w, s in spans_in(identity, "")]
    primary = work.primary.text
    found += [(f"segments[{k}]{w}", s, primary) for k, seg in enumerate(annotated.segments) for w, s in spans_in(seg, "")]
    for field in dataclasses.fields(Extraction):
        for k, item in enumerate(getattr(annotated.extraction, field.name)):
            found += [(f"{field.name}[{k}]{w.removesuffix('.span')}", s, primary) for w, s in spans_in(item, "")]
    return found


def spans_in(record: Any, where: str) -> list[tuple[str, Span]]:
    """List the spans inside a record, with their field paths."""
    if isinstance(record, Span):
        return [(where, record)]
    if dataclasses.is_dataclass(record):
        return [pair for f in dataclasses.fields(record) for pair in spans_in(getattr(record, f.name), f"{where}.{f.name}")]
    if isinstance(record, tuple):
        return [pair for k, v in enumerate(record) for pair in spans_in(v, f"{where}[{k}]")]
    return []


# ---- checking -----------------------------------------------------------------


def disagreements(reviewed: AnnotatedWork, fresh: Extraction) -> list[str]:
    """List the facts the extractor now finds differently from a reviewed file."""
    lines = []
    for field in dataclasses.fields(Extraction):
        kept = {fact_key(item) for item in getattr(reviewed.extraction, field.name)}
        found = {fact_key(item) for item in getattr(fresh, field.name)}
        lines += [f"{field.name}: reviewed, not extracted: {key}" for key in sorted(kept - found, key=str)]
        lines += [f"{field.name}: extracted, not in reviewed file: {key}" for key in sorted(found - kept, key=str)]
    return lines


def fact_key(item: Any) -> tuple:
    """Identify a fact by its span and values, for comparing two annotations; an instrument code by its measure and type."""
    if isinstance(item, InstrumentCoding):
        return (item.measure, item.instrument)
    plain = to_plain(item)
    plain.pop("span")
    return (item.span.start, item.span.end, *sorted((k, str(v)) for k, v in plain.items()))
