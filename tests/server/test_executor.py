"""The executor: execute() results, its exceptions, the row cap, and the time limit that really stops a query."""

from __future__ import annotations

import doctest
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from pyoxigraph import Literal, NamedNode, Variable

from server import create_app, executor, graph, sparql_text
from server.executor import QueryFailed, QueryRefused, QuerySyntaxError, QueryTimeout, QueryUnavailable, execute

ELI = "PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"
NUMBERS = ELI + "SELECT ?document ?number WHERE { ?document eli:id_local ?number } ORDER BY ?number"
YUNNAN = "https://w3id.org/gaoxin-kg/id/doc/yunzhengfa-2020-36"
# A cartesian product of the whole graph with a filter no index can answer: it runs for hours.
RUNAWAY = 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i)), "^z{40}$")) }'


@pytest.fixture(scope="module")
def quick_app(built_store: Path) -> Iterator[Flask]:
    """An app whose queries may run 2 s, with two fast-lane query processes (half a second each) and one heavy one."""
    app = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 2.0, "QUERY_PROCESSES": 2, "FAST_LANE_SECONDS": 0.5})
    yield app
    app.extensions["gaoxin_executor"].close()


def bindings(result: executor.QueryResult) -> list[dict]:
    return json.loads(result.body)["results"]["bindings"]


def test_execute_returns_sparql_json(app: Flask) -> None:
    with app.app_context():
        result = execute(NUMBERS)
    assert (result.kind, result.media_type, result.truncated) == ("solutions", executor.JSON, False)
    assert "云政发〔2020〕36号" in [row["number"]["value"] for row in bindings(result)]


@pytest.mark.parametrize("key", ["number", "?number", Variable("number")])
def test_substitutions_bind_terms_by_name_or_variable(app: Flask, key: str | Variable) -> None:
    with app.app_context():
        result = execute(NUMBERS, substitutions={key: Literal("云政发〔2020〕36号")})
    assert [row["document"]["value"] for row in bindings(result)] == [YUNNAN]


def test_substituted_iri_and_typed_literal_cross_the_process_boundary(app: Flask) -> None:
    query = "SELECT ?doc ?n ?label WHERE { BIND(STR(?doc) AS ?s) }"
    integer = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    terms = {"doc": NamedNode(YUNNAN), "n": Literal("36", datatype=integer), "label": Literal("云南", language="zh-Hans")}
    with app.app_context():
        (row,) = bindings(execute(query, substitutions=terms))
    assert row["doc"] == {"type": "uri", "value": YUNNAN}
    assert row["n"] == {"type": "literal", "value": "36", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert row["label"] == {"type": "literal", "value": "云南", "xml:lang": "zh-hans"}


@pytest.mark.parametrize(
    ("query", "media_type", "expected"),
    [
        (NUMBERS, "text/csv", "text/csv"),
        (NUMBERS, "text/tab-separated-values", "text/tab-separated-values"),
        (NUMBERS, "application/sparql-results+xml", "application/sparql-results+xml"),
        ("ASK {}", "application/sparql-results+xml", "application/sparql-results+xml"),
        (ELI + "CONSTRUCT WHERE { ?d eli:id_local ?n }", "application/n-triples", "application/n-triples"),
        (ELI + "CONSTRUCT WHERE { ?d eli:id_local ?n }", executor.JSON, "text/turtle"),  # a type that does not fit falls back
    ],
)
def test_result_formats(app: Flask, query: str, media_type: str, expected: str) -> None:
    with app.app_context():
        result = execute(query, media_type)
    assert result.media_type.split(";")[0] == expected
    assert result.body


def test_row_cap_cuts_and_flags_the_result(app: Flask) -> None:
    with app.app_context():
        result = execute(NUMBERS, row_cap=2)
    assert result.truncated is True
    document = json.loads(result.body)
    assert document["truncated"] is True and len(document["results"]["bindings"]) == 2


def test_construct_results_are_capped_in_triples(app: Flask) -> None:
    with app.app_context():
        result = execute("CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples", row_cap=5)
    lines = result.body.decode().splitlines()
    assert result.truncated and lines[0].startswith("# truncated: only the first 5 triples")
    assert len([line for line in lines if not line.startswith("#")]) == 5


def test_syntax_error_names_line_and_column(app: Flask) -> None:
    with app.app_context(), pytest.raises(QuerySyntaxError) as caught:
        execute("SELECT * WHERE {\n  ?s ?p")  # the input ends at line 2, column 8
    assert (caught.value.line, caught.value.column) == (2, 8)
    assert caught.value.message.startswith("syntax error at line 2, column 8: expected")


@pytest.mark.parametrize("update", ["INSERT DATA { <a:b> <a:c> <a:d> }", "PREFIX x: <a:> DROP ALL", "ASK {} ; CLEAR ALL", "LOAD <http://127.0.0.1:9/x>"])
def test_updates_are_refused_before_running(app: Flask, update: str) -> None:
    with app.app_context(), pytest.raises(QueryRefused) as caught:
        execute(update)
    assert caught.value.reason == "update" and "read-only" in caught.value.message


def test_service_is_refused_naming_the_clause(app: Flask) -> None:
    with app.app_context(), pytest.raises(QueryRefused) as caught:
        execute("SELECT * WHERE {\n  SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert caught.value.reason == "service"
    assert "SERVICE clause at line 2, column 3 (calling <http://127.0.0.1:9/sparql>)" in caught.value.message


@pytest.mark.parametrize(
    ("query", "allow", "refused"),
    [
        ("SELECT * { SERVICE <http://a.example/sparql> {} }", ("http://a.example/",), False),
        ("SELECT * { SERVICE <http://b.example/sparql> {} }", ("http://a.example/",), True),
        ("SELECT * { SERVICE ?endpoint {} }", ("http://a.example/",), True),
        ("SELECT * { SERVICE ?endpoint {} }", ("*",), True),  # a variable endpoint cannot be checked before it runs
        ("PREFIX a: <http://a.example/>\nSELECT * { SERVICE a:sparql {} }", ("http://a.example/",), False),
        ("PREFIX a: <http://evil.example/>\nSELECT * { SERVICE a:sparql {} }", ("http://a.example/",), True),
    ],
)
def test_service_allow_list(query: str, allow: tuple[str, ...], refused: bool) -> None:
    if refused:
        with pytest.raises(QueryRefused):
            executor.check(query, allow)
    else:
        executor.check(query, allow)


def test_engine_errors_become_query_failed(app: Flask) -> None:
    with app.app_context(), pytest.raises(QueryFailed, match="projection"):
        execute("SELECT ?s WHERE { ?s ?p ?o }", substitutions={"o": Literal("x")})


def test_missing_store_is_unavailable(tmp_path: Path) -> None:
    app = create_app({"STORE": tmp_path / "nothing", "TESTING": True})
    with app.app_context(), pytest.raises(QueryUnavailable, match="no graph built yet"):
        execute("ASK {}")


def test_a_runaway_query_is_killed_at_the_limit_while_others_are_answered(quick_app: Flask) -> None:
    pool = quick_app.extensions["gaoxin_executor"].pool()
    with quick_app.app_context():
        execute("ASK {}")  # both children are up before the clock starts
        execute("ASK {}")
    before = set(pool.pids())
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        with quick_app.app_context():
            try:
                execute(RUNAWAY)
            except QueryTimeout as error:
                outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    answered = []
    while thread.is_alive():
        with quick_app.app_context():
            started = time.monotonic()
            assert bindings(execute(NUMBERS))
            answered.append(time.monotonic() - started)
        time.sleep(0.05)
    thread.join()
    assert isinstance(outcome.get("error"), QueryTimeout)
    assert "exceeded the 2 s time limit" in str(outcome["error"])
    assert 2.0 <= float(outcome["seconds"]) < 4.0  # type: ignore[arg-type]
    assert len(answered) >= 5 and max(answered) < 1.0
    killed = before - set(pool.pids())
    assert len(killed) == 1 and len(pool.pids()) == 2  # replaced
    assert not Path(f"/proc/{killed.pop()}").exists()  # the process (and its CPU) is gone, reaped


def test_a_replacement_child_answers_after_a_timeout(quick_app: Flask) -> None:
    with quick_app.app_context():
        with pytest.raises(QueryTimeout):
            execute(RUNAWAY, timeout=0.5)
        assert bindings(execute(NUMBERS))
        assert bindings(execute(NUMBERS))


def test_a_query_process_that_dies_is_reported_and_replaced(quick_app: Flask) -> None:
    pool = quick_app.extensions["gaoxin_executor"].pool()
    with quick_app.app_context():
        execute("ASK {}")
    caught: list[Exception] = []

    def runaway() -> None:
        with quick_app.app_context():
            try:
                execute(RUNAWAY, timeout=30)
            except QueryUnavailable as error:
                caught.append(error)

    lanes = quick_app.extensions["gaoxin_executor"].lanes()
    before = set(lanes.pids())
    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(1.5)  # past the fast lane's half second: the query runs again in the heavy lane
    busy = max(before, key=lambda pid: int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11]))
    os.kill(busy, signal.SIGKILL)  # as the kernel's OOM killer would
    thread.join(10)
    assert caught and "the query process died" in caught[0].message
    assert busy not in lanes.pids() and len(pool.pids()) == 2 and len(lanes.heavy.pids()) == 1
    with quick_app.app_context():
        assert bindings(execute(NUMBERS))


def parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_children_are_forked_by_a_fork_server_of_this_process(quick_app: Flask) -> None:
    for pid in quick_app.extensions["gaoxin_executor"].pool().pids():
        server = parent(pid)
        assert "multiprocessing.forkserver" in Path(f"/proc/{server}/cmdline").read_text()
        assert parent(server) == os.getpid()  # never a fork of this process, which may hold an open store


@pytest.mark.parametrize("module", [sparql_text, executor])
def test_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]


def write_version(path: Path, label: str) -> Path:
    """Write a tiny store version holding one labelled thing."""
    from pyoxigraph import Quad, Store

    store = Store(str(path))
    store.add(Quad(NamedNode("http://example.org/thing"), NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), Literal(label), NamedNode("http://example.org/g")))
    store.flush()
    del store
    return path


def test_a_relative_store_link_names_an_absolute_version_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "store.versions" / "v1").mkdir(parents=True)
    (tmp_path / "store").symlink_to("store.versions/v1")
    monkeypatch.chdir(tmp_path)
    assert graph.link_target(Path("store")) == str(tmp_path / "store.versions" / "v1")  # a query process may not share our cwd
    assert graph.link_target(Path("store.versions/v1")) == str((tmp_path / "store.versions" / "v1").resolve())  # a plain directory


def test_query_processes_follow_the_store_link_to_a_new_version(tmp_path: Path) -> None:
    link = tmp_path / "store"
    link.symlink_to(write_version(tmp_path / "v1", "first"))
    app = create_app({"STORE": link, "TESTING": True, "QUERY_PROCESSES": 1})
    query = "SELECT ?label WHERE { ?thing <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    try:
        with app.app_context():
            assert bindings(execute(query))[0]["label"]["value"] == "first"
            write_version(tmp_path / "v2", "second")
            (tmp_path / "next").symlink_to(tmp_path / "v2")
            (tmp_path / "next").replace(link)  # switched atomically, as `gaoxin-kg build` does
            assert bindings(execute(query))[0]["label"]["value"] == "second"
    finally:
        app.extensions["gaoxin_executor"].close()


def test_one_request_reads_one_version_even_when_the_link_moves_between_its_queries(tmp_path: Path) -> None:
    link = tmp_path / "store"
    link.symlink_to(write_version(tmp_path / "v1", "first"))
    app = create_app({"STORE": link, "TESTING": True, "QUERY_PROCESSES": 1})
    query = "SELECT ?label WHERE { ?thing <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    try:
        with app.test_request_context("/queries/a-page-with-dropdowns"):
            assert bindings(execute(query))[0]["label"]["value"] == "first"
            write_version(tmp_path / "v2", "second")
            (tmp_path / "next").symlink_to(tmp_path / "v2")
            (tmp_path / "next").replace(link)
            assert bindings(execute(query))[0]["label"]["value"] == "first"  # the same request: still the first graph
        with app.test_request_context("/queries/the-next-request"):
            assert bindings(execute(query))[0]["label"]["value"] == "second"
    finally:
        app.extensions["gaoxin_executor"].close()
