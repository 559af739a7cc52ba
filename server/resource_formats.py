"""The formats a resource, the ontology or the dataset description are written in, and writing RDF in one of them.

Choosing the format of a request is `server.negotiation`'s job; this module names
which of its formats each kind of page offers and writes the quads.
"""

from __future__ import annotations

import json
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
    written = serialize(statements, format=form.rdf, prefixes=None if line_based else prefixes)
    return with_context(written, prefixes) if form.rdf == RdfFormat.JSON_LD else written


def with_context(expanded: bytes, prefixes: dict[str, str]) -> bytes:
    """Give expanded JSON-LD (what pyoxigraph writes) a @context of the prefixes and write its property names as compact IRIs.

    >>> with_context(b'[{"@id": "https://w3id.org/gaoxin-kg/id/x", "http://www.w3.org/2000/01/rdf-schema#label": [{"@value": "x"}]}]',
    ...              {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"}).decode()
    '{"@context": {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"}, "@graph": [{"@id": "https://w3id.org/gaoxin-kg/id/x", "rdfs:label": [{"@value": "x"}]}]}'
    """
    nodes = json.loads(expanded)
    graph = [{compact_key(key, prefixes): value for key, value in node.items()} for node in (nodes if isinstance(nodes, list) else [nodes])]
    return json.dumps({"@context": prefixes, "@graph": graph}, ensure_ascii=False).encode()


def compact_key(key: str, prefixes: dict[str, str]) -> str:
    """Write a property IRI as prefix:local when a prefix covers it and the local part is a plain name."""
    for prefix, namespace in prefixes.items():
        local = key[len(namespace) :]
        if key.startswith(namespace) and local and local.replace("_", "").replace("-", "").isalnum():
            return f"{prefix}:{local}"
    return key
