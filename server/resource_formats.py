"""The formats a resource, the ontology or the dataset description come in, and choosing one for a request.

The choice is made in one place, in this order: a file suffix (``.ttl``), then
``?_format=`` (or ``?format=``), then the ``Accept`` header, else the first format offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyoxigraph import Quad, RdfFormat, serialize
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import NotAcceptable

from graph_build.vocab import PREFIXES


@dataclass(frozen=True)
class Format:
    """One way to write a resource: its suffix (also its ?format= name), media type and RDF syntax."""

    name: str
    title: str
    media_type: str
    rdf: RdfFormat | None = None
    aliases: tuple[str, ...] = ()  # other media types that ask for it

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


FORMATS = {
    f.name: f
    for f in (
        Format("html", "HTML", "text/html", None, ("application/xhtml+xml",)),
        Format("ttl", "Turtle", "text/turtle", RdfFormat.TURTLE, ("application/x-turtle",)),
        Format("nt", "N-Triples", "application/n-triples", RdfFormat.N_TRIPLES),
        Format("jsonld", "JSON-LD", "application/ld+json", RdfFormat.JSON_LD, ("application/json",)),
        Format("rdf", "RDF/XML", "application/rdf+xml", RdfFormat.RDF_XML),
        Format("nq", "N-Quads", "application/n-quads", RdfFormat.N_QUADS),
        Format("trig", "TriG", "application/trig", RdfFormat.TRIG),
    )
}
RESOURCE_FORMATS = ("html", "ttl", "nt", "jsonld", "rdf", "nq", "trig")
QUAD_FORMATS = frozenset({"nq", "trig"})
SERIALIZE_PREFIXES = {p: iri for p, iri in PREFIXES.items() if p != "sh"}


def split_suffix(path: str, offered: Sequence[str]) -> tuple[str, str | None]:
    """Split a known format suffix off a path.

    >>> split_suffix("doc/yunzhengfa-2020-36.ttl", RESOURCE_FORMATS)
    ('doc/yunzhengfa-2020-36', 'ttl')
    >>> split_suffix("doc/yunzhengfa-2020-36", RESOURCE_FORMATS)
    ('doc/yunzhengfa-2020-36', None)
    >>> split_suffix("a.b/c", RESOURCE_FORMATS)
    ('a.b/c', None)
    """
    stem, dot, suffix = path.rpartition(".")
    if dot and "/" not in suffix and suffix in offered:
        return stem, suffix
    return path, None


def requested_name(args: dict) -> str | None:
    """Return the format a query string asks for (``_format``, or ``format`` as the brief spelling)."""
    return args.get("_format") or args.get("format") or None


def choose(offered: Sequence[str], suffix: str | None, requested: str | None, accept: MIMEAccept) -> Format:
    """Pick the format for a request: suffix, then ?format=, then Accept, else the first offered."""
    name = suffix or requested
    if name:
        if name not in offered:
            raise NotAcceptable(f"format={name!r} is not offered here; offered: {', '.join(offered)}")
        return FORMATS[name]
    if not accept:
        return FORMATS[offered[0]]
    by_media_type = {media_type: FORMATS[n] for n in offered for media_type in FORMATS[n].media_types}
    best = accept.best_match(list(by_media_type))
    if best is None:
        raise NotAcceptable(f"offered: {', '.join(FORMATS[n].media_type for n in offered)}")
    return by_media_type[best]


def write_rdf(quads: Iterable[Quad], form: Format, prefixes: dict[str, str] = SERIALIZE_PREFIXES) -> bytes:
    """Serialize quads: as a dataset for N-Quads and TriG, else as triples (each said once)."""
    quads = list(quads)
    statements = list(dict.fromkeys(quads)) if form.name in QUAD_FORMATS else list(dict.fromkeys(q.triple for q in quads))
    line_based = form.rdf in (RdfFormat.N_TRIPLES, RdfFormat.N_QUADS)
    return serialize(statements, format=form.rdf, prefixes=None if line_based else prefixes)
