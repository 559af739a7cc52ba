"""The access log of the granian server: one line per request, written by the ASGI bridge in batches.

granian can write an access log itself (``log_access``), but it wraps every request in one more
coroutine and sends each line through Python's logging (a record, a dictionary, a strftime, a flush):
measured on one core under wrk (bench/endpoint.py, issue 15), about 130 µs of a unique point
lookup's 505 µs, more than the query. The bridge already knows what a line needs (the request,
the status it sent, when it started), so it writes the line itself, in granian's own format::

    [2026-12-06 16:07:42 +0000] 127.0.0.1 - "GET /sparql HTTP/1.1" 200 0.239

Lines are kept in memory and written together, as nginx's ``access_log … buffer= flush=`` does:
at most ``FLUSH_SECONDS`` after the first unwritten line, or at once when ``FLUSH_LINES`` wait.
A worker killed outright loses at most that last fraction of a second of lines.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TextIO

FLUSH_SECONDS = 0.05
FLUSH_LINES = 256


class AccessLog:
    """Format one line per answered request and write them to `stream` in batches (on the event loop)."""

    def __init__(self, stream: TextIO | Callable[[], TextIO]) -> None:
        self.stream = stream  # a callable is asked for the stream at each write: sys.stdout may be replaced
        self.lines: list[str] = []
        self.second, self.stamp = -1, ""
        self.flush_pending = False

    def request(self, scope: dict[str, Any], status: int, started: float) -> None:
        """Keep the line of a request that started at `started` (time.perf_counter) and was answered with `status`."""
        now = time.time()
        if int(now) != self.second:  # the stamp has a resolution of one second: formatted once a second
            self.second, self.stamp = int(now), time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(now))
        client = scope.get("client") or ("-", 0)
        milliseconds = (time.perf_counter() - started) * 1000
        self.lines.append(f'[{self.stamp}] {client[0]} - "{scope["method"]} {scope["path"]} HTTP/{scope.get("http_version", "1.1")}" '
                          f"{status} {milliseconds:.3f}\n")
        if len(self.lines) >= FLUSH_LINES:
            self.flush()
        elif not self.flush_pending:
            self.flush_pending = True
            try:
                asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)
            except RuntimeError:  # no event loop (a test calling the bridge's parts directly): write at once
                self.flush()

    def flush(self) -> None:
        """Write every kept line in one call."""
        self.flush_pending = False
        if not self.lines:
            return
        lines, self.lines = self.lines, []
        stream = self.stream() if callable(self.stream) else self.stream
        stream.write("".join(lines))
        stream.flush()
