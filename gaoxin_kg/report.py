"""Render the typed build events as the build report: text lines, and a progress bar on a terminal for long runs."""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm

from graph_build.build.events import (
    AnnotationRefused,
    BuildEvent,
    EntrySkipped,
    FileRejected,
    FileWarning,
    LineDropped,
    LoadPlanned,
    MeasureUncoded,
    PhaseTimed,
    Progress,
    ReferenceGap,
    SimilarityLinked,
    StoreSwitching,
    WorksMerged,
)
from graph_build.text.read import escaped

PROGRESS_FROM = 50  # files from which a terminal gets a progress bar


def line(event: BuildEvent) -> str | None:
    """Write one event as one report line (None for progress, which only the bar shows), its control characters escaped.

    A file name or a quoted line holding a line break or a terminal escape sequence cannot start a line of its own
    or repaint the terminal: it is printed as ``\\n``, ``\\x1b``.

    >>> line(FileWarning("坏 文件.txt", 12, "bytes that are not UTF-8 replaced by U+FFFD"))
    '  warning 坏 文件.txt:12: bytes that are not UTF-8 replaced by U+FFFD'
    >>> print(line(FileRejected("raw/a.txt\\n  rejected b.txt\\x1b[2K", "empty file")))
      rejected raw/a.txt\\n  rejected b.txt\\x1b[2K: empty file
    """
    text = event_text(event)
    return None if text is None else escaped(text)


def event_text(event: BuildEvent) -> str | None:
    """Write one event as text."""
    match event:
        case FileRejected(file, reason):
            return f"  rejected {file}: {reason}"
        case EntrySkipped(file, reason):
            return f"  skipped {file}: {reason}"
        case AnnotationRefused(file, item, reason):
            return f"  refused annotation {file}: {f'{item}: ' if item else ''}{reason}"
        case LineDropped(file, number, reason, text):
            return f"  dropped {file}:{number} ({reason}): {text}"
        case FileWarning(file, number, message):
            return f"  warning {file}{'' if number is None else f':{number}'}: {message}"
        case WorksMerged(files, slug):
            return f"  merged {', '.join(files)} into one work: {slug}"
        case MeasureUncoded(slug, path):
            return f"  no instrument cue found: {slug} measure {path}"
        case SimilarityLinked(links, threshold):
            return f"  similarity: {links} links between measures of different works (cosine ≥ {threshold})"
        case ReferenceGap(kind, label, advice):
            return f"  {kind} {label}: {advice}"
        case LoadPlanned(description):
            return f"  load: {description}"
        case StoreSwitching(version):
            return f"  switching the store link to {version}"
        case PhaseTimed(phase, seconds):
            return f"  time {phase}: {seconds:.1f} s"
    return None


class BuildReport:
    """Print a build's events (rejections and warnings to standard error), count rejections, draw a bar on a terminal."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out, self.err = out or sys.stdout, err or sys.stderr  # looked up now, so a test's captured streams are used
        self.rejected = 0
        self.bar: tqdm | None = None

    def __call__(self, event: BuildEvent) -> None:
        if isinstance(event, Progress):
            self.progress(event)
            return
        self.rejected += isinstance(event, FileRejected)
        text = line(event)
        if text is not None:
            print(text, file=self.err if isinstance(event, FileRejected | EntrySkipped | AnnotationRefused | FileWarning) else self.out, flush=True)

    def progress(self, event: Progress) -> None:
        """Move the progress bar (only on a terminal, only for long runs)."""
        if event.total < PROGRESS_FROM or not self.err.isatty():
            return
        if self.bar is None:
            self.bar = tqdm(total=event.total, file=self.err, unit="file", leave=False)
        self.bar.update(1)
        if event.done == event.total:
            self.bar.close()
            self.bar = None
