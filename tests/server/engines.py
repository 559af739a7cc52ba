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
