"""Every route of the app is documented in the route table of docs/server.md (tests/test_docs.py checks README.md + docs/ as a whole)."""

from __future__ import annotations

from flask import Flask

from tests.server.conftest import ROOT


def test_every_route_is_in_the_route_table(app: Flask) -> None:
    table = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    section = table[table.index("| path | what |") :]
    undocumented = []
    for rule in app.url_map.iter_rules():
        prefix = "/" + rule.rule.strip("/").split("/")[0].split("<")[0].split(".")[0]
        if rule.endpoint != "static" and f"`{prefix}" not in section:
            undocumented.append(rule.rule)
    assert undocumented == []
