"""pySHACL over a whole store: the independent reference the compiled shapes (shapes.py) are tested against, and `gaoxin-kg validate`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyshacl
import rdflib
from pyoxigraph import Quad, RdfFormat, Store, serialize

from graph_build.store.versions import LoadError
from graph_build.validate.shapes import shapes_graph


def validate(directory: Path) -> None:
    """Validate a stored graph (all named graphs together) against the SHACL shapes."""
    store = Store.read_only(str(directory))
    report = violations(store.quads_for_pattern(None, None, None, None))
    del store
    if report:
        raise LoadError("the built graph does not conform to ontology/shapes.ttl:\n" + report)


def violations(quads: Iterable[Quad]) -> str | None:
    """Validate quads (graphs merged) with pySHACL; return the start of the report when they do not conform."""
    triples = (Quad(q.subject, q.predicate, q.object) for q in quads)
    data = rdflib.Graph().parse(data=serialize(triples, format=RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    conforms, _, report = pyshacl.validate(data, shacl_graph=shapes_graph(), inference="none", allow_warnings=True)
    return None if conforms else first_lines(report, 40)


def first_lines(text: str, count: int) -> str:
    lines = text.splitlines()
    more = f"\n... ({len(lines) - count} more lines)" if len(lines) > count else ""
    return "\n".join(lines[:count]) + more
