"""Fixtures of the security tests: a loopback listener that must receive nothing."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest


@pytest.fixture()
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A socket on 127.0.0.1 that records what each connection sends; yields its port and the records."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection = server.accept()[0]
            except OSError:
                continue
            received.append(b"connected")
            connection.settimeout(1.0)
            with contextlib.suppress(OSError):
                received.append(connection.recv(4096))
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()
