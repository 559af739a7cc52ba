"""Short links to ad-hoc queries: /sparql?_q=ID opens the editor on a query kept in a small SQLite file.

The id is the first 80 bits of the query's SHA-256 in base 32, so saving the same query twice
gives the same link and a link can never point at another text. The file is ``PERMALINKS``
(default: ``permalinks.sqlite`` beside the store link), written by every worker (SQLite locks
it); it holds at most ``MAX_PERMALINKS`` queries, after which saving answers 503.
"""

from __future__ import annotations

import base64
import hashlib
import re
import sqlite3
from pathlib import Path

from flask import current_app

from .errors import Problem

MAX_PERMALINKS = 100_000
ID = re.compile(r"[a-z2-7]{16}")
SCHEMA = "CREATE TABLE IF NOT EXISTS permalink (id TEXT PRIMARY KEY, query TEXT NOT NULL, saved TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"


def link_id(query: str) -> str:
    """Name a query by its content.

    >>> link_id("ASK {}")
    'qgpkshwv6evtrthn'
    """
    return base64.b32encode(hashlib.sha256(query.encode()).digest()[:10]).decode().lower()


def database() -> Path:
    configured = current_app.config.get("PERMALINKS")
    return Path(configured) if configured else Path(current_app.config["STORE"]).parent / "permalinks.sqlite"


def connect() -> sqlite3.Connection:
    path = database()
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=5)
    connection.execute(SCHEMA)
    return connection


def save(query: str) -> str:
    """Keep a query and return its id (the same query keeps its id)."""
    identifier = link_id(query)
    connection = connect()
    try:
        with connection:
            (count,) = connection.execute("SELECT COUNT(*) FROM permalink").fetchone()
            known = connection.execute("SELECT 1 FROM permalink WHERE id = ?", (identifier,)).fetchone()
            if not known and count >= MAX_PERMALINKS:
                raise Problem(503, f"the short-link store is full ({MAX_PERMALINKS} queries); share the long link instead")
            connection.execute("INSERT OR IGNORE INTO permalink (id, query) VALUES (?, ?)", (identifier, query))
    finally:
        connection.close()
    return identifier


def load(identifier: str) -> str:
    """Return the query kept under an id, or raise a 404 Problem naming it."""
    if not ID.fullmatch(identifier):
        raise Problem(404, f"_q={identifier[:40]!r} is no short-link id (16 letters a-z and digits 2-7)")
    if not database().is_file():
        raise Problem(404, f"no query is kept under _q={identifier}")
    connection = connect()
    try:
        row = connection.execute("SELECT query FROM permalink WHERE id = ?", (identifier,)).fetchone()
    finally:
        connection.close()
    if row is None:
        raise Problem(404, f"no query is kept under _q={identifier}")
    return row[0]
