"""Load Virtuoso several times and count how often the canned queries through `skos:broader*` give the embedded store's rows, as written and rewritten.

    .venv/bin/python bench/virtuoso_paths.py STORE [--loads 3] [--values 3]

Virtuoso 7.2 answers a join through a zero-or-more path with a bound end with no rows on some loads
of the same data (server/remote_paths.py). Each load exports STORE with `gaoxin-kg export` once,
starts Virtuoso on a fresh database (tests/server/engines.virtuoso_serving, the commands
docs/federation.md shows) and bulk-loads it; then every canned query with `skos:broader*` runs
unbound and with `--values` values of its parameter (the most used ones, and the least in IRI
order), once as written and once as `server.remote.portable` sends it, and its rows (as a bag) are
compared with the embedded store's answer to the text as written. Prints, per load and form, the
cases that gave the same rows, then the triples Virtuoso holds in all and in the project's graphs.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyoxigraph import NamedNode, Store, Variable  # noqa: E402

from graph_build import canned  # noqa: E402
from graph_build.vocab import ID  # noqa: E402
from server.remote import Endpoint, RemoteStore, portable  # noqa: E402
from server.void import OURS, TRIPLES  # noqa: E402
from tests.server.engines import export_nquads, virtuoso_serving  # noqa: E402

Rows = Counter[tuple[str, ...]]


def rows(results: object) -> Rows:
    names = [v.value for v in results.variables]  # type: ignore[attr-defined]
    return Counter(tuple(str(row[n]) if row[n] is not None else "" for n in names) for row in results)  # type: ignore[attr-defined]


def cases(store: Store, values: int) -> list[tuple[str, str, dict[Variable, NamedNode]]]:
    """Each canned query through skos:broader*, unbound and with some values of its parameter."""
    found = []
    for name, query in sorted(canned.load_all().items()):
        if "skos:broader*" not in query.sparql:
            continue
        found.append((name, query.sparql, {}))
        for parameter in query.parameters:
            used = Counter(r[parameter.name] for r in store.query(query.sparql, use_default_graph_as_union=True) if r[parameter.name] is not None)
            for value in [v for v, _ in used.most_common(values - 1)] + [min(used, key=str)]:
                found.append((name, query.sparql, {Variable(parameter.name): value}))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--values", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores shared: figures on a contended machine)")
    store = Store.read_only(str(args.store.resolve()))
    found = cases(store, args.values)
    expected = [rows(store.query(sparql, substitutions=bound, use_default_graph_as_union=True)) for _, sparql, bound in found]
    print(f"{len(found)} cases: " + ", ".join(sorted({name for name, _, _ in found})))
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / "data").mkdir()  # Virtuoso's DirsAllowed: a directory holding the export only
        export = export_nquads(args.store, Path(work) / "data" / "gaoxin-kg.nq.gz")
        for load in range(args.loads):
            database = Path(work) / f"db{load}"
            database.mkdir()
            with virtuoso_serving(export, database) as url:
                remote = RemoteStore(Endpoint(url, 120.0))  # the text as given: this script applies portable itself
                for form, write in (("as written", str), ("rewritten", portable)):
                    same = sum(rows(remote.query(write(sparql), substitutions=bound)) == want for (_, sparql, bound), want in zip(found, expected, strict=True))
                    print(f"load {load + 1}: {form:10} {same}/{len(found)} cases give the embedded store's rows")
                every = int(next(iter(remote.query(TRIPLES.format(ours=""))))["n"].value)  # type: ignore[call-overload]
                ours = int(next(iter(remote.query(TRIPLES.format(ours=OURS))))["n"].value)  # type: ignore[call-overload]
                print(f"load {load + 1}: Virtuoso holds {every:,} triples in named graphs, {ours:,} in those under {ID} (the store: {len(store):,})")
    print("command: " + shlex.join([".venv/bin/python", "bench/virtuoso_paths.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
