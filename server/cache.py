"""Answer repeated requests from memory: the graph only changes on a rebuild, so every answer is cached per graph version.

Two layers share one LRU cache per server worker, bounded in bytes (``RESULT_CACHE_BYTES``; 0 turns caching off):

- **Responses.** A WSGI middleware in front of Flask keys each GET by (graph version, path, query string,
  Host, scheme, ``Accept``). A hit is answered from the stored status, headers and body without Flask,
  a query process or the store; a miss goes through the app, and a 200 answer of the sparql, queries,
  resources or dumps blueprints is stored on the way out (streamed files such as the dump downloads are
  not: they carry their own SHA-256 ETag, which Werkzeug answers with 304, and get the same Cache-Control).
  An answer to /sparql that a small query made (``server.small_queries``) is stored from its second
  request on (``CachingMiddleware.admitted``): answering it again costs less than storing it.
- **Query results.** ``executor.execute`` keys each result by (graph version, query text, substitutions,
  dataset, media type, row cap), so a canned page's parameter lists and a POSTed query are not run twice.
  A GET of /sparql whose response the middleware keeps does not keep its result too (``keep=False``):
  each unique answer is held once, and the same query asked again by GET is a response hit anyway.

The version (`server.graph`: the name of the directory the store link points at, or a remote build's digest) changes on every rebuild, so old entries
are never served again and age out of the LRU. Errors, refusals and timeouts are never cached: only
successful results and 200 responses are stored, so a query that timed out under load is run afresh.

HTTP caching: a cached GET carries ``ETag: "<hash of version and request key>"``, ``Cache-Control:
public, max-age=CACHE_MAX_AGE, must-revalidate`` (60 s: a browser or proxy reuses an answer for a minute,
then must ask again, so a rebuild shows within a minute) and ``Vary: Accept``. Because the tag is computed
from the request, the current version and a fingerprint of the settings and code alone, ``If-None-Match`` with a current tag gets 304 before
anything runs, even in a worker that never saw the request. ``X-Gaoxin-Cache: hit`` marks an answer from memory.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request

from graph_build.store.access import StoreError

from . import graph

STORED_BLUEPRINTS = frozenset({"sparql", "queries", "resources", "dumps"})
NOT_REPEATED_ON_HIT = frozenset({"content-length", "x-gaoxin-cache"})  # written again for the hit
NOT_REPEATED_ON_304 = frozenset({"content-type", "link"})  # describe a body a 304 does not have
ENTRY_OVERHEAD = 400  # bytes an entry costs beyond its body and key text (dict slot, tuples, objects)
FINGERPRINT_KEYS = ("ROW_CAP", "BASE_IRI", "QUERY_DIR", "SERVICE_ALLOW", "QUERY_TIMEOUT")  # settings an answer depends on
ENVIRON_KEY = "gaoxin.cache"  # where the middleware leaves (version, key, etag) for the after-request hook
SMALL_ANSWER_KEY = "gaoxin.small"  # set by the executor when a small query (server.small_queries) made the answer
SEEN_KEYS = 32_768  # how many keys of small answers asked once the middleware remembers (then it forgets them all)
SNAPSHOT_KEY = "gaoxin.snapshot"  # where the middleware leaves the snapshot it keyed a miss by
KEY_HEADERS = ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "HTTP_HOST", "wsgi.url_scheme", "HTTP_ACCEPT")

StartResponse = Callable[..., Any]


class ByteLRU:
    """A thread-safe least-recently-used map whose entries' sizes add up to at most `capacity` bytes."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used = 0
        self.hits = self.misses = self.stores = self.evictions = 0
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        """Return the value stored under `key` (marking it recently used), or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        """Store a value of `size` bytes, evicting the least recently used entries to make room."""
        if size > self.capacity:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self.used -= old[1] if old else 0
            while self._entries and self.used + size > self.capacity:
                _, (_, freed) = self._entries.popitem(last=False)
                self.used -= freed
                self.evictions += 1
            self._entries[key] = (value, size)
            self.used += size
            self.stores += 1

    def __len__(self) -> int:
        return len(self._entries)

    def held_keys(self) -> list[Hashable]:
        """List the keys held now, least recently used first."""
        with self._lock:
            return list(self._entries)

    def stats(self) -> dict[str, int]:
        """Count entries, bytes used, hits, misses, stores and evictions."""
        with self._lock:
            return {"entries": len(self._entries), "bytes": self.used, "capacity": self.capacity, "hits": self.hits,
                    "misses": self.misses, "stores": self.stores, "evictions": self.evictions}


@dataclass(frozen=True)
class StoredResponse:
    """A 200 answer as sent, and the headers of its hit and 304 variants, precomputed."""

    status: str
    hit_headers: tuple[tuple[str, str], ...]
    not_modified_headers: tuple[tuple[str, str], ...]
    body: bytes


def init_app(app: Flask) -> None:
    """Attach the cache and put its middleware in front of the app."""
    cache = ByteLRU(int(app.config["RESULT_CACHE_BYTES"]))
    app.extensions["gaoxin_cache"] = cache
    app.extensions["gaoxin_cache_control"] = cache_control(int(app.config["CACHE_MAX_AGE"]))
    if cache.capacity > 0:
        middleware = CachingMiddleware(app.wsgi_app, graph.reader_of(app), cache, int(app.config["CACHE_MAX_AGE"]), fingerprint(app))
        app.wsgi_app = middleware  # type: ignore[method-assign]
        app.after_request(mark_cacheable)


def fingerprint(app: Flask) -> str:
    """Sum up what besides the graph shapes an answer: the settings and the newest code, template or query file.

    Part of every ETag, so a tag from before a restart with new code or settings is not answered with 304.
    """
    settings = repr([app.config.get(key) for key in FINGERPRINT_KEYS])
    roots = [Path(__file__).parent, Path(app.config.get("QUERY_DIR") or Path(__file__).parent.parent / "queries")]
    files = [path for root in roots for path in root.rglob("*") if path.suffix != ".pyc" and path.is_file()]  # .pyc: written by whichever worker imports first
    newest = max((path.stat().st_mtime_ns for path in files), default=0)
    return hashlib.blake2b(f"{settings}{newest}".encode(), digest_size=6).hexdigest()


def cache_of(app: Flask) -> ByteLRU | None:
    """Return the app's cache, or None when caching is off."""
    cache = app.extensions.get("gaoxin_cache")
    return cache if cache is not None and cache.capacity > 0 else None


def response_kept() -> bool:
    """Tell whether the middleware will keep this request's answer whole, should the app answer 200 (a GET it saw)."""
    return ENVIRON_KEY in request.environ


def entity_tag(version: str, key: tuple[str, ...]) -> str:
    """Compute the strong ETag of an answer from the graph version and the request key.

    >>> entity_tag("v1", ("", "/sparql", "query=ASK%7B%7D", "h", "http", "*/*"))
    '"968d8491a08897954548a888"'
    """
    return '"' + hashlib.blake2b("\x1f".join((version, *key)).encode(), digest_size=12).hexdigest() + '"'


def cache_control(max_age: int) -> str:
    """Say how long browsers and proxies may reuse an answer before they must revalidate it."""
    return f"public, max-age={max_age}, must-revalidate"


def matches(if_none_match: str, etag: str) -> bool:
    """Tell whether an If-None-Match header names this ETag, weak or strong.

    ``*`` is left to the app: it would answer 304 for a path that has no representation.

    >>> matches('W/"a", "b"', '"b"'), matches('"a"', '"b"'), matches("*", '"b"')
    (True, False, False)
    """
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


class CachingMiddleware:
    """Answer GETs from the response cache or with 304, and store cacheable answers of the app."""

    def __init__(self, app: Callable[..., Iterable[bytes]], reader: graph.Reader, cache: ByteLRU, max_age: int, fingerprint: str = "") -> None:
        self.app, self.reader, self.cache, self.fingerprint = app, reader, cache, fingerprint
        self.cache_control = cache_control(max_age)
        self.seen: set[int] = set()  # hashes of the keys of small answers asked once (admitted)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "GET" or environ.get("PATH_INFO", "").startswith("/static/"):
            return self.app(environ, start_response)
        try:
            snapshot = self.reader.current()  # the same snapshot the app's request will read unless a rebuild comes between
            version = snapshot.version_id
        except (StoreError, OSError):  # no graph yet, or the endpoint is unreachable: the app answers 503
            return self.app(environ, start_response)
        key = tuple(environ.get(name, "") for name in KEY_HEADERS)
        stored: StoredResponse | None = self.cache.get((version, key))
        etag = entity_tag(version + self.fingerprint, key)
        if "HTTP_IF_NONE_MATCH" in environ and matches(environ["HTTP_IF_NONE_MATCH"], etag):
            start_response("304 Not Modified", list(stored.not_modified_headers) if stored else self.validators(etag, version))
            return [b""]
        if stored is not None:
            start_response(stored.status, list(stored.hit_headers))  # a copy: a server may change the list it is given
            return [stored.body]
        environ[ENVIRON_KEY] = (version, key, etag)
        environ[SNAPSHOT_KEY] = snapshot  # the /sparql fast path reads this one instead of asking again (server.sparql_fast)
        return self.remember(environ, start_response)

    def validators(self, etag: str, version: str) -> list[tuple[str, str]]:
        """Return the headers a 304 repeats: the validator, caching rules and the version."""
        return [("ETag", etag), ("Cache-Control", self.cache_control), ("Vary", "Accept"), ("X-Gaoxin-Graph-Version", version)]

    def remember(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Run the app and, when its hook marked the answer cacheable, store status, headers and body."""
        sent: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        body = self.app(environ, capture)
        if not environ.get(ENVIRON_KEY + ".store") or not self.admitted(environ):
            return body
        try:
            content = b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
        self.store_response(environ[ENVIRON_KEY], sent[0], sent[1], content)
        return [content]

    def admitted(self, environ: dict[str, Any]) -> bool:
        """Tell whether to store a cacheable answer: at once, unless it is a small query's answer to /sparql asked for the first time.

        A small query costs less to answer again than to store (its matches are bounded: server.small_queries), so its
        answer is kept from its second request on, as caches keep "one-hit wonders" out. A key is remembered by its
        hash among the last SEEN_KEYS first requests (a collision only stores an answer early). A stream of unique
        point lookups then costs the cache nothing (docs/performance.md, "Small answers kept when asked twice").
        """
        if not environ.get(SMALL_ANSWER_KEY) or environ.get("PATH_INFO") != "/sparql":
            return True
        seen = hash(environ[ENVIRON_KEY][:2])  # (version, request key)
        if seen in self.seen:
            return True
        if len(self.seen) >= SEEN_KEYS:
            self.seen.clear()
        self.seen.add(seen)
        return False

    def store_response(self, marked: tuple[str, tuple[str, ...], str], status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        """Keep an answer with its hit and 304 headers precomputed."""
        version, key, etag = marked
        kept = [header for header in headers if header[0].lower() not in NOT_REPEATED_ON_HIT]
        hit = (*kept, ("Content-Length", str(len(body))), ("X-Gaoxin-Cache", "hit"))
        not_modified = tuple(header for header in kept if header[0].lower() not in NOT_REPEATED_ON_304)
        size = len(body) + sum(map(len, chain.from_iterable(headers))) * 3 + sum(map(len, key)) + ENTRY_OVERHEAD
        self.cache.put((version, key), StoredResponse(status, hit, not_modified, body), size)


def mark_cacheable(response: Response) -> Response:
    """Give a cacheable answer its ETag and caching headers and let the middleware store it."""
    environ = request.environ
    marked = environ.get(ENVIRON_KEY)
    if marked is None or response.status_code != 200:
        return response
    headers = response.headers
    if response.direct_passthrough:
        if "ETag" in headers:  # a dump file with its SHA-256 tag, answered with 304 by Werkzeug
            headers["Cache-Control"] = current_app.extensions["gaoxin_cache_control"]
        return response
    if not cacheable(response, marked[0]):
        return response
    vary = headers.get("Vary")  # read as text: parsing it with response.vary costs more than the rest of this hook
    if not vary:
        headers["Vary"] = "Accept"
    elif "accept" not in vary.lower():
        headers["Vary"] = vary + ", Accept"
    headers.add("ETag", marked[2])
    headers.add("Cache-Control", current_app.extensions["gaoxin_cache_control"])
    headers.add("X-Gaoxin-Cache", "miss")
    environ[ENVIRON_KEY + ".store"] = True
    return response


def cacheable(response: Response, version: str) -> bool:
    """Tell whether an answer may be stored: a whole body of a graph blueprint, from the version in the key."""
    if response.is_streamed or request.blueprint not in STORED_BLUEPRINTS or "ETag" in response.headers:
        return False
    answered_by = graph.answered_by()
    return answered_by is None or answered_by == version  # a rebuild between key and answer: not stored under the old version
