"""Short links to ad-hoc queries: POST /sparql/links keeps a query, /sparql?_q=ID opens the editor on it."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from server import create_app

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
QUERY = "SELECT ?s WHERE { ?s a <https://w3id.org/gaoxin-kg/ontology#Measure> } LIMIT 3"


def linking_app(app: Flask, tmp_path: Path) -> FlaskClient:
    return create_app({"STORE": app.config["STORE"], "PERMALINKS": tmp_path / "links.sqlite", "TESTING": True}).test_client()


def editor_config(page: str) -> dict:  # type: ignore[type-arg]
    return json.loads(page.split('<script type="application/json" id="sparql-config">')[1].split("</script>")[0])


def test_a_kept_query_opens_in_the_editor_and_keeps_its_id(app: Flask, tmp_path: Path) -> None:
    client = linking_app(app, tmp_path)
    first, again = (client.post("/sparql/links", data={"query": QUERY}) for _ in range(2))
    assert first.status_code == 201 and first.json["id"] == again.json["id"] and first.headers["Location"] == first.json["url"]
    page = client.get(f"/sparql?_q={first.json['id']}", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert editor_config(page)["sharedQuery"] == QUERY
    assert (tmp_path / "links.sqlite").is_file()


def test_an_unknown_or_malformed_id_gets_404_naming_it(app: Flask, tmp_path: Path) -> None:
    client = linking_app(app, tmp_path)
    unknown = client.get("/sparql?_q=aaaaaaaaaaaaaaaa", headers={"Accept": BROWSER})
    assert unknown.status_code == 404 and "aaaaaaaaaaaaaaaa" in unknown.get_data(as_text=True)
    assert client.get("/sparql?_q=../../etc", headers={"Accept": BROWSER}).status_code == 404


def test_an_empty_or_overlong_query_is_not_kept(app: Flask, tmp_path: Path) -> None:
    client = linking_app(app, tmp_path)
    assert client.post("/sparql/links", data={"query": "  "}).status_code == 400
    assert client.post("/sparql/links", data={"query": "#" * 100_001}).status_code == 413
    assert not (tmp_path / "links.sqlite").exists()


def test_the_canned_page_link_binds_its_parameter(client: FlaskClient) -> None:
    page = client.get("/queries/instrument-mix-by-province", query_string={"province": "https://w3id.org/gaoxin-kg/id/province/hebei"})
    assert "VALUES%20%28%3Fprovince%29%20%7B%20%28%3Chttps%3A%2F%2Fw3id.org%2Fgaoxin-kg%2Fid%2Fprovince%2Fhebei%3E%29%20%7D" in page.get_data(as_text=True)
