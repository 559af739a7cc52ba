"""Every class and predicate the builder emits is declared in the ontology, with both labels."""

from __future__ import annotations

from importlib import resources

import rdflib

from graph_build.store.access import run_query

OWN_OR_REUSED = ("https://w3id.org/gaoxin-kg/ontology#", "http://data.europa.eu/eli/ontology#", "http://www.w3.org/ns/org#",
                 "http://www.w3.org/ns/oa#", "http://www.w3.org/ns/prov#")


def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(data=resources.files("ontology").joinpath("gaoxin.ttl").read_text(encoding="utf-8"), format="turtle")


def used_terms(store) -> set[str]:  # type: ignore[no-untyped-def]
    query = """SELECT DISTINCT ?term WHERE {
        GRAPH ?g { { ?s ?term ?o } UNION { ?s a ?term } }
        FILTER(?g != <https://w3id.org/gaoxin-kg/id/graph/ontology>) }"""
    return {s["term"].value for s in run_query(store, query) if s["term"].value.startswith(OWN_OR_REUSED)}


def test_every_term_in_use_is_declared_with_labels(store) -> None:  # type: ignore[no-untyped-def]
    graph = ontology()
    missing = []
    for term in sorted(used_terms(store)):
        labels = {label.language for label in graph.objects(rdflib.URIRef(term), rdflib.RDFS.label)}
        if not {"zh-Hans", "en"} <= labels:
            missing.append(term)
    assert missing == []
