"""The one accessor to a built store: open the current version read-only and query it."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions, QueryTriples, Store, Variable

DEFAULT_STORE = Path("var/store")


class StoreError(RuntimeError):
    """A store that is missing or cannot be opened."""


def current_version(store_dir: Path) -> Path:
    """Return the version directory the store link points at, or raise StoreError."""
    if not store_dir.exists():
        raise StoreError(f"{store_dir}: no graph built yet; run `gaoxin-kg build --store {store_dir}` first")
    return store_dir.resolve()


def open_read_only(store_dir: Path) -> Store:
    """Open the current version of a store read-only: a snapshot any number of processes may share."""
    return Store.read_only(str(current_version(store_dir)))


def run_query(
    store: Store, sparql: str, substitutions: dict[Variable, NamedNode | Literal] | None = None
) -> QuerySolutions | QueryBoolean | QueryTriples:
    """Run a SPARQL query with the union of all named graphs as the default graph."""
    return store.query(sparql, use_default_graph_as_union=True, substitutions=substitutions or {})
