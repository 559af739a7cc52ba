"""Namespaces and the terms of the gaoxin-kg ontology that the builder emits."""

from __future__ import annotations

from pyoxigraph import NamedNode

BASE = "https://w3id.org/gaoxin-kg/"
GX = BASE + "ontology#"
ID = BASE + "id/"

PREFIXES = {
    "gx": GX,
    "eli": "http://data.europa.eu/eli/ontology#",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "oa": "http://www.w3.org/ns/oa#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "schema": "https://schema.org/",
}


class Namespace:
    """Mint NamedNodes in one namespace by attribute or item access."""

    def __init__(self, base: str) -> None:
        self.base = base

    def __getattr__(self, name: str) -> NamedNode:
        return NamedNode(self.base + name)

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self.base + name)


gx = Namespace(GX)
eli = Namespace(PREFIXES["eli"])
org = Namespace(PREFIXES["org"])
skos = Namespace(PREFIXES["skos"])
oa = Namespace(PREFIXES["oa"])
prov = Namespace(PREFIXES["prov"])
dcterms = Namespace(PREFIXES["dcterms"])
rdf = Namespace(PREFIXES["rdf"])
rdfs = Namespace(PREFIXES["rdfs"])
xsd = Namespace(PREFIXES["xsd"])
schema = Namespace(PREFIXES["schema"])

RDF_TYPE = rdf.type


def sparql_prefixes() -> str:
    """Return PREFIX lines for every namespace, for queries and Turtle output."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
