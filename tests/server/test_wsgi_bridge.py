"""The ASGI bridge granian serves the app through (server/asgi_bridge.py), driven with ASGI messages as granian sends them.

Over real HTTP the same promises are tested in tests/server/security/test_admission.py.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from server.asgi_bridge import BATCH_BYTES, CLIENT_GONE, ON_LOOP, Bridge, WouldWait

Environ = dict[str, Any]


def scope(path: str = "/", raw_path: bytes | None = None, query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None,
          method: str = "GET") -> dict[str, Any]:
    return {"type": "http", "http_version": "1.1", "method": method, "scheme": "http", "path": path, "raw_path": raw_path,
            "query_string": query, "root_path": "", "headers": headers or [], "client": ("127.0.0.5", 40000), "server": ("127.0.0.1", 8000)}


def exchange(bridge: Bridge, request_scope: dict[str, Any], incoming: list[tuple[float, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Run one request through the bridge: `incoming` are (delay, message) pairs receive() gives; return what it sent."""
    sent: list[dict[str, Any]] = []

    async def main() -> None:
        queue = list(incoming)

        async def receive() -> dict[str, Any]:
            if not queue:
                await asyncio.sleep(3600)  # a client that sends nothing more and stays connected
            delay, message = queue.pop(0)
            await asyncio.sleep(delay)
            return message

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await bridge(request_scope, receive, send)

    asyncio.run(main())
    return sent


def recording(answer: Callable[[Environ], Iterable[bytes]]) -> tuple[Callable[..., Iterable[bytes]], list[Environ]]:
    """A WSGI app that records its environ and answers 200 with `answer(environ)`."""
    seen: list[Environ] = []

    def app(environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append(environ)
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Test", "yes")])
        return answer(environ)

    return app, seen


def test_a_body_that_does_not_arrive_in_time_gets_408_and_never_reaches_the_app() -> None:
    app, seen = recording(lambda environ: [b"ran"])
    bridge = Bridge(app, threads=2, body_seconds=0.3, max_body=1000)
    started = time.monotonic()
    sent = exchange(bridge, scope(method="POST", headers=[(b"content-length", b"100")]), [(0.0, {"type": "http.request", "body": b"A", "more_body": True})])
    assert 0.3 <= time.monotonic() - started < 1.5
    assert sent[0]["status"] == 408 and (b"connection", b"close") in sent[0]["headers"]
    assert b"BODY_READ_TIMEOUT" in sent[1]["body"] and "请求体".encode() in sent[1]["body"]
    assert seen == []


def test_a_body_in_pieces_within_the_deadline_reaches_the_app_whole() -> None:
    app, seen = recording(lambda environ: [environ["wsgi.input"].read()])
    bridge = Bridge(app, threads=2, body_seconds=2.0, max_body=1000)
    pieces = [(0.05, {"type": "http.request", "body": b"ASK ", "more_body": True}), (0.05, {"type": "http.request", "body": b"{}", "more_body": False})]
    sent = exchange(bridge, scope(method="POST", headers=[(b"content-length", b"6")]), pieces)
    assert sent[0]["status"] == 200 and sent[-1]["body"] == b"ASK {}"
    assert seen[0]["CONTENT_LENGTH"] == "6"


def test_a_disconnect_while_the_app_runs_is_seen_through_client_gone() -> None:
    def wait_for_gone(environ: Environ) -> list[bytes]:
        started = time.monotonic()
        while not environ[CLIENT_GONE]() and time.monotonic() - started < 5:
            time.sleep(0.01)
        return [f"{time.monotonic() - started:.3f}".encode()]

    app, _ = recording(wait_for_gone)
    bridge = Bridge(app, threads=2, body_seconds=1.0, max_body=1000)
    sent = exchange(bridge, scope(), [(0.0, {"type": "http.request", "body": b"", "more_body": False}), (0.3, {"type": "http.disconnect"})])
    assert 0.25 <= float(sent[-1]["body"]) < 1.0  # seen as soon as the client left, not at the app's own 5 s


def test_the_environ_keeps_the_url_bytes_the_client_address_and_the_headers() -> None:
    app, seen = recording(lambda environ: [b""])
    raw = "/id/测试%2F".encode()
    headers = [(b"accept", b"text/html"), (b"accept", b"application/json"), (b"content-type", b"text/plain")]
    exchange(Bridge(app, threads=1, body_seconds=1.0, max_body=10), scope(path="/id/测试/", raw_path=raw, query=b"q=%E4%B8%AD&x=1", headers=headers), [])
    environ = seen[0]
    assert environ["PATH_INFO"] == "/id/测试/".encode().decode("latin-1")  # PEP 3333: the decoded URL bytes as Latin-1
    assert environ["QUERY_STRING"] == "q=%E4%B8%AD&x=1"
    assert environ["HTTP_ACCEPT"] == "text/html,application/json" and environ["CONTENT_TYPE"] == "text/plain"
    assert (environ["REMOTE_ADDR"], environ["SERVER_PORT"], environ["REQUEST_METHOD"]) == ("127.0.0.5", "8000", "GET")


def test_a_long_answer_is_sent_in_batches_and_closed() -> None:
    closed = []

    class Answer:
        def __iter__(self):  # type: ignore[no-untyped-def]
            return (bytes([n % 256]) * 65536 for n in range(10))

        def close(self) -> None:
            closed.append(True)

    app, _ = recording(lambda environ: Answer())
    sent = exchange(Bridge(app, threads=2, body_seconds=1.0, max_body=10), scope(), [])
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert len(bodies) >= 10 * 65536 // BATCH_BYTES and [m.get("more_body", False) for m in bodies][-1] is False
    assert b"".join(m["body"] for m in bodies) == b"".join(bytes([n]) * 65536 for n in range(10))
    assert (b"x-test", b"yes") in sent[0]["headers"] and closed == [True]


def test_a_body_over_the_limit_is_not_read_past_it() -> None:
    app, seen = recording(lambda environ: [environ["wsgi.input"].read()])
    chunked = scope(method="POST", headers=[(b"transfer-encoding", b"chunked")])
    pieces = [(0.0, {"type": "http.request", "body": b"x" * 8, "more_body": True}) for _ in range(5)]  # then nothing more
    sent = exchange(Bridge(app, threads=1, body_seconds=5.0, max_body=20), chunked, pieces)
    assert sent[-1]["body"] == b"x" * 24  # one piece past the limit (the app answers 413 on it), not waiting for the rest
    declared = scope(method="POST", headers=[(b"content-length", b"999999")])
    assert exchange(Bridge(app, threads=1, body_seconds=5.0, max_body=20), declared, [])[-1]["body"] == b""  # refused on its length


def test_a_quick_bridge_lets_the_app_answer_a_get_on_the_event_loop() -> None:
    def app(environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        ran_on.append((threading.current_thread().name, bool(environ.get(ON_LOOP))))
        if environ["PATH_INFO"] == "/slow" and environ.get(ON_LOOP):
            raise WouldWait
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"answered"]

    ran_on: list[tuple[str, bool]] = []
    sent = exchange(Bridge(app, threads=1, body_seconds=1.0, max_body=10, quick=True), scope(path="/quick"), [])
    assert sent[-1]["body"] == b"answered" and ran_on == [("MainThread", True)]
    ran_on.clear()
    sent = exchange(Bridge(app, threads=1, body_seconds=1.0, max_body=10, quick=True), scope(path="/slow"), [])
    assert sent[-1]["body"] == b"answered"
    assert ran_on == [("MainThread", True), ("gaoxin-request-0", False)]  # refused on the loop, then answered by a thread
    ran_on.clear()
    exchange(Bridge(app, threads=1, body_seconds=1.0, max_body=10), scope(path="/quick"), [])  # quick=False: never on the loop
    assert ran_on == [("gaoxin-request-0", False)]
    ran_on.clear()
    exchange(Bridge(app, threads=1, body_seconds=1.0, max_body=10, quick=True), scope(path="/quick", method="POST"), [])
    assert ran_on == [("gaoxin-request-0", False)]  # only a GET is offered to the loop
