"""Other real SPARQL servers for tests: the `oxigraph` command-line server (PyPI `oxigraph`, pinned in the test extra) and Virtuoso."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.server.conftest import ROOT, free_port, wait_until_up

# TEST VALUES: Wikidata-shaped, not Wikidata's data. Only the three item IDs are real (data/reference/provinces.csv);
# the populations are invented round numbers and the codes are the GB/T 2260 province prefixes.
WIKIDATA_SAMPLE = """\
# Test sample made by tests/server/engines.py. TEST VALUES, NOT REAL POPULATIONS.
<http://www.wikidata.org/entity/Q43194> <http://www.w3.org/2000/01/rdf-schema#label> "云南省"@zh .
<http://www.wikidata.org/entity/Q43194> <http://www.wikidata.org/prop/direct/P442> "53" .
<http://www.wikidata.org/entity/Q43194> <http://www.wikidata.org/prop/direct/P1082> "3000000"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://www.wikidata.org/entity/Q42392> <http://www.w3.org/2000/01/rdf-schema#label> "甘肃省"@zh .
<http://www.wikidata.org/entity/Q42392> <http://www.wikidata.org/prop/direct/P442> "62" .
<http://www.wikidata.org/entity/Q42392> <http://www.wikidata.org/prop/direct/P1082> "1000000"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://www.wikidata.org/entity/Q21208> <http://www.w3.org/2000/01/rdf-schema#label> "河北省"@zh .
<http://www.wikidata.org/entity/Q21208> <http://www.wikidata.org/prop/direct/P442> "13" .
<http://www.wikidata.org/entity/Q21208> <http://www.wikidata.org/prop/direct/P1082> "2000000"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://example.org/test/not-one-of-ours> <http://www.wikidata.org/prop/direct/P442> "99" .
<http://example.org/test/not-one-of-ours> <http://www.wikidata.org/prop/direct/P1082> "9000000"^^<http://www.w3.org/2001/XMLSchema#decimal> .
"""


def oxigraph_binary() -> str:
    """Return the oxigraph CLI installed beside this interpreter; skip only where it is genuinely missing, fail in CI."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if found is None:
        message = "the `oxigraph` command is not installed: pip install -e '.[test]' provides it (oxigraph==0.5.13)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def load(files: list[Path], location: Path) -> None:
    """Load RDF files (N-Triples, N-Quads, gzip or not, by extension) into an oxigraph database directory."""
    command = [oxigraph_binary(), "load", "--location", str(location), "--file", *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"oxigraph load failed: {done.stderr}"


def export_nquads(store: Path, path: Path) -> Path:
    """Export a store as gzip N-Quads to `path` with the real command line, as a bulk loader is given it."""
    command = [sys.executable, "-m", "gaoxin_kg.cli", "export", "--store", str(store), "--format", "nq", "--gzip", "--output", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return path


@contextmanager
def oxigraph_serving(location: Path, union_default_graph: bool = False) -> Iterator[str]:
    """Run `oxigraph serve-read-only` on a database at a free loopback port; yield its query endpoint URL, then stop it."""
    port = free_port()
    command = [oxigraph_binary(), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    command += ["--union-default-graph"] if union_default_graph else []
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/", process, log)
            yield f"http://127.0.0.1:{port}/query"
        finally:
            process.terminate()
            process.wait(timeout=15)


@contextmanager
def wikidata_sample_serving(directory: Path) -> Iterator[str]:
    """Serve the Wikidata-shaped test sample from `directory` with `oxigraph serve-read-only`; yield its query endpoint URL."""
    (directory / "sample.nt").write_text(WIKIDATA_SAMPLE, encoding="utf-8")
    load([directory / "sample.nt"], directory / "db")
    with oxigraph_serving(directory / "db") as endpoint:
        yield endpoint


# -- Virtuoso (Debian's virtuoso-opensource): the commands docs/federation.md shows are these, with its example values ------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile       = virtuoso.db
ErrorLogFile       = virtuoso.log
LockFile           = virtuoso.lck
TransactionFile    = virtuoso.trx
xa_persistent_file = virtuoso.pxa
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx

[Parameters]
ServerPort        = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed       = ., {data}
NumberOfBuffers   = 20000
MaxDirtyBuffers   = 15000
ThreadsPerQuery   = 2

[HTTPServer]
ServerPort    = 127.0.0.1:{http_port}
ServerRoot    = .
ServerThreads = 8
Charset       = UTF-8

[SPARQL]
ResultSetMaxRows           = 1000000
MaxQueryExecutionTime      = 60
MaxQueryCostEstimationTime = 400
"""
VIRTUOSO_START = "virtuoso-t +foreground +configfile virtuoso.ini"
VIRTUOSO_LOAD = (
    "isql-vt 127.0.0.1:{sql_port} dba dba exec=\"ld_dir('{data}', 'gaoxin-kg.nq.gz', 'https://w3id.org/gaoxin-kg/'); "
    "rdf_loader_run(); checkpoint; SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL; "
    "GRANT SPARQL_LOAD_SERVICE_DATA TO \\\"SPARQL\\\"; GRANT SPARQL_SPONGE TO \\\"SPARQL\\\";\""
)
VIRTUOSO_ENDPOINT = "http://127.0.0.1:{http_port}/sparql"
DOC_VALUES = {"sql_port": 1111, "http_port": 8890, "data": "/data"}  # the example values docs/federation.md uses


def virtuoso_commands() -> tuple[str, str]:
    """Return Virtuoso's server and isql commands; skip where they are missing, fail in CI (.ci/run installs them)."""
    found = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if None in found:
        message = "Virtuoso is not installed (virtuoso-t, isql-vt): apt-get install virtuoso-opensource (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found  # type: ignore[return-value]


@contextmanager
def virtuoso_serving(export: Path, directory: Path) -> Iterator[str]:
    """Start Virtuoso in `directory` (own database, own virtuoso.ini, loopback ports), bulk-load `export` into it; yield its SPARQL URL."""
    virtuoso_commands()
    values = {"sql_port": free_port(), "http_port": free_port(), "data": str(export.parent)}
    (directory / "virtuoso.ini").write_text(VIRTUOSO_INI.format(**values), encoding="utf-8")
    endpoint = VIRTUOSO_ENDPOINT.format(**values)
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(shlex.split(VIRTUOSO_START), cwd=directory, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            wait_until_up(endpoint + "?query=ASK%7B%7D", process, log, seconds=60)
            loaded = subprocess.run(shlex.split(VIRTUOSO_LOAD.format(**values)), capture_output=True, text=True, timeout=300)
            assert loaded.returncode == 0 and "0 Rows." in loaded.stdout, f"Virtuoso's bulk load failed: {loaded.stdout}{loaded.stderr}"
            yield endpoint
        finally:
            process.terminate()  # Virtuoso checkpoints and exits on SIGTERM
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
