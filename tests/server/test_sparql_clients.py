"""Common SPARQL clients against the live endpoint: SPARQLWrapper 2.0 and rdflib's SPARQLStore (SELECT, CONSTRUCT, updates refused)."""

from __future__ import annotations

from urllib.error import HTTPError

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import GET, JSON, POST, TURTLE, SPARQLWrapper

ELI = "PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"
SELECT = ELI + "SELECT ?document ?number WHERE { ?document eli:id_local ?number } ORDER BY ?number"
CONSTRUCT = ELI + "CONSTRUCT WHERE { ?document eli:id_local ?number }"
INSERT = "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }"
YUNNAN = URIRef("https://w3id.org/gaoxin-kg/id/doc/yunzhengfa-2020-36")
NUMBER = URIRef("http://data.europa.eu/eli/ontology#id_local")


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select(live_server: str, method: str) -> None:
    client = SPARQLWrapper(live_server + "/sparql")
    client.setMethod(method)
    client.setQuery(SELECT)
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert "云政发〔2020〕36号" in [row["number"]["value"] for row in rows]


def test_sparqlwrapper_construct(live_server: str) -> None:
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")  # type: ignore[arg-type]
    assert (YUNNAN, NUMBER, Literal("云政发〔2020〕36号")) in graph


def test_sparqlwrapper_update_is_403(live_server: str) -> None:
    client = SPARQLWrapper(live_server + "/sparql")
    client.setMethod(POST)
    client.setQuery(INSERT)
    with pytest.raises(HTTPError) as caught:
        client.query()
    assert caught.value.code == 403


def test_rdflib_sparqlstore_select_and_construct(live_server: str) -> None:
    graph = Graph(store=SPARQLStore(live_server + "/sparql"))
    numbers = {str(row.number) for row in graph.query(SELECT)}  # type: ignore[union-attr]
    assert "云政发〔2020〕36号" in numbers
    constructed = graph.query(CONSTRUCT).graph
    assert constructed is not None and (YUNNAN, NUMBER, Literal("云政发〔2020〕36号")) in constructed


def test_rdflib_sparqlstore_post(live_server: str) -> None:
    graph = Graph(store=SPARQLStore(live_server + "/sparql", method="POST"))
    assert len(list(graph.query(SELECT))) == 4


def test_rdflib_update_is_403(live_server: str) -> None:
    store = SPARQLUpdateStore(live_server + "/sparql", live_server + "/sparql")
    with pytest.raises(HTTPError) as caught:
        store.update(INSERT)
    assert caught.value.code == 403
