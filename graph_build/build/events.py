"""Typed build events: what a build tells its caller, as records the CLI renders (never strings parsed back).

The driver hands every event to one callback, ``Events``. The CLI prints them
(gaoxin_kg/report.py); tests collect them in a list and look at their fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FileRejected:
    """A raw file that is no document (empty, binary, undecodable…): the build skips it."""

    file: str  # the file's path, printable
    reason: str


@dataclass(frozen=True)
class EntrySkipped:
    """An entry of raw/ or annotations/ that is not read: a directory, pipe, device or socket, or a symbolic link leaving the data folder."""

    file: str  # the entry's path, printable
    reason: str


@dataclass(frozen=True)
class AnnotationRefused:
    """An annotation file that cannot be used: not YAML the builder accepts, or an item that does not fit its documents."""

    file: str  # the file's path, printable, with the line when the YAML parser names one ("a.yaml:12")
    item: str  # where in the file, e.g. "segments[3].span.start" ("" for the whole file)
    reason: str


@dataclass(frozen=True)
class LineDropped:
    """A line of a scraped page the clean stage dropped (site chrome, spam, a duplicate…)."""

    file: str
    line: int
    reason: str
    text: str  # the line's start, for the report


@dataclass(frozen=True)
class FileWarning:
    """Something repaired or doubtful in one file: damaged bytes, an artefact, a gap in what it states."""

    file: str
    line: int | None
    message: str


@dataclass(frozen=True)
class WorksMerged:
    """Several raw files that are one document (the same work scraped twice)."""

    files: tuple[str, ...]
    slug: str


@dataclass(frozen=True)
class MeasureUncoded:
    """A measure in which no policy-instrument cue word was found."""

    slug: str
    path: str


@dataclass(frozen=True)
class SimilarityLinked:
    """How many similarity links the research stage made between measures of different works."""

    links: int
    threshold: float


@dataclass(frozen=True)
class ReferenceGap:
    """A name the documents give that the reference tables in data/reference do not know."""

    kind: str  # "industry", "recipient type", "zone"
    label: str
    advice: str


@dataclass(frozen=True)
class LoadPlanned:
    """How the new store version is written: a full load, or a patch of the current version."""

    description: str


@dataclass(frozen=True)
class StoreSwitching:
    """The new version is complete and the store link is about to point at it: from here on the build finishes, even on SIGTERM."""

    version: str  # the version directory's path


@dataclass(frozen=True)
class PhaseTimed:
    """The wall time one phase of the build took."""

    phase: str
    seconds: float


@dataclass(frozen=True)
class Progress:
    """One more file of the per-file stages is done."""

    done: int
    total: int
    file: str


BuildEvent = (
    FileRejected | EntrySkipped | AnnotationRefused | LineDropped | FileWarning | WorksMerged | MeasureUncoded | SimilarityLinked | ReferenceGap
) | LoadPlanned | StoreSwitching | PhaseTimed | Progress
Events = Callable[[BuildEvent], None]


def ignore(event: BuildEvent) -> None:
    """Drop an event (the default for callers that want only the result)."""
