"""Run the Flask (WSGI) app behind granian's ASGI interface, which tells what its WSGI interface does not.

granian's WSGI interface gives an application no sign that its client went away, and no
bound on the time a request body takes to arrive. Its ASGI interface does: ``receive()``
answers ``http.disconnect`` as soon as the client closes the connection. So `Bridge`:

1. reads the request body on the event loop, holding no thread, within ``BODY_READ_TIMEOUT``
   seconds; past it the answer is 408 and the connection is closed;
2. runs the WSGI app in a thread of its own pool (``--threads``); once it has run for WATCH_AFTER
   seconds (a cached answer or a static file is done by then, without the cost of a task) it
   waits on ``receive()``: a disconnect sets an event the app sees as ``environ["gaoxin.client_gone"]``
   (`server.admission.client_gone`), and the query process running for that request is killed;
3. sends the answer: whole when it is short, else in batches read by a pool thread;
4. writes the request's access-log line (`server.access_log`: cheaper than granian's own).

A GET without a body is first offered to the app on the event loop itself, with ``environ[ON_LOOP]``
set (when the bridge is made with ``quick=True``): the app answers at once what needs no waiting
(a response-cache hit, a small query: `server.sparql_fast`) and raises `WouldWait` for everything
else, before it has done anything that shows; the request then goes to a pool thread with a fresh
environ as above. The hand-off to a thread and back is most of what the bridge costs a short answer.
"""

from __future__ import annotations

import asyncio
import io
import queue
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

from .access_log import AccessLog

CLIENT_GONE = "gaoxin.client_gone"  # the environ key of the "has the client disconnected?" callable
ON_LOOP = "gaoxin.on_event_loop"  # set in the environ of a request the app may answer on the event loop, or refuse with WouldWait
WATCH_AFTER = 0.05  # seconds a request runs before the bridge listens for its client's disconnect
BATCH_BYTES = 256 * 1024  # an answer is sent whole up to this size, beyond it in batches of about this size
BODY_TOO_SLOW = ("请求体发送过慢，连接已关闭。 The request body did not arrive within {seconds:g} s "
                 "(BODY_READ_TIMEOUT); the connection is closed.\n")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class ClientDisconnected(Exception):
    """The client closed the connection before its request body arrived."""


class WouldWait(Exception):
    """Raised by an app called with ``environ[ON_LOOP]`` for a request it cannot answer without waiting: a thread answers it."""


class Bridge:
    """An ASGI application that answers HTTP requests with a WSGI application run in a thread pool."""

    def __init__(self, app: Callable[..., Iterable[bytes]], threads: int, body_seconds: float, max_body: int, quick: bool = False,
                 log: AccessLog | None = None) -> None:
        self.app, self.body_seconds, self.max_body, self.quick, self.log = app, body_seconds, max_body, quick, log
        self.pool = Threads(threads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # granian's "asginl" interface sends no lifespan events; websockets are off
            return
        if self.log is None:
            await self.answer(scope, receive, send)
            return
        started, status = time.perf_counter(), 500  # granian answers 500 when the app raises
        try:
            status = await self.answer(scope, receive, send)
        finally:
            self.log.request(scope, status, started)

    async def answer(self, scope: Scope, receive: Receive, send: Send) -> int:
        """Answer one HTTP request; return the status sent (499, as nginx logs it, when the client left before its body arrived)."""
        try:
            body = await self.read_body(scope, receive)
        except TimeoutError:
            await answer_text(send, 408, BODY_TOO_SLOW.format(seconds=self.body_seconds))
            return 408
        except ClientDisconnected:
            return 499
        if self.quick and scope["method"] == "GET" and not body:
            answered = on_loop(self.app, environ_of(scope, body))
            if answered is not None:
                await send({"type": "http.response.start", "status": answered.status, "headers": answered.headers})
                await send({"type": "http.response.body", "body": b"".join(answered.written)})
                return answered.status
        gone = threading.Event()
        environ = environ_of(scope, body)
        environ[CLIENT_GONE] = gone.is_set
        loop = asyncio.get_running_loop()
        watchers: list[asyncio.Task[None]] = []
        timer = loop.call_later(WATCH_AFTER, lambda: watchers.append(loop.create_task(watch_disconnect(receive, gone))))
        rest: Rest | None = None
        try:
            status, headers, chunks, rest = await self.pool.run(start, self.app, environ)
            await send({"type": "http.response.start", "status": status, "headers": headers})
            while rest is not None:
                await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})
                chunks, rest = await self.pool.run(next_batch, rest)
            await send({"type": "http.response.body", "body": b"".join(chunks)})
            return status
        finally:
            timer.cancel()
            for watcher in watchers:
                watcher.cancel()
            if rest is not None:  # the client left in the middle of a long answer
                close(rest[0])

    async def read_body(self, scope: Scope, receive: Receive) -> bytes:
        """Read the whole body within body_seconds (up to one byte past max_body: the app then answers 413)."""
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        if not length.strip(b"0 ") and b"chunked" not in headers.get(b"transfer-encoding", b"").lower():
            return b""  # no body (the disconnect watcher takes the empty message)
        if length.isdigit() and int(length) > self.max_body:
            return b""  # the app refuses it on its Content-Length
        parts, size = [], 0
        async with asyncio.timeout(self.body_seconds if self.body_seconds > 0 else None):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientDisconnected
                parts.append(message.get("body", b""))
                size += len(parts[-1])
                if not message.get("more_body") or size > self.max_body:
                    return b"".join(parts)


class Threads:
    """Request threads that run a function for the event loop and hand back its result (lighter than run_in_executor)."""

    def __init__(self, count: int) -> None:
        self.jobs: queue.SimpleQueue[tuple[asyncio.AbstractEventLoop, asyncio.Future[Any], Callable[..., Any], tuple[Any, ...]]] = queue.SimpleQueue()
        for n in range(max(1, count)):
            threading.Thread(target=self.work, name=f"gaoxin-request-{n}", daemon=True).start()

    def run(self, function: Callable[..., Any], *arguments: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.jobs.put((loop, future, function, arguments))
        return future

    def work(self) -> None:
        while True:
            loop, future, function, arguments = self.jobs.get()
            try:
                result, error = function(*arguments), None
            except BaseException as caught:  # handed to the request's coroutine, which raises it
                result, error = None, caught
            loop.call_soon_threadsafe(settle, future, result, error)


def settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


async def watch_disconnect(receive: Receive, gone: threading.Event) -> None:
    """Set `gone` when the client disconnects (cancelled once the answer is sent)."""
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


async def answer_text(send: Send, status: int, text: str) -> None:
    """Answer with a short text and close the connection."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text.encode()})


class Started:
    """The WSGI start_response callable: keeps the status and headers."""

    def __init__(self) -> None:
        self.status, self.headers, self.written = 500, [], []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        self.status = int(status.split(" ", 1)[0])
        self.headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        return self.written.append


Rest = tuple[Iterable[bytes], Iterator[bytes]]


def on_loop(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> Started | None:
    """Offer a request to the app on the event loop; return its whole answer, or None when it would wait (a thread answers it)."""
    environ[ON_LOOP] = True
    started = Started()
    try:
        iterable = app(environ, started)
    except WouldWait:
        return None
    try:
        started.written += list(iterable)  # a list already: an app answering on the loop answers whole
    finally:
        close(iterable)
    return started


def start(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], list[bytes], Rest | None]:
    """Call the WSGI app (in a pool thread); return its status, headers, first batch and what remains, if anything."""
    started = Started()
    iterable = app(environ, started)
    chunks, rest = next_batch((iterable, iter(iterable)))
    return started.status, started.headers, started.written + chunks, rest


def next_batch(rest: Rest) -> tuple[list[bytes], Rest | None]:
    """Read about BATCH_BYTES of an answer (in a pool thread); close it at its end (or on an error)."""
    iterable, iterator = rest
    chunks, size = [], 0
    try:
        for chunk in iterator:
            chunks.append(chunk)
            size += len(chunk)
            if size >= BATCH_BYTES:
                return chunks, rest
    except BaseException:
        close(iterable)
        raise
    close(iterable)
    return chunks, None


def close(iterable: Iterable[bytes]) -> None:
    if hasattr(iterable, "close"):
        iterable.close()


def environ_of(scope: Scope, body: bytes) -> dict[str, Any]:
    """Build the WSGI environ of an ASGI HTTP scope (PEP 3333: the path as the URL's bytes read as Latin-1)."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    raw_path = scope.get("raw_path")
    path = unquote_to_bytes(raw_path).decode("latin-1") if raw_path else scope["path"].encode().decode("latin-1")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode().decode("latin-1"),
        "PATH_INFO": path,
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope["headers"]:
        key = name.decode("latin-1").upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
        text = value.decode("latin-1")
        environ[key] = f"{environ[key]},{text}" if key in environ else text
    return environ
