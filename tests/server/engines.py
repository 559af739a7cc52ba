"""A second, real SPARQL server for tests: the `oxigraph` command-line server (PyPI `oxigraph`, pinned in the test extra)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.server.conftest import free_port, wait_until_up

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
