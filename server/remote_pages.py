"""Fetch what a resource page reads from a remote endpoint in one request, then let `server.describe` read it locally.

`server.describe` walks a resource with many small look-ups (its statements, the labels
and codes of every term it shows, its evidence spans, their selectors and source text).
Against a remote endpoint each look-up would be a round trip (hundreds per page). Instead
`prepared` answers each procedure from a `Neighbourhood`: an in-memory pyoxigraph store
holding the quads the procedure can read, fetched with ONE SELECT (a UNION of the
patterns below, the resource's IRI written by pyoxigraph's N-Triples writer), plus the
two counts a page shows. So a resource page costs two requests: `resolve` (a witness
quad per reading of the path) and `describe`.

Inbound links are the first `Limits.inbound` in IRI order (ORDER BY, so the labels
fetched are those of the links shown); the embedded store shows the first in its index order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pyoxigraph import Literal, NamedNode, Quad, Store

from graph_build.iris import ONTOLOGY_GRAPH
from graph_build.vocab import GX, PREFIXES

from . import describe


class Results(Protocol):
    """Where SELECTs are answered: `server.remote.Endpoint`."""

    def results(self, sparql: str) -> Any: ...

LABELS = " ".join(f"<{p}>" for p in (*describe.LABEL_PREDICATES, describe.NOTATION))
EVIDENCE = f"<{GX}evidence>?"  # the resource's spans, or the resource itself when it is a span
SOURCE = f"<{describe.OA}hasSource>"
FILE = f"<{PREFIXES['eli']}is_embodied_by>"
FILE_FACTS = f"<{GX}sourceText> <{GX}fileName>"


def witness(node: str) -> str:
    """Return a pattern giving one quad that mentions `node` as subject, object or graph name, if any."""
    return (f"{{ SELECT ?s ?p ?o ?g WHERE {{ {{ GRAPH ?g {{ {node} ?p ?o }} BIND({node} AS ?s) }} "
            f"UNION {{ GRAPH ?g {{ ?s ?p {node} }} BIND({node} AS ?o) }} UNION {{ GRAPH {node} {{ ?s ?p ?o }} BIND({node} AS ?g) }} }} LIMIT 1 }}")


def resolve_query(nodes: Sequence[str]) -> str:
    """Build the SELECT that fetches a witness quad for each candidate IRI."""
    return "SELECT ?s ?p ?o ?g ?inbound ?size WHERE { " + " UNION ".join(witness(n) for n in nodes) + " }"


def outbound(node: str, row_cap: int, v: str = "") -> str:
    """Return the subquery of the resource's own statements (?p ?o ?g, each name suffixed with `v`)."""
    return f"{{ SELECT ?p{v} ?o{v} ?g{v} WHERE {{ GRAPH ?g{v} {{ {node} ?p{v} ?o{v} }} }} LIMIT {row_cap} }}"


def inbound(node: str, cap: int, v: str = "") -> str:
    """Return the subquery of the first `cap` statements pointing at the resource, in IRI order (?s ?p ?g, suffixed with `v`)."""
    return f"{{ SELECT ?s{v} ?p{v} ?g{v} WHERE {{ GRAPH ?g{v} {{ ?s{v} ?p{v} {node} }} }} ORDER BY ?s{v} ?p{v} ?g{v} LIMIT {cap} }}"


def shown(node: str, cap: int, row_cap: int) -> str:
    """Return a pattern binding ?t to every term the page names: the resource, its predicates, objects, graphs, links, spans, sources, files."""
    return (
        f"{{ BIND({node} AS ?t) }} "
        f"UNION {{ {outbound(node, row_cap, '0')} VALUES ?k {{ 1 2 3 }} BIND(IF(?k = 1, ?p0, IF(?k = 2, ?o0, ?g0)) AS ?t) }} "
        f"UNION {{ {inbound(node, cap, '0')} VALUES ?k {{ 1 2 3 }} BIND(IF(?k = 1, ?s0, IF(?k = 2, ?p0, ?g0)) AS ?t) }} "
        f"UNION {{ {node} {EVIDENCE} ?t }} UNION {{ {node} {EVIDENCE}/{SOURCE} ?t }} UNION {{ {node} {EVIDENCE}/{SOURCE}/{FILE} ?t }}"
    )


def describe_query(node: str, cap: int, row_cap: int) -> str:
    """Build the one SELECT that fetches every quad `describe` reads about `node`, and its two counts."""
    terms = f"{{ {shown(node, cap, row_cap)} }} FILTER(isIRI(?t)) BIND(?t AS ?s)"
    branches = [
        f"{{ {outbound(node, row_cap)} BIND({node} AS ?s) }}",
        f"{{ {inbound(node, cap)} BIND({node} AS ?o) }}",
        f"{{ {node} <{GX}evidence> ?s . GRAPH ?g {{ ?s ?p ?o }} }}",  # the spans' own statements
        f"{{ {node} {EVIDENCE}/<{describe.OA}hasSelector> ?s . GRAPH ?g {{ ?s ?p ?o }} }}",  # their selectors
        f"{{ {node} {EVIDENCE}/{SOURCE} ?s . VALUES ?p {{ {FILE} }} GRAPH ?g {{ ?s ?p ?o }} }}",  # expression -> file
        f"{{ {node} {EVIDENCE}/{SOURCE}/{FILE} ?s . VALUES ?p {{ {FILE_FACTS} }} GRAPH ?g {{ ?s ?p ?o }} }}",  # the file's text and name
        f"{{ {terms} VALUES ?p {{ {LABELS} }} GRAPH ?g {{ ?s ?p ?o }} }}",  # labels and codes
        f"{{ {terms} BIND(<{describe.RDF_TYPE}> AS ?p) BIND(<{ONTOLOGY_GRAPH}> AS ?g) GRAPH ?g {{ ?s ?p ?o }} }}",  # declared terms
        f"{{ SELECT (COUNT(*) AS ?inbound) WHERE {{ GRAPH ?g1 {{ ?s1 ?p1 {node} }} }} }}",
        f"{{ SELECT (COUNT(*) AS ?size) WHERE {{ GRAPH {node} {{ ?s2 ?p2 ?o2 }} }} }}",
    ]
    return "SELECT DISTINCT ?s ?p ?o ?g ?inbound ?size WHERE { " + " UNION ".join(branches) + " }"


def named(iri: str) -> NamedNode | None:
    try:
        return NamedNode(iri)
    except ValueError:
        return None


@dataclass(frozen=True)
class Neighbourhood:
    """The quads around one resource, held locally, with the counts only the endpoint knows (a `ReadableStore`)."""

    store: Store
    counts: dict[str, int]
    node: NamedNode | None = None

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any, graph_name: Any = None) -> Iterator[Quad]:
        return self.store.quads_for_pattern(subject, predicate, object, graph_name)

    def contains_named_graph(self, graph_name: Any) -> bool:
        if graph_name == self.node and "size" in self.counts:
            return self.counts["size"] > 0
        return self.store.contains_named_graph(graph_name)

    def query(self, query: str, **options: Any) -> Any:
        """Answer the page's two counts from the endpoint's figures; run anything else on the local quads."""
        named = {describe.COUNT_INBOUND: "inbound", describe.COUNT_GRAPH: "size"}.get(query)
        if named is not None and named in self.counts:
            return [{"n": Literal(str(self.counts[named]), datatype=NamedNode(PREFIXES["xsd"] + "integer"))}]
        return self.store.query(query, **options)

    def __len__(self) -> int:
        return len(self.store)


def fetch(endpoint: Results, sparql: str, node: NamedNode | None = None) -> Neighbourhood:
    """Run one of the SELECTs above and hold its quads and counts locally."""
    store, counts = Store(), {}
    for row in endpoint.results(sparql):
        if row["s"] is not None and row["p"] is not None and row["o"] is not None and row["g"] is not None:
            store.add(Quad(row["s"], row["p"], row["o"], row["g"]))
        for name in ("inbound", "size"):
            if row[name] is not None:
                counts[name] = int(row[name].value)
    return Neighbourhood(store, counts, node)


def prepared(endpoint: Results, procedure: str, arguments: tuple[Any, ...], row_cap: int) -> Neighbourhood | None:
    """Return the quads a resource page's procedure reads, fetched in one request; None for other procedures."""
    if procedure == "resolve":
        id_base, readings = arguments
        nodes = [named(id_base + path) for path, _ in readings]
        valid = [str(n) for n in nodes if n is not None]
        return fetch(endpoint, resolve_query(valid)) if valid else Neighbourhood(Store(), {})
    if procedure == "describe":
        iri, _, limits = arguments
        node = NamedNode(iri)
        return fetch(endpoint, describe_query(str(node), limits.inbound, row_cap), node)
    return None
