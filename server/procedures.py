"""The store reads that are not one SPARQL query (a resource page, a dump), run where queries run: in a query process.

A page that needs many small look-ups (`server.describe` walks labels, evidence
spans and selectors with ``quads_for_pattern``; `server.ontology_doc` walks the
ontology's axioms) sends one `server.query_process.Task`
naming a procedure here; the query process calls it on its read-only store under
the same time limit and row cap as a query, and sends the value back pickled. With
a remote endpoint (``ENDPOINT``) the procedure runs in the server on the
`server.remote.RemoteStore`, whose every request has the time limit.

Only the procedures listed in `PROCEDURES` can be named: a task carries a name,
never code.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from pyoxigraph import Quad, RdfFormat

from graph_build.vocab import PREFIXES

from . import describe, ontology_doc, reader, summary


class ReadableStore(Protocol):
    """The read methods of pyoxigraph's Store that procedures use, which a remote endpoint offers too."""

    def query(self, query: str, **options: Any) -> Any: ...

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any, graph_name: Any = None) -> Iterator[Quad]: ...

    def contains_named_graph(self, graph_name: Any) -> bool: ...

    def __len__(self) -> int: ...


def write_dump(store: Any, path: str, syntax: str, row_cap: int) -> int:
    """Write the whole store gzipped (reproducibly: no name or time in the header) to `path` in N-Quads or TriG; return its size."""
    form = RdfFormat.from_extension(syntax)
    prefixes = None if form == RdfFormat.N_QUADS else {p: iri for p, iri in PREFIXES.items() if p != "sh"}
    with open(path, "wb") as handle:
        with gzip.GzipFile(fileobj=handle, mode="wb", filename="", mtime=0) as compressed:
            store.dump(compressed, format=form, prefixes=prefixes)
        handle.flush()
        os.fsync(handle.fileno())
    return os.path.getsize(path)


def document_ontology(store: Any, row_cap: int) -> ontology_doc.OntologyDoc:
    """Read the packaged ontology into its documentation records (a store of its own, parsed from ontology/gaoxin.ttl)."""
    return ontology_doc.document()


PROCEDURES: dict[str, Callable[..., Any]] = {
    "ontology": document_ontology,
    "resolve": describe.resolve,
    "describe": describe.describe,
    "read": reader.read,
    "summarise": summary.summarise,
    "dump": write_dump,
}


def call(store: ReadableStore, name: str, arguments: tuple[Any, ...], row_cap: int) -> Any:
    """Run a listed procedure on a store with its arguments and the row cap (a remote store first fetches what it reads)."""
    prepared = getattr(store, "prepared", None)  # server.remote.RemoteStore: one request instead of one per look-up
    return PROCEDURES[name](prepared(name, arguments, row_cap) if prepared else store, *arguments, row_cap=row_cap)
