"""SERVICE clauses are called by the server on an address resolved and checked once (issue 13): no rebinding, no query process network.

Loopback only: every endpoint is a server of this test on 127.0.0.1; host names are
"resolved" by a resolver the test injects (socket.getaddrinfo replaced), never by DNS,
and a guard refuses any connection that would leave the machine.
"""

from __future__ import annotations

import _socket
import contextlib
import json
import socket
import ssl
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from pyoxigraph import QueryResultsFormat, Store

from server import create_app, service_calls
from tests.server.engines import wikidata_sample_serving

PUBLIC = "93.184.216.34"  # a global address the injected resolver gives first; the guard never lets a connection reach it
JSON_TYPE = "application/sparql-results+json"


@pytest.fixture()
def rebinding(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list]]:
    """Make every host name resolve first to a public address, then to 127.0.0.1 (DNS rebinding); refuse off-machine connections."""
    record: dict[str, list] = {"lookups": [], "connects": []}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # type: ignore[no-untyped-def]
        record["lookups"].append(host)
        address = PUBLIC if len(record["lookups"]) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]

    def guarded_connect(self, address):  # type: ignore[no-untyped-def]
        if self.family == socket.AF_UNIX:  # the query processes' fork server
            return _socket.socket.connect(self, address)
        record["connects"].append(address)
        if address[0] not in ("127.0.0.1", "::1"):
            raise ConnectionRefusedError(111, "the test's guard: no connection leaves this machine")
        return _socket.socket.connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    yield record


def test_a_rebinding_name_cannot_lead_the_fetcher_to_this_machine(rebinding: dict[str, list], listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    query = f"SELECT * WHERE {{ SERVICE <http://rebind.example:{port}/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises(service_calls.ServiceFailed, match="could not be called"):
        service_calls.inline(query, ("*",), 2.0, 1_000_000)
    assert rebinding["lookups"] == ["rebind.example"]  # resolved once, for the check
    assert rebinding["connects"] == [(PUBLIC, port)]  # connected to the checked address, not to a second answer
    assert received == []
    rebinding["lookups"].clear()  # the name starts over: public first
    silent = service_calls.inline(query.replace("SERVICE", "SERVICE SILENT"), ("*",), 2.0, 1_000_000)
    assert silent == "SELECT * WHERE { VALUES () { () } }" and received == []
    # The control: a client that resolves the name again itself (as the engine did) is led to the listener.
    rebinding["lookups"].clear()
    socket.getaddrinfo("rebind.example", port)  # the check sees the public address ...
    with contextlib.suppress(OSError):
        urllib.request.urlopen(f"http://rebind.example:{port}/sparql", timeout=2)  # ... the call resolves again: 127.0.0.1
    assert received and b"/sparql" in b"".join(received)


def test_through_the_app_a_rebinding_name_reaches_nothing(built_store: Path, rebinding: dict[str, list], listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    app = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 10.0, "SERVICE_ALLOW": ("*",)})
    try:
        client = app.test_client()
        query = f"SELECT * WHERE {{ SERVICE <http://rebind.example:{port}/sparql> {{ ?s ?p ?o }} }}"
        failed = client.post("/sparql", data={"query": query})
        assert failed.status_code == 500 and "could not be called" in failed.get_data(as_text=True)
        rebinding["lookups"].clear()  # the name starts over: public first
        silent = client.post("/sparql", data={"query": query.replace("SERVICE", "SERVICE SILENT")}, headers={"Accept": JSON_TYPE})
        assert silent.status_code == 200 and silent.get_json()["results"]["bindings"] == [{}]
        assert rebinding["lookups"] == ["rebind.example"]  # one look-up per call
        assert {address for address, _ in rebinding["connects"]} == {PUBLIC}
        again = client.post("/sparql", data={"query": query})  # the name now resolves to 127.0.0.1: refused before any call
        assert again.status_code == 400 and "resolves to 127.0.0.1" in again.get_data(as_text=True)
        assert received == []
    finally:
        app.extensions["gaoxin_executor"].close()


# The same rows as the engine's own SERVICE ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Wikidata-shaped test sample in `oxigraph serve-read-only` on loopback; yields its query endpoint URL."""
    with wikidata_sample_serving(tmp_path_factory.mktemp("service-sample")) as endpoint:
        yield endpoint


PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# fmt: off
SAME_ROWS = [
    "SELECT ?item ?code WHERE { SERVICE <E> { ?item wdt:P442 ?code } }",
    "SELECT * WHERE { VALUES ?item { wd:Q43194 wd:Q42392 <http://example.org/none> }\n"
    "  SERVICE <E> { ?item wdt:P1082 ?population OPTIONAL { ?item rdfs:label ?label FILTER(lang(?label) = 'zh') } } }",
    "SELECT * WHERE { SERVICE <E> { { ?item wdt:P442 ?code } UNION { ?item rdfs:label ?label } } }",  # UNDEF in every row
    "SELECT ?item (?population * 2 AS ?twice) WHERE { SERVICE <E> { ?item wdt:P1082 ?population } FILTER(?population > 1500000) }",
    "SELECT (COUNT(*) AS ?n) WHERE { SERVICE SILENT <DEAD> { ?s ?p ?o } }",  # a failed SILENT call: one empty solution
    "SELECT * WHERE { SERVICE <E> { wd:Q43194 rdfs:label ?label } SERVICE <E> { wd:Q42392 wdt:P442 ?code } }",
]
# fmt: on


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rows(results) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return sorted(tuple(str(term) for term in row) for row in results)


@pytest.mark.parametrize("template", SAME_ROWS)
def test_inlined_service_gives_the_rows_of_the_engines_own_service(sample: str, template: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    query = PREFIXES + template.replace("<E>", f"<{sample}>").replace("<DEAD>", f"<{dead}q>")
    expected = rows(Store().query(query))  # pyoxigraph calls the endpoint itself (this test process has network)
    inlined = service_calls.inline(query, (sample.rsplit("/", 1)[0] + "/", dead), 10.0, 1_000_000)
    assert "SERVICE" not in inlined and "VALUES" in inlined
    assert rows(Store().query(inlined)) == expected and expected


def test_the_app_answers_a_federated_query_with_the_engines_rows(built_store: Path, sample: str) -> None:
    query = PREFIXES + SAME_ROWS[1].replace("<E>", f"<{sample}>")
    app = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 10.0, "SERVICE_ALLOW": (sample.rsplit("/", 1)[0] + "/",)})
    try:
        answer = app.test_client().post("/sparql", data={"query": query}, headers={"Accept": JSON_TYPE})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        got = sorted(json.dumps(row, sort_keys=True) for row in answer.get_json()["results"]["bindings"])
        expected = Store().query(query).serialize(format=QueryResultsFormat.JSON)  # type: ignore[union-attr]
        assert got == sorted(json.dumps(row, sort_keys=True) for row in json.loads(expected)["results"]["bindings"]) and got
    finally:
        app.extensions["gaoxin_executor"].close()


# Limits: an endpoint that answers too much, too slowly, elsewhere, or what VALUES cannot hold -------------------------


class Endpoint(BaseHTTPRequestHandler):
    """A SPARQL endpoint stand-in on loopback whose path says how it misbehaves; it records each request."""

    requests: list[dict[str, str]] = []

    def do_POST(self) -> None:  # noqa: N802  # the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        Endpoint.requests.append({"path": self.path, "host": self.headers["Host"], "query": parse_qs(body)["query"][0],
                                  "type": self.headers["Content-Type"], "accept": self.headers["Accept"]})
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", self.headers["X-Elsewhere"] or "http://127.0.0.1:9/")
            self.end_headers()
            return
        if self.path == "/slow":  # headers, then a byte every 0.2 s for up to 5 s
            self.send_response(200)
            self.send_header("Content-Type", JSON_TYPE)
            self.end_headers()
            for _ in range(25):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.2)
            return
        binding = {"s": {"type": "bnode", "value": "b0"}} if self.path == "/bnode" else {"s": {"type": "uri", "value": "http://x/1"}}
        rows = [binding] * (20_000 if self.path == "/big" else 1)
        self.answer(json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": rows}}).encode())

    def answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """The misbehaving endpoint on 127.0.0.1; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def call(endpoint: str, path: str, *, silent: bool = False, timeout: float = 5.0, cap: int = 100_000) -> str:
    query = f"PREFIX x: <http://x/>\nSELECT * WHERE {{ SERVICE {'SILENT ' if silent else ''}<{endpoint}{path}> {{ ?s ?p x:o }} }}"
    return service_calls.inline(query, (endpoint + "/",), timeout, cap)


def test_the_endpoint_gets_a_sparql_protocol_request_for_the_group(endpoint: str) -> None:
    Endpoint.requests.clear()
    assert call(endpoint, "/ok") == "PREFIX x: <http://x/>\nSELECT * WHERE { VALUES (?s) { (<http://x/1>) } }"
    sent = Endpoint.requests[-1]
    assert sent["path"] == "/ok" and sent["host"] == endpoint.removeprefix("http://")
    assert sent["query"] == "PREFIX x: <http://x/>\n\nSELECT * WHERE { ?s ?p x:o }"
    assert sent["type"] == "application/x-www-form-urlencoded" and sent["accept"] == JSON_TYPE


def test_an_answer_over_the_byte_cap_fails_the_call(endpoint: str) -> None:
    with pytest.raises(service_calls.ServiceFailed, match=r"more than the 100,000 byte cap \(SERVICE_ANSWER_BYTES\)"):
        call(endpoint, "/big")
    assert call(endpoint, "/big", silent=True).endswith("{ VALUES () { () } }")
    assert "VALUES (?s)" in call(endpoint, "/big", cap=10_000_000)  # the same answer under a larger cap


def test_an_endpoint_that_drips_is_cut_at_the_time_limit(endpoint: str) -> None:
    started = time.monotonic()
    with pytest.raises(service_calls.ServiceFailed, match=r"did not answer within 0.5 s"):
        call(endpoint, "/slow", timeout=0.5)
    assert time.monotonic() - started < 2.0


def test_a_redirect_is_not_followed(endpoint: str, listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    Endpoint.requests.clear()
    with pytest.raises(service_calls.ServiceFailed, match="HTTP 302 Found, a redirect, which is not followed"):
        call(endpoint, "/redirect")
    assert received == [] and [r["path"] for r in Endpoint.requests] == ["/redirect"]


def test_a_blank_node_in_an_answer_is_a_clear_error(endpoint: str) -> None:
    with pytest.raises(service_calls.ServiceFailed, match="answered a blank node, which cannot be carried into this query"):
        call(endpoint, "/bnode")


# fmt: off
REFUSED = [
    ("SELECT * { SERVICE ?endpoint { ?s ?p ?o } }", "variable endpoint"),
    ("SELECT * { SERVICE <http://127.0.0.1:9/a> { SERVICE <http://127.0.0.1:9/b> { ?s ?p ?o } } }", "nested SERVICE"),
    ("SELECT * { SERVICE <http://127.0.0.1:9/a> { ?s ?p '\\u0041' } }", "\\u or \\U escapes"),
    ("SELECT * { SERVICE <http://127.0.0.1:9/a> ?s }", "not followed by a { group }"),
    ("SELECT * { SERVICE <http://127.0.0.2:9/a> { } }", "resolves to 127.0.0.2"),
]
# fmt: on


@pytest.mark.parametrize(("query", "reason"), REFUSED)
def test_forms_that_are_not_evaluated_are_refused(query: str, reason: str, listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    with pytest.raises(service_calls.ServiceRefused, match=reason.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")):
        service_calls.inline(query.replace(":9/", f":{port}/"), (f"http://127.0.0.1:{port}/", "*"), 2.0, 1_000)
    assert received == []


def test_the_app_refuses_nested_service_with_400(built_store: Path, listener: tuple[int, list[bytes]]) -> None:
    port, received = listener
    app = create_app({"STORE": built_store, "TESTING": True, "SERVICE_ALLOW": (f"http://127.0.0.1:{port}/",)})
    try:
        answer = app.test_client().post("/sparql", data={"query": REFUSED[1][0].replace(":9/", f":{port}/")})
        assert answer.status_code == 400 and "nested SERVICE is not supported" in answer.get_data(as_text=True)
        assert received == []
    finally:
        app.extensions["gaoxin_executor"].close()


@pytest.fixture(scope="module")
def tls_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """The endpoint over TLS on 127.0.0.1 with a self-signed certificate for service.test; yields its port and the certificate."""
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=service.test",
                    "-addext", "subjectAltName=DNS:service.test", "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], folder / "cert.pem"
    server.shutdown()
    server.server_close()


def test_tls_checks_the_host_name_while_connecting_to_the_checked_address(tls_endpoint: tuple[int, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    port, certificate = tls_endpoint
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # trust the test's certificate (read by ssl.create_default_context)
    loopback = lambda host, port: ["127.0.0.1"]  # noqa: E731  # the injected resolver: both names lead to 127.0.0.1
    query = "SELECT * WHERE { SERVICE <https://NAME:PORT/ok> { ?s ?p ?o } }".replace("PORT", str(port))
    Endpoint.requests.clear()
    named = query.replace("NAME", "service.test")
    assert "VALUES (?s) { (<http://x/1>) }" in service_calls.inline(named, (f"https://service.test:{port}/",), 5.0, 10_000, loopback)
    assert Endpoint.requests[-1]["host"] == f"service.test:{port}"  # the Host header names the host; the socket went to the address
    other = query.replace("NAME", "other.test")  # a name the certificate does not carry
    with pytest.raises(service_calls.ServiceFailed, match="certificate verify failed"):
        service_calls.inline(other, (f"https://other.test:{port}/",), 5.0, 10_000, loopback)


def test_service_calls_at_once_are_bounded_per_worker(built_store: Path, endpoint: str) -> None:
    config = {"SERVICE_ALLOW": (endpoint + "/",), "SERVICE_CALLS": 1, "QUEUE_WAIT": 0.3, "SERVICE_TIMEOUT": 2.0, "CLIENT_QUERIES": 0}  # one test client
    app = create_app({"STORE": built_store, "TESTING": True, "QUERY_TIMEOUT": 10.0, **config})
    query = "SELECT * WHERE { SERVICE <ENDPOINT> { ?s ?p ?o } }"
    try:
        slow: list = []
        thread = threading.Thread(target=lambda: slow.append(app.test_client().post("/sparql", data={"query": query.replace("ENDPOINT", endpoint + "/slow")})))
        thread.start()
        time.sleep(0.5)  # the slow call holds the one slot
        busy = app.test_client().post("/sparql", data={"query": query.replace("ENDPOINT", endpoint + "/ok")})
        assert busy.status_code == 503 and "Retry-After" in busy.headers and "SERVICE call slot" in busy.get_data(as_text=True)
        thread.join(10)
        assert slow[0].status_code == 500 and "did not answer within 2 s" in slow[0].get_data(as_text=True)
        after = app.test_client().post("/sparql", data={"query": query.replace("ENDPOINT", endpoint + "/ok")}, headers={"Accept": JSON_TYPE})
        assert after.status_code == 200 and after.get_json()["results"]["bindings"] == [{"s": {"type": "uri", "value": "http://x/1"}}]
    finally:
        app.extensions["gaoxin_executor"].close()
