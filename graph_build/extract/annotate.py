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
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from graph_build import __version__
from graph_build.records import AnnotatedWork, Expression, Extraction, Identity, InstrumentCoding, Segment, Span, Work
from graph_build.research import instruments


class AnnotationError(ValueError):
    """An annotation file that does not fit its documents."""


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


def from_plain(kind: Any, value: Any, where: str) -> Any:
    """Rebuild a record of the given type from plain YAML data, naming `where` on error."""
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [k for k in typing.get_args(kind) if k is not type(None)]
        return from_plain(inner[0], value, where)
    if origin is tuple:
        item_kind = typing.get_args(kind)[0]
        return tuple(from_plain(item_kind, v, f"{where}[{i}]") for i, v in enumerate(value))
    if kind is Decimal:
        return Decimal(str(value))
    if dataclasses.is_dataclass(kind):
        return build_record(kind, value, where)
    return value


def build_record(kind: Any, value: dict[str, Any], where: str) -> Any:
    """Rebuild one dataclass record from a dict."""
    if not isinstance(value, dict):
        raise AnnotationError(f"{where}: expected a mapping, got {value!r}")
    hints = typing.get_type_hints(kind)
    known = {f.name for f in dataclasses.fields(kind) if f.init}
    unknown = set(value) - known
    if unknown:
        raise AnnotationError(f"{where}: unknown fields {sorted(unknown)}")
    try:
        return kind(**{name: from_plain(hints[name], v, f"{where}.{name}") for name, v in value.items()})
    except TypeError as error:
        raise AnnotationError(f"{where}: {error}") from error


def read_annotation(path: Path, expressions: dict[str, Expression]) -> AnnotatedWork:
    """Read an annotation file against the expressions it names, checking every quote."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    names = [e["file"] for e in document["expressions"]]
    missing = [n for n in names if n not in expressions]
    if missing:
        raise AnnotationError(f"{path}: names files not in raw/: {missing}")
    ordered = tuple(expressions[n] for n in names)
    identities = tuple(from_plain(Identity, e["identity"], f"{path}: expressions[{k}].identity") for k, e in enumerate(document["expressions"]))
    work = Work(document["work"], ordered, identities)
    segments = from_plain(tuple[Segment, ...], document["segments"], f"{path}: segments")
    fields = {f.name: document.get(f.name, []) for f in dataclasses.fields(Extraction)}
    extraction = build_record(Extraction, fields, str(path))
    check_instruments(extraction.instruments, path)
    # Measures the file does not code keep the rules' codes: a file written before instruments existed still gets them.
    extraction = dataclasses.replace(extraction, instruments=instruments.complete(extraction.instruments, instruments.code_instruments(work, segments)))
    annotated = AnnotatedWork(work, segments, extraction, reviewed=bool(document.get("reviewed")))
    check_quotes(annotated, path)
    return annotated


def check_quotes(annotated: AnnotatedWork, path: Path) -> None:
    """Raise an AnnotationError naming the item whose quote is not the text at its offsets."""
    for where, span, text in spans_of(annotated):
        try:
            span.check(text)
        except ValueError as error:
            raise AnnotationError(f"{path}: {where}: {error}") from error


def check_instruments(codings: tuple[InstrumentCoding, ...], path: Path) -> None:
    """Raise an AnnotationError naming the item whose instrument type is not one of the scheme's fourteen."""
    known = [c.label for c in instruments.scheme().instruments]
    for k, coding in enumerate(codings):
        if coding.instrument not in known:
            raise AnnotationError(f"{path}: instruments[{k}]: unknown instrument type {coding.instrument!r}; known: {'、'.join(known)}")


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
