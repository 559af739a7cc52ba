"""The OpenAPI description of the HTTP API (server/openapi.yaml).

    /openapi.yaml     the description as written
    /openapi.json     the same, as JSON

tests/server/test_fuzz.py runs schemathesis from it against a live server.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import yaml
from flask import Blueprint, Response

blueprint = Blueprint("api_docs", __name__)
SOURCE = Path(__file__).with_name("openapi.yaml")


@cache
def description() -> dict:
    """Read the OpenAPI description once."""
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))


@blueprint.get("/openapi.yaml")
def as_yaml() -> Response:
    """Serve the OpenAPI description as written."""
    return Response(SOURCE.read_text(encoding="utf-8"), mimetype="application/yaml")


@blueprint.get("/openapi.json")
def as_json() -> Response:
    """Serve the OpenAPI description as JSON."""
    return Response(json.dumps(description(), ensure_ascii=False, indent=1), mimetype="application/json")
