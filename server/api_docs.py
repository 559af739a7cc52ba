"""The OpenAPI description of the HTTP API (server/openapi.yaml).

    /openapi.yaml     the description, with the canned-query names of this server filled in
    /openapi.json     the same, as JSON

tests/server/test_fuzz.py runs schemathesis from it against a live server.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

import yaml
from flask import Blueprint, Response, current_app

blueprint = Blueprint("api_docs", __name__)
SOURCE = Path(__file__).with_name("openapi.yaml")


@cache
def description() -> dict:
    """Read the OpenAPI description once, as written (the canned-query names left empty)."""
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))


def served_description() -> dict:
    """Return the description with this server's canned-query names as the enum of `name`."""
    filled = copy.deepcopy(description())
    filled["components"]["parameters"]["queryName"]["schema"]["enum"] = sorted(current_app.extensions["gaoxin_queries"])
    return filled


@blueprint.get("/openapi.yaml")
def as_yaml() -> Response:
    """Serve the OpenAPI description as YAML."""
    return Response(yaml.safe_dump(served_description(), allow_unicode=True, sort_keys=False), mimetype="application/yaml")


@blueprint.get("/openapi.json")
def as_json() -> Response:
    """Serve the OpenAPI description as JSON."""
    return Response(json.dumps(served_description(), ensure_ascii=False, indent=1), mimetype="application/json")
