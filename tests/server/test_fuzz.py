"""The OpenAPI description (server/openapi.yaml) matches the routes, and schemathesis fuzzing from it finds no 5xx on a live server.

The fuzz run is bounded (FUZZ_EXAMPLES cases per operation, one seed) and talks only to the
test server on 127.0.0.1. Set GAOXIN_FUZZ_SEED to explore other inputs, GAOXIN_FUZZ_EXAMPLES for more.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from flask import Flask
from flask.testing import FlaskClient

from server import api_docs
from tests.server.conftest import serving

FUZZ_EXAMPLES = int(os.environ.get("GAOXIN_FUZZ_EXAMPLES", "25"))
FUZZ_SEED = os.environ.get("GAOXIN_FUZZ_SEED", "20261121")


def openapi_path(rule: str) -> str:
    """Write a Flask rule as an OpenAPI path template.

    >>> openapi_path("/queries/<name>"), openapi_path("/id/<path:path>")
    ('/queries/{name}', '/id/{path}')
    """
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_route_is_described(app: Flask) -> None:
    described = set(api_docs.description()["paths"])
    rules = {openapi_path(rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    rules = {rule.rstrip("/") or "/" for rule in rules if rule not in ("/", "/sparql/")} | {"/dumps/"}
    assert rules - {"/dumps"} == described


def test_the_canned_query_names_are_those_of_the_catalogue(app: Flask, client: FlaskClient) -> None:
    names = client.get("/openapi.json").get_json()["components"]["parameters"]["queryName"]["schema"]["enum"]
    assert "national-key-lab-funding" in names
    assert names == sorted(app.extensions["gaoxin_queries"])


def test_the_description_is_served_as_yaml_and_json(client: FlaskClient) -> None:
    as_json = client.get("/openapi.json")
    assert as_json.status_code == 200 and as_json.get_json()["openapi"].startswith("3.0")
    assert yaml.safe_load(client.get("/openapi.yaml").get_data(as_text=True)) == as_json.get_json()


def test_fuzzing_from_the_description_finds_no_server_error(built_store: Path, tmp_path: Path) -> None:
    with serving(built_store, "--workers", "1", "--threads", "4", "--timeout", "5") as base:
        assert base.startswith("http://127.0.0.1:")
        command = [
            str(Path(sys.executable).with_name("schemathesis")), "run", base + "/openapi.json",
            "--checks", "not_a_server_error", "--max-examples", str(FUZZ_EXAMPLES), "--seed", FUZZ_SEED,
            "--workers", "1", "--request-timeout", "20", "--generation-database", "none", "--no-color", "--max-failures", "5",
        ]
        run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False)
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    generated = re.search(r"(\d+) generated, (\d+) passed", summary)
    assert generated is not None and int(generated.group(1)) == int(generated.group(2)) >= 10 * FUZZ_EXAMPLES, summary
