"""Server fixtures: the app on the seed graph, its test client, a real gunicorn server, and headless Chromium."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import Quad, Store

from server import create_app

ROOT = Path(__file__).parents[2]
SCREENSHOTS = ROOT / "var" / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def app(built_store: Path) -> Flask:
    """The application on the seed graph, with a short query time limit."""
    return create_app({"STORE": built_store, "QUERY_TIMEOUT": 5.0, "TESTING": True})


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: IO[str], seconds: float = 30.0) -> None:
    """Poll a URL until the server answers, or fail with its output."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited with {process.returncode}: {log.read()}")
        try:
            requests.get(url, timeout=10)
            return
        except requests.RequestException:  # not listening yet, or still warming up
            time.sleep(0.2)
    raise TimeoutError(f"server at {url} did not come up in {seconds} s")


@contextmanager
def serving(store: Path, *options: str) -> Iterator[str]:
    """Run `gaoxin-kg serve` on a store at a free loopback port; yield its base URL, then stop it.

    A port found free can be taken by another process before the server binds it: then the
    server is started again on another port (at most three times).
    """
    for attempt in range(3):
        port = free_port()
        command = [sys.executable, "-m", "gaoxin_kg.cli", "serve", "--store", str(store), "--port", str(port), *options]
        # The access log goes to a file: a pipe nobody reads would fill up and stall the server.
        with tempfile.TemporaryFile("w+") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
            base = f"http://127.0.0.1:{port}"
            try:
                try:
                    wait_until_up(base + "/static/site.css", process, log)
                except RuntimeError as error:
                    if "Address already in use" in str(error) and attempt < 2:
                        continue
                    raise
                yield base
                return
            finally:
                process.terminate()
                process.wait(timeout=15)


@pytest.fixture(scope="session")
def live_server(built_store: Path) -> Iterator[str]:
    """`gaoxin-kg serve` on the seed graph (2 workers, 4 threads, 5 s time limit, 2 queries per client); yields its base URL."""
    with serving(built_store, "--workers", "2", "--threads", "4", "--timeout", "5", "--client-queries", "2") as base:
        yield base


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Headless Debian Chromium driven by Debian's chromedriver (no browser download)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def screenshot(driver, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Keep a screenshot of what the browser shows as a test artifact."""
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def store_link_of(root: Path, quads: list[Quad]) -> Path:
    """Write quads into a one-version store under root and return its store link, as `gaoxin-kg build` lays it out."""
    version = root / "store.versions" / "v1"
    version.mkdir(parents=True)
    store = Store(str(version))
    store.extend(quads)
    store.flush()
    del store
    gc.collect()  # the handle must be gone before a read-only open of the same directory
    (root / "store").symlink_to(version)
    return root / "store"


# -- the app on the embedded store beside another engine (test_other_engine.py, test_virtuoso.py) ----------------------------


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A loopback stand-in for the Wikidata Query Service, answering the federated query from a stored sample."""
    from tests.server.engines import wikidata_sample_serving

    with wikidata_sample_serving(tmp_path_factory.mktemp("wikidata-sample")) as endpoint:
        yield endpoint


def federation_options(wikidata: str) -> tuple[str, ...]:
    return ("--service-allow", wikidata.removesuffix("query"), "--service-endpoint", f"wikidata={wikidata}", "--workers", "1", "--threads", "4")


@pytest.fixture(scope="module")
def embedded(built_store: Path, wikidata: str) -> Iterator[str]:
    """Our server on the embedded store."""
    with serving(built_store, *federation_options(wikidata)) as base:
        yield base
