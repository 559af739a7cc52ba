"""The server works on a read-only store folder and on a relative store path (issue 13, item 6)."""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from server import create_app
from server.dump_files import DUMPS


def read_only(folder: Path, store: Path) -> Iterator[Path]:
    """Make a folder immutable (chattr +i: even root cannot add a file), or skip where the file system cannot; yield the store."""
    result = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot make {folder} immutable here: {result.stderr.strip()}")
    try:
        yield store
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.fixture()
def read_only_store(built_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the seed store whose folder cannot be written; the temporary folder is the test's own."""
    root = tmp_path / "var"
    version = built_store.resolve()
    shutil.copytree(version, root / "store.versions" / version.name)
    (root / "store").symlink_to(Path("store.versions") / version.name)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    yield from read_only(root, root / "store")


def downloads(app: Flask) -> dict[str, tuple[int, bytes]]:
    client = app.test_client()
    paths = ["/dumps/", "/.well-known/void", *(f"/dumps/{name}" for name in DUMPS), *(f"/dumps/{name}.sha256" for name in DUMPS)]
    answers = {path: client.get(path) for path in paths}
    return {path: (response.status_code, response.data) for path, response in answers.items()}


def test_dumps_and_void_answer_on_a_read_only_store(read_only_store: Path, tmp_path: Path) -> None:
    with pytest.raises(OSError):
        (read_only_store.parent / "probe").touch()  # the test's premise: nothing can be written beside the store
    app = create_app({"STORE": read_only_store, "TESTING": True})
    try:
        answers = downloads(app)
    finally:
        app.extensions["gaoxin_executor"].close()
    assert {path: status for path, (status, _) in answers.items()} == dict.fromkeys(answers, 200)
    nquads = answers["/dumps/gaoxin-kg.nq.gz"][1]
    assert gzip.decompress(nquads).count(b"\n") > 1000
    assert answers["/dumps/gaoxin-kg.nq.gz.sha256"][1].decode().split()[0] == hashlib.sha256(nquads).hexdigest()
    assert b"void#Dataset" in answers["/.well-known/void"][1] or b"void:Dataset" in answers["/.well-known/void"][1]
    assert list((tmp_path / "tmp").glob("gaoxin-kg-*/*/*/gaoxin-kg.nq.gz"))  # made in the per-user temporary folder


def test_a_configured_cache_folder_holds_the_dumps(read_only_store: Path, tmp_path: Path) -> None:
    app = create_app({"STORE": read_only_store, "TESTING": True, "DUMPS_DIR": tmp_path / "cache"})
    try:
        assert app.test_client().get("/dumps/gaoxin-kg.trig.gz").status_code == 200
    finally:
        app.extensions["gaoxin_executor"].close()
    assert list((tmp_path / "cache").glob("*/gaoxin-kg.trig.gz"))


def test_a_relative_store_path_serves_the_dumps_from_any_folder(built_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `make serve` passes var/store, relative to the repository; Flask's send_file reads relative paths from server/.
    monkeypatch.chdir(built_store.parent)
    app = create_app({"STORE": Path(built_store.name), "TESTING": True, "DUMPS_DIR": tmp_path / "dumps"})
    try:
        assert app.config["STORE"].is_absolute()
        client = app.test_client()
        for name in DUMPS:
            response = client.get(f"/dumps/{name}")
            assert response.status_code == 200 and gzip.decompress(response.data)
    finally:
        app.extensions["gaoxin_executor"].close()
