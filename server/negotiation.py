"""Choose the format of an answer, in one place for every blueprint, the Datasette way.

In this order: a file suffix on the URL (``/queries/documents.csv``, ``/page/X.ttl``),
then the ``?_format=`` parameter (``?format=`` is read as the same parameter: it is what
SPARQL clients such as SPARQLWrapper send), then the ``Accept`` header (q-values
honoured), else the first format offered. A format that is not offered is 406 with a
message naming the parameter and the formats offered (`server.errors`).

`choose` picks among named formats (`FORMATS`: pages, resources, the ontology, VoID);
`media_type` picks among the SPARQL protocol's media types, whose format names depend
on the query form (/sparql).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import g, request
from pyoxigraph import RdfFormat
from werkzeug.datastructures import MultiDict

from .errors import Problem

FORMAT_PARAMETERS = ("_format", "format")  # the reserved parameter, then the SPARQL protocol's spelling of it


@dataclass(frozen=True)
class Format:
    """One way to write an answer: its suffix (also its ?_format= name), media type and RDF syntax if it is RDF."""

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
        Format("csv", "CSV", "text/csv"),
        Format("json", "JSON", "application/json"),
        Format("ttl", "Turtle", "text/turtle", RdfFormat.TURTLE, ("application/x-turtle",)),
        Format("nt", "N-Triples", "application/n-triples", RdfFormat.N_TRIPLES),
        Format("jsonld", "JSON-LD", "application/ld+json", RdfFormat.JSON_LD, ("application/json",)),
        Format("rdf", "RDF/XML", "application/rdf+xml", RdfFormat.RDF_XML),
        Format("nq", "N-Quads", "application/n-quads", RdfFormat.N_QUADS),
        Format("trig", "TriG", "application/trig", RdfFormat.TRIG),
    )
}


def split_suffix(path: str, offered: Sequence[str]) -> tuple[str, str | None]:
    """Split a format suffix that is offered off a path.

    >>> split_suffix("doc/yunzhengfa-2020-36.ttl", ("html", "ttl")), split_suffix("documents.csv", ("csv", "json"))
    (('doc/yunzhengfa-2020-36', 'ttl'), ('documents', 'csv'))
    >>> split_suffix("doc/yunzhengfa-2020-36", ("html", "ttl")), split_suffix("a.b/c", ("html", "ttl")), split_suffix("x.html", ("csv",))
    (('doc/yunzhengfa-2020-36', None), ('a.b/c', None), ('x.html', None))
    """
    stem, dot, suffix = path.rpartition(".")
    if dot and "/" not in suffix and suffix in offered:
        return stem, suffix
    return path, None


def requested(args: MultiDict[str, str] | Mapping[str, str]) -> tuple[str, str] | None:
    """Return the format parameter a query string gives, as (parameter name, value), `_format` first."""
    for parameter in FORMAT_PARAMETERS:
        value = args.get(parameter)
        if value:
            return parameter, value
    return None


def choose(offered: Sequence[str], suffix: str | None = None, *, accept: bool = True) -> Format:
    """Pick the format of this request's answer: suffix, then ?_format=, then Accept (unless the URL names one format), else the first offered."""
    chosen = FORMATS[suffix] if suffix else by_parameter(offered) or (by_accept(offered) if accept else None) or FORMATS[offered[0]]
    g.answer_format = chosen.name  # an error after this point is written in the chosen format (server.errors)
    return chosen


def by_parameter(offered: Sequence[str]) -> Format | None:
    """Return the format ?_format= names, None without one, or refuse one not offered (406 naming the parameter)."""
    asked = requested(request.args)
    if asked is None:
        return None
    parameter, value = asked
    if value not in offered:
        raise Problem(406, f"parameter {parameter!r}: {value[:80]!r} is not one of {', '.join(offered)}")
    return FORMATS[value]


def by_accept(offered: Sequence[str]) -> Format | None:
    """Return the offered format the Accept header prefers, None without a header, or refuse when it names none offered (406)."""
    if not request.accept_mimetypes:
        return None
    by_type = {media_type: FORMATS[name] for name in offered for media_type in FORMATS[name].media_types}
    best = request.accept_mimetypes.best_match(list(by_type))
    if best is None:
        types = ", ".join(FORMATS[name].media_type for name in offered)
        raise Problem(406, f"none of the types in Accept ({request.headers['Accept'][:200]}) is offered; offered: {types}")
    return by_type[best]


def plain_media_type(types: Mapping[str, str], names: Mapping[str, str], format_name: str | None, accept: str) -> str | None:
    """Choose a SPARQL protocol media type without weighing q-values: the format parameter, else an empty, */* or one-type Accept; else None.

    >>> types, names = {"text/turtle": "text/turtle", "text/plain": "application/n-triples"}, {"ttl": "text/turtle"}
    >>> [plain_media_type(types, names, f, a) for f, a in ((None, ""), (None, "text/plain"), ("TTL", "text/html"), (None, "text/*"), ("x", ""))]
    ['text/turtle', 'application/n-triples', 'text/turtle', None, None]
    """
    if format_name is not None:
        return names.get(format_name.lower()) or types.get(format_name.lower())
    if not accept or accept == "*/*":
        return next(iter(types.values()))
    return types.get(accept)  # one plain media type, as most clients send: no need to parse q-values


def media_type(types: Mapping[str, str], names: Mapping[str, str], format_name: str | None, form: str, parameter: str = "format") -> str:
    """Choose a SPARQL protocol media type from a format parameter (a name or a media type), else Accept, else the first; 406 otherwise."""
    accept = request.headers.get("Accept", "").strip()
    chosen = plain_media_type(types, names, format_name, accept)
    if chosen is not None:
        return chosen
    if format_name is not None:
        raise Problem(406, f"parameter {parameter!r}: {format_name[:80]!r} is not offered for a {form.upper()} query; use one of {', '.join(names)}")
    best = request.accept_mimetypes.best_match(list(types))
    if best is None:
        raise Problem(406, f"none of the types in Accept ({request.headers['Accept'][:200]}) fits; offered: {', '.join(sorted(set(types.values())))}")
    return types[best]
