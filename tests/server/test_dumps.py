"""/dumps/ and /.well-known/void: whole-graph dumps made once per store version, and the dataset description."""

from __future__ import annotations

import gzip
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import NamedNode, Store

from server.dump_files import DUMPS, all_dumps, dumps_root, version_directory

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
GX = rdflib.Namespace("https://w3id.org/gaoxin-kg/ontology#")


def served_store(app: Flask) -> Store:
    """Open the version the app serves, read-only, as its query processes do (the app itself never opens it)."""
    return Store.read_only(app.extensions["gaoxin_graph"].current().location)


def store_size(app: Flask) -> int:
    return len(served_store(app))


def dataset_quads(data: bytes, parser: str) -> int:
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format=parser)
    return sum(1 for _ in dataset.quads((None, None, None, None)))


@pytest.mark.parametrize(("name", "parser"), [("gaoxin-kg.nq.gz", "nquads"), ("gaoxin-kg.trig.gz", "trig")])
def test_dump_decompresses_parses_and_holds_every_quad(app: Flask, client: FlaskClient, name: str, parser: str) -> None:
    response = client.get(f"/dumps/{name}")
    assert response.status_code == 200 and response.mimetype == "application/gzip"
    assert dataset_quads(gzip.decompress(response.data), parser) == store_size(app)


def test_dumps_page_lists_size_and_sha256(client: FlaskClient) -> None:
    page = client.get("/dumps/").text
    for name in DUMPS:
        body = client.get(f"/dumps/{name}").data
        assert hashlib.sha256(body).hexdigest() in page
        assert f"{len(body):,} bytes" in page
        assert client.get(f"/dumps/{name}.sha256").text == f"{hashlib.sha256(body).hexdigest()}  {name}\n"


def test_dumps_are_cached_per_version_beside_the_store(app: Flask, client: FlaskClient, built_store: Path) -> None:
    client.get("/dumps/")
    snapshot = app.extensions["gaoxin_graph"].current()
    directory = built_store.parent / f"{built_store.name}.dumps" / snapshot.version_id
    assert {p.name for p in directory.iterdir()} >= set(DUMPS)
    assert not [p for p in directory.iterdir() if p.name.endswith(".tmp")]
    before = (directory / "gaoxin-kg.nq.gz").stat().st_mtime_ns
    client.get("/dumps/gaoxin-kg.nq.gz")
    assert (directory / "gaoxin-kg.nq.gz").stat().st_mtime_ns == before


def test_concurrent_first_requests_write_one_file(app: Flask, tmp_path: Path) -> None:
    snapshot = app.extensions["gaoxin_graph"].current()
    directory = version_directory(dumps_root(app.config["STORE"], tmp_path / "dumps"), snapshot)

    def first_request(_: int) -> list[str]:
        with app.app_context():  # the dumps are written by the app's query processes
            return [d.sha256 for d in all_dumps(directory)]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(first_request, range(4)))
    assert all(r == results[0] for r in results)
    assert sorted(p.name for p in directory.iterdir() if not p.name.startswith(".")) == sorted([*DUMPS, *(f"{n}.sha256" for n in DUMPS)])


def test_unknown_dump_name_is_404(client: FlaskClient) -> None:
    assert client.get("/dumps/gaoxin-kg.ttl.gz").status_code == 404


def void_graph(client: FlaskClient, accept: str = "text/turtle", parser: str = "turtle") -> rdflib.Graph:
    response = client.get("/.well-known/void", headers={"Accept": accept})
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.data, format=parser)


def the_dataset(graph: rdflib.Graph) -> rdflib.term.Node:
    (dataset,) = set(graph.subjects(rdflib.RDF.type, VOID.Dataset))
    assert (dataset, rdflib.RDF.type, DCAT.Dataset) in graph
    return dataset


def test_void_counts_equal_the_store(app: Flask, client: FlaskClient) -> None:
    graph = void_graph(client)
    dataset = the_dataset(graph)
    assert graph.value(dataset, VOID.triples).toPython() == store_size(app)
    assert graph.value(dataset, VOID.distinctSubjects).toPython() > 1000
    assert str(graph.value(dataset, VOID.uriSpace)) == "https://w3id.org/gaoxin-kg/id/"
    assert str(graph.value(dataset, VOID.sparqlEndpoint)) == "http://localhost/sparql"


def test_void_class_partition_counts_entities(app: Flask, client: FlaskClient) -> None:
    graph = void_graph(client)
    partitions = {graph.value(p, VOID["class"]): graph.value(p, VOID.entities).toPython() for p in graph.objects(the_dataset(graph), VOID.classPartition)}
    store = served_store(app)
    incentives = {q.subject for q in store.quads_for_pattern(None, NamedNode(str(rdflib.RDF.type)), NamedNode(str(GX.Incentive)), None)}
    assert partitions[GX.Incentive] == len(incentives) > 0


def test_void_lists_vocabularies_examples_and_distributions(client: FlaskClient) -> None:
    graph = void_graph(client)
    dataset = the_dataset(graph)
    assert {str(v) for v in graph.objects(dataset, VOID.vocabulary)} >= {"http://data.europa.eu/eli/ontology#", str(GX), "http://www.w3.org/ns/oa#"}
    examples = {str(e) for e in graph.objects(dataset, VOID.exampleResource)}
    assert any("/incentive/" in e for e in examples) and any(re.fullmatch(r".*/id/doc/[^/]+", e) for e in examples)
    assert str(graph.value(dataset, rdflib.DCTERMS.license)) == "https://creativecommons.org/licenses/by/4.0/"
    distributions = list(graph.objects(dataset, DCAT.distribution))
    sizes = {str(graph.value(d, DCAT.downloadURL)).rsplit("/", 1)[-1]: graph.value(d, DCAT.byteSize).toPython() for d in distributions}
    assert set(sizes) == set(DUMPS)
    for name, size in sizes.items():
        assert size == len(client.get(f"/dumps/{name}").data)
    assert len(set(graph.objects(dataset, VOID.dataDump))) == 2


@pytest.mark.parametrize(("accept", "parser"), [("application/n-triples", "nt"), ("application/ld+json", "json-ld")])
def test_void_negotiates(app: Flask, client: FlaskClient, accept: str, parser: str) -> None:
    graph = void_graph(client, accept, parser)
    assert graph.value(the_dataset(graph), VOID.triples).toPython() == store_size(app)


def test_every_dumps_route_is_documented(app: Flask) -> None:
    from server import dumps
    from tests.server.test_resources import documented_routes

    assert documented_routes(app, "dumps", dumps.__doc__ or "") == []
