"""The formats a resource, the ontology or the dataset description are written in, and writing RDF in one of them.

Choosing the format of a request is `server.negotiation`'s job; this module names
which of its formats each kind of page offers and writes the quads.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Quad, RdfFormat, serialize

from graph_build.vocab import PREFIXES

from .negotiation import Format

RESOURCE_FORMATS = ("html", "ttl", "nt", "jsonld", "rdf", "nq", "trig")
ONTOLOGY_FORMATS = ("html", "ttl", "rdf", "nt", "jsonld")
VOID_FORMATS = ("ttl", "nt", "jsonld")
QUAD_FORMATS = frozenset({"nq", "trig"})
SERIALIZE_PREFIXES = {p: iri for p, iri in PREFIXES.items() if p != "sh"}


def write_rdf(quads: Iterable[Quad], form: Format, prefixes: dict[str, str] = SERIALIZE_PREFIXES) -> bytes:
    """Serialize quads: as a dataset for N-Quads and TriG, else as triples (each said once)."""
    quads = list(quads)
    statements = list(dict.fromkeys(quads)) if form.name in QUAD_FORMATS else list(dict.fromkeys(q.triple for q in quads))
    line_based = form.rdf in (RdfFormat.N_TRIPLES, RdfFormat.N_QUADS)
    return serialize(statements, format=form.rdf, prefixes=None if line_based else prefixes)
