"""The access log the ASGI bridge writes (server/access_log.py): granian's line format, batched writes, and over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests

from server import access_log
from server.access_log import AccessLog
from server.asgi_bridge import Bridge

from .conftest import ROOT, free_port, wait_until_up
from .test_wsgi_bridge import exchange, recording, scope

LINE = re.compile(r'\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] (?P<client>\S+) - "(?P<method>[A-Z]+) (?P<path>\S+) HTTP/1\.1" (?P<status>\d{3}) \d+\.\d{3}\n')


class Writes(io.StringIO):
    """A stream that counts its write calls."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def write(self, text: str) -> int:
        self.calls += 1
        return super().write(text)


def test_a_line_has_granians_format_and_waits_for_the_batch_on_the_event_loop() -> None:
    stream = Writes()
    log = AccessLog(stream)
    request = scope(path="/sparql")

    async def main() -> tuple[str, str]:
        log.request(request, 200, time.perf_counter())
        log.request(request, 404, time.perf_counter())
        before = stream.getvalue()
        await asyncio.sleep(access_log.FLUSH_SECONDS * 4)
        return before, stream.getvalue()

    before, after = asyncio.run(main())
    assert before == ""  # kept for the batch
    lines = after.splitlines(keepends=True)
    assert [LINE.fullmatch(line)["status"] for line in lines] == ["200", "404"]  # type: ignore[index]
    assert LINE.fullmatch(lines[0])["client"] == "127.0.0.5" and LINE.fullmatch(lines[0])["path"] == "/sparql"  # type: ignore[index]
    assert stream.calls == 1  # both lines in one write


def test_a_full_batch_is_written_at_once() -> None:
    stream = Writes()
    log = AccessLog(stream)

    async def main() -> int:
        for _ in range(access_log.FLUSH_LINES):
            log.request(scope(), 200, time.perf_counter())
        return stream.getvalue().count("\n")

    assert asyncio.run(main()) == access_log.FLUSH_LINES
    assert stream.calls == 1


def answers_through(bridge_app: Callable[..., Iterable[bytes]], request: dict[str, Any], incoming: list[Any], **options: Any) -> list[str]:
    """Send one request through a bridge with an access log; return the log's lines."""
    stream = io.StringIO()
    log = AccessLog(stream)
    with contextlib.suppress(RuntimeError):  # an app that raises: granian would answer 500
        exchange(Bridge(bridge_app, threads=1, body_seconds=options.get("body_seconds", 1.0), max_body=100, log=log), request, incoming)
    log.flush()  # asyncio.run closed the loop before the batch's timer
    return stream.getvalue().splitlines(keepends=True)


def test_the_bridge_logs_the_status_it_sent() -> None:
    app, _ = recording(lambda environ: [b"ok"])
    [line] = answers_through(app, scope(path="/id/doc/x"), [])
    assert LINE.fullmatch(line)["status"] == "200" and LINE.fullmatch(line)["path"] == "/id/doc/x"  # type: ignore[index]


def test_a_slow_body_is_logged_as_408_and_an_app_that_raises_as_500() -> None:
    app, _ = recording(lambda environ: [b"ok"])
    post = scope(method="POST", headers=[(b"content-length", b"10")])
    [slow] = answers_through(app, post, [(2.0, {"type": "http.request", "body": b"x" * 10})], body_seconds=0.2)
    assert LINE.fullmatch(slow)["status"] == "408"  # type: ignore[index]

    def broken(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        raise RuntimeError("a bug")

    [failed] = answers_through(broken, scope(), [])
    assert LINE.fullmatch(failed)["status"] == "500"  # type: ignore[index]


def test_the_server_writes_one_line_per_request_over_http(built_store: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "gaoxin_kg.cli", "serve", "--store", str(built_store), "--port", str(port), "--workers", "1"]
    with tempfile.NamedTemporaryFile("w+") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base + "/static/site.css", process, log)
            assert requests.get(base + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10).status_code == 200
            assert requests.get(base + "/no-such-page", timeout=10).status_code == 404
            deadline, lines = time.monotonic() + 5, []
            while time.monotonic() < deadline:
                lines = [m.groupdict() for m in map(LINE.fullmatch, Path(log.name).read_text().splitlines(keepends=True)) if m]
                if any(line["path"] == "/no-such-page" for line in lines):
                    break
                time.sleep(0.05)
        finally:
            process.terminate()
            process.wait(timeout=15)
    assert {"client": "127.0.0.1", "method": "GET", "path": "/sparql", "status": "200"} in lines
    assert {"client": "127.0.0.1", "method": "GET", "path": "/no-such-page", "status": "404"} in lines
    assert sum(line["path"] == "/sparql" for line in lines) == 1  # one line a request: granian's own log is off
