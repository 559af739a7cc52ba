"""Every route of the app is documented in the README's web-server table."""

from __future__ import annotations

from flask import Flask

from tests.server.conftest import ROOT


def test_every_route_is_in_the_readme(app: Flask) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The web server") :]
    undocumented = []
    for rule in app.url_map.iter_rules():
        prefix = "/" + rule.rule.strip("/").split("/")[0].split("<")[0].split(".")[0]
        if rule.endpoint != "static" and f"`{prefix}" not in section:
            undocumented.append(rule.rule)
    assert undocumented == []
