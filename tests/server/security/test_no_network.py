"""SSRF is impossible by construction (issue 13, item 1): query processes have no network; the text check reads real terminals.

Every endpoint here is a listener of the test on 127.0.0.1 that must receive nothing
(except where federation to it is explicitly allowed); no host name is ever resolved.
"""

from __future__ import annotations

import contextlib
import doctest
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import Store

from server import admission, create_app, sandbox, service_calls, sparql_text
from server.query_process import Limits, QueryPool, Task


@pytest.fixture()
def make_app(built_store: Path) -> Iterator:  # type: ignore[type-arg]
    apps: list[Flask] = []

    def make(**config: object) -> Flask:
        app = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 10.0, **config})
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["gaoxin_executor"].close()


# The reproductions: an escaped '#' or quote in a prefixed name hid a SERVICE from the old text check.
# fmt: off
HIDDEN = [
    r"PREFIX ex: <http://e/> ASK { VALUES ?v { ex:a\# } SERVICE <http://127.0.0.1:PORT/x> { ?s ?p ?o } }",
    r"PREFIX ex: <http://e/> ASK { VALUES ?v { ex:a\' } SERVICE <http://127.0.0.1:PORT/x> { ?s ?p ?o } }",
    r"PREFIX ex: <http://e/> ASK { FILTER NOT EXISTS { VALUES ?v { ex:a\# } SERVICE <http://127.0.0.1:PORT/x> { ?s ?p ?o } } }",
    r"PREFIX ex: <http://e/> SELECT * { VALUES ?v { ex:b%41\'\# } SERVICE SILENT <http://127.0.0.1:PORT/x> { ?s ?p ?o } }",
    "PREFIX x: <http://127.0.0.1:PORT/> ASK { SERVICE x:a\\#b { ?s ?p ?o } }",
]
# fmt: on


def send(client: FlaskClient, method: str, query: str):  # type: ignore[no-untyped-def]
    if method == "GET":
        return client.get("/sparql", query_string={"query": query})
    if method == "form":
        return client.post("/sparql", data={"query": query})
    return client.post("/sparql", data=query.encode(), content_type="application/sparql-query")


@pytest.mark.parametrize("method", ["GET", "form", "direct"])
@pytest.mark.parametrize("allow", [(), ("*",)], ids=["default", "star"])
def test_hidden_service_is_refused_by_every_method_and_the_listener_hears_nothing(
    make_app, listener: tuple[int, list[bytes]], method: str, allow: tuple[str, ...]
) -> None:
    port, received = listener
    client = make_app(SERVICE_ALLOW=allow).test_client()
    for query in HIDDEN:
        response = send(client, method, query.replace("PORT", str(port)))
        assert response.status_code == 400 and "SERVICE clause" in response.get_data(as_text=True), query
    assert received == []


def test_a_query_process_cannot_open_a_network_socket_even_when_the_check_is_skipped(built_store: Path, listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    pool = QueryPool(1, Limits())
    try:
        replies = []
        for query in HIDDEN:  # each of them reaches the listener from a process without the filter (measured)
            task = Task(str(built_store.resolve()), query.replace("PORT", str(port)), "application/sparql-results+json", 10)
            replies.append(pool.run(task, 10.0))  # straight to the engine, past every text check
        # NOT EXISTS and SILENT swallow the engine's error; the others name it
        assert [r.message for r in replies if r.status == "error"] == ["PermissionError: Permission denied (os error 13)"] * 3
        assert received == []
    finally:
        pool.close()
    with contextlib.suppress(OSError, RuntimeError):  # the control: the engine without the filter (this process) reaches it
        Store().query(HIDDEN[0].replace("PORT", str(port)))
    assert received


def test_the_filter_refuses_inet_sockets_and_keeps_unix_ones() -> None:
    import multiprocessing

    def probe(conn) -> None:  # type: ignore[no-untyped-def]
        sandbox.forbid_network()
        outcome = []
        for family in (socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK):
            try:
                socket.socket(family, socket.SOCK_STREAM if family != socket.AF_NETLINK else socket.SOCK_RAW).close()
                outcome.append("opened")
            except OSError as error:
                outcome.append(error.errno)
        left, right = socket.socketpair()
        left.send(b"ok")
        outcome.append(right.recv(2).decode())
        conn.send(outcome)

    parent, child = multiprocessing.get_context("fork").Pipe()
    process = multiprocessing.get_context("fork").Process(target=probe, args=(child,))
    process.start()
    process.join(10)
    import errno

    assert parent.recv() == [errno.EACCES, errno.EACCES, errno.EACCES, "ok"]


def test_an_allow_listed_endpoint_is_called_by_the_server_only(make_app, listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    client = make_app(SERVICE_ALLOW=(f"http://127.0.0.1:{port}/sparql",)).test_client()
    other = client.post("/sparql", data={"query": f"ASK {{ SERVICE <http://127.0.0.1:{port + 1}/sparql> {{ }} }}"})
    assert other.status_code == 400 and received == []
    called = client.post("/sparql", data={"query": f"SELECT * {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql/x> {{ ?s ?p ?o }} }}"})
    assert called.status_code == 200
    assert received and any(b"/sparql/x" in chunk for chunk in received)  # the listed endpoint really is called


def test_after_dns_an_internal_address_is_refused_unless_named() -> None:
    def resolver(addresses: list[str]):  # type: ignore[no-untyped-def]  # an injected resolver: no name is ever looked up
        return lambda host, port: addresses

    def never(host: str, port: int) -> list[str]:
        raise AssertionError(f"an address literal was resolved: {host}")

    with pytest.raises(service_calls.ServiceRefused, match="resolves to 127.0.0.1"):
        service_calls.pinned_addresses("http://2130706433/sparql", ("*",), never)
    with pytest.raises(service_calls.ServiceRefused, match="resolves to ::1"):
        service_calls.pinned_addresses("http://[::1]:9/", ("*",), never)
    assert service_calls.pinned_addresses("http://127.0.0.1:9/sparql", ("http://127.0.0.1:9/",), never) == ["127.0.0.1"]
    with pytest.raises(service_calls.ServiceRefused, match="resolves to 10.0.0.7"):
        service_calls.pinned_addresses("http://data.example/sparql", ("*",), resolver(["93.184.216.34", "10.0.0.7"]))
    named = ("http://data.example/sparql",)  # the operator named this host and port: it may be internal
    assert service_calls.pinned_addresses("http://data.example/sparql", named, resolver(["10.0.0.7"])) == ["10.0.0.7"]


# The tokenizer follows the grammar's terminals --------------------------------------------------

# fmt: off
TOKENS = [
    (r"ex:a\#b", [("pname", r"ex:a\#b")]),
    (r"ex:a\'b", [("pname", r"ex:a\'b")]),
    (r"ex:%41\(", [("pname", r"ex:%41\(")]),
    ("ex:a.b. ", [("pname", "ex:a.b"), ("word", ".")]),
    (":x", [("pname", ":x")]),
    ("?v#c", [("variable", "?v"), ("comment", "#c")]),
    ('"a#b"', [("string", '"a#b"')]),
    ("'a\\'b'", [("string", "'a\\'b'")]),
    ('"""a"b\n"""', [("string", '"""a"b\n"""')]),
    ("'''a'b'''", [("string", "'''a'b'''")]),
    ("<http://x/#a>", [("iri", "<http://x/#a>")]),
    ("# SERVICE <x:>", [("comment", "# SERVICE <x:>")]),
]
# fmt: on


@pytest.mark.parametrize(("text", "tokens"), TOKENS)
def test_the_tokenizer_reads_the_grammars_terminals(text: str, tokens: list[tuple[str, str]]) -> None:
    assert [(m.lastgroup, m.group()) for m in sparql_text.LEXEMES.finditer(text)] == tokens


def test_the_depth_check_is_not_fooled_by_an_escape(client: FlaskClient) -> None:
    deep = r"PREFIX ex: <http://e/> ASK { VALUES ?v { ex:a\# } " + "{" * 150 + "}" * 150 + "}"
    response = client.post("/sparql", data={"query": deep})
    assert response.status_code == 400 and "deeper than 100 levels" in response.get_data(as_text=True)
    assert sparql_text.too_deep(r"ASK { VALUES ?v { ex:a\( ex:b\) } }", 2) is None  # escaped brackets are no brackets


def test_an_update_after_an_escaped_quote_is_refused(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": r"PREFIX ex: <http://e/> ASK { VALUES ?v { ex:a\' } } ; DROP ALL"})
    assert response.status_code == 403


@pytest.mark.parametrize("module", [sandbox, admission, service_calls])
def test_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]
