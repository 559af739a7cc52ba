"""server.errors and server.negotiation: one error body and one format choice for every blueprint.

Every page reads the store through the executor (server.executor, server.procedures):
a query stopped at the time limit is 503 with Retry-After on each of them.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import create_app, executor

# fmt: off
PAGES = [
    "/sparql?query=ASK%7B%7D", "/sparql",  # the protocol and its service description (named graphs counted by the executor)
    "/", "/queries/documents",  # the home counts and a canned query
    "/id/doc/yunzhengfa-2020-36", "/page/doc/yunzhengfa-2020-36", "/page/doc/yunzhengfa-2020-36.ttl",  # resource look-ups
    "/ontology", "/.well-known/void", "/dumps/", "/dumps/gaoxin-kg.nq.gz",
]
# fmt: on


@pytest.fixture()
def fresh_client(built_store) -> FlaskClient:  # type: ignore[no-untyped-def]
    """A client of an app with its own caches, so nothing is answered from memory."""
    app: Flask = create_app({"STORE": built_store, "TESTING": True, "RESULT_CACHE_BYTES": 0, "DUMPS_DIR": built_store.parent / "errors-dumps"})
    return app.test_client()


@pytest.mark.parametrize("path", PAGES)
def test_every_page_reads_through_the_executor_and_a_timeout_is_503_with_retry_after(
    fresh_client: FlaskClient, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    def too_slow(app, task, timeout, gone=None):  # type: ignore[no-untyped-def]
        raise executor.QueryTimeout(timeout)

    monkeypatch.setattr(executor, "run", too_slow)
    response = fresh_client.get(path, headers={"Accept": "text/turtle" if path == "/sparql" else "*/*"})
    assert response.status_code == 503, (path, response.status_code)
    assert int(response.headers["Retry-After"]) >= 1 and "took too long" in response.text


def test_errors_come_in_the_format_asked_for(client: FlaskClient) -> None:
    as_json = client.get("/queries/no-such-query.json")
    assert as_json.status_code == 404 and as_json.get_json() == {"ok": False, "status": 404, "error": as_json.get_json()["error"]}
    assert "no-such-query" in as_json.get_json()["error"]
    assert client.get("/queries/no-such-query").mimetype == "text/html"
    assert client.get("/sparql?query=SELEC").mimetype == "text/plain"


@pytest.mark.parametrize("path", ["/queries/documents", "/queries", "/id/doc/yunzhengfa-2020-36", "/ontology", "/.well-known/void", "/sparql"])
@pytest.mark.parametrize("parameter", ["_format", "format"])
def test_the_format_parameter_has_the_same_names_everywhere(client: FlaskClient, path: str, parameter: str) -> None:
    response = client.get(path, query_string={parameter: "docx"})
    assert response.status_code == 406 and f"parameter {parameter!r}" in response.text.replace("&#39;", "'")


def test_format_is_no_canned_query_parameter(client: FlaskClient) -> None:
    response = client.get("/queries/documents", query_string={"format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
