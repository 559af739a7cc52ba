"""Evaluate allow-listed SERVICE clauses in the server itself, so that no query process ever has network.

pyoxigraph would call a ``SERVICE`` endpoint itself, resolving its host name again at that
moment: a name checked a moment before (public address) could then point at 127.0.0.1
(DNS rebinding). So the server does the call: for each ``SERVICE [SILENT] <iri> { group }``
(found on the grammar's terminals, `server.sparql_text`) it

1. resolves the endpoint's host once and checks every address (global, or the host and port
   named by a ``SERVICE_ALLOW`` entry), `pinned_addresses`;
2. sends ``PROLOGUE SELECT * WHERE { group }`` to the endpoint by the SPARQL 1.1 Protocol
   (POST, form-encoded) over a socket connected to one of those checked addresses, with the
   Host header and TLS server name and certificate check on the host name: nothing resolves
   the name a second time (`fetch`). A redirect is not followed; the answer is cut at
   ``SERVICE_ANSWER_BYTES`` and the call at ``SERVICE_TIMEOUT`` seconds;
3. writes the SPARQL JSON answer as ``VALUES (?a ?b) { (...) (UNDEF ...) }`` in place of the
   clause (`values_block`). A failed ``SERVICE SILENT`` becomes ``VALUES () { () }``, the one
   empty solution that joins with anything unchanged (SPARQL 1.1 Federated Query, SERVICE SILENT).

The rewritten query then runs in an ordinary query process, which cannot open a socket
(`server.sandbox`). This is the algebra's own evaluation: SPARQL 1.1 Federated Query
translates ``SERVICE`` to ``Service(endpoint, P, silent)``, evaluated as the remote
endpoint's answer to ``P`` alone, which the group joins like any inline data (SPARQL 1.1 Query
§18.2.2.6: both are ``Join(G, ...)``). Refused (400): a variable endpoint, a ``SERVICE``
inside another, and ``\\u`` escapes in a query with ``SERVICE``; a blank node in an answer
cannot be written in ``VALUES`` and fails the call.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from pyoxigraph import BlankNode, Literal, NamedNode, QueryResultsFormat, QuerySolutions, parse_query_results

from . import sparql_text

Resolver = Callable[[str, int], list[str]]
SILENT = re.compile(r"\s*+SILENT", re.IGNORECASE)
SPACE = re.compile(r"\s*+")
BRACE = re.compile(r"[{}]")
IRI_TEXT = re.compile(r'[^<>"{}|^`\\\x00-\x20]*+')  # what an IRIREF may hold between < and > (SPARQL 1.1 §19.8)
IDENTITY = "VALUES () { () }"  # one solution binding nothing: the identity of join
ACCEPT = "application/sparql-results+json"
CHUNK = 64 * 1024


class ServiceRefused(ValueError):
    """A SERVICE clause this server will not call or cannot rewrite (the request is refused)."""


class ServiceFailed(RuntimeError):
    """An endpoint that could not be called, or whose answer cannot be used (SERVICE SILENT ignores it)."""


@dataclass(frozen=True)
class ServiceCall:
    """One SERVICE clause: its span [start, end) in the query text, endpoint, SILENT flag and group text with braces."""

    start: int
    end: int
    endpoint: str
    silent: bool
    group: str


def find_calls(text: str) -> list[ServiceCall]:
    """Find every SERVICE clause of a query, refusing the forms this server does not evaluate.

    >>> [(c.endpoint, c.silent, c.group) for c in find_calls("PREFIX e: <http://a/> SELECT * { SERVICE SILENT e:q { ?s ?p '}' } }")]
    [('http://a/q', True, "{ ?s ?p '}' }")]
    """
    blanked = sparql_text.blank(text)
    offsets = sparql_text.service_keywords(blanked.code)
    if offsets and sparql_text.decode_escapes(text) != text:
        raise ServiceRefused("a query with SERVICE may not use \\u or \\U escapes: write those characters as they are")
    prefixes, base = sparql_text.prefixes_and_base(blanked)
    starts = sparql_text.line_starts(text)
    calls: list[ServiceCall] = []
    for offset in offsets:
        where = "line {}, column {}".format(*sparql_text.line_column(starts, offset))
        if calls and offset < calls[-1].end:
            raise ServiceRefused(f"the SERVICE clause at {where} is inside another SERVICE clause: nested SERVICE is not supported")
        calls.append(read_call(blanked, offset, prefixes, base, where))
    return calls


def read_call(blanked: sparql_text.Blanked, offset: int, prefixes: dict[str, str], base: str | None, where: str) -> ServiceCall:
    """Read the SERVICE clause whose keyword starts at `offset`: endpoint, SILENT, and its group up to the matching brace."""
    after = offset + len("SERVICE")
    endpoint, variable = sparql_text.service_endpoint(blanked, after, prefixes, base)
    if variable or endpoint is None:
        raise ServiceRefused(f"the SERVICE clause at {where} has no fixed endpoint IRI: a variable endpoint is not supported")
    silent = SILENT.match(blanked.code, after)
    target = sparql_text.SERVICE_TARGET.match(blanked.code, after)
    if target is None:  # cannot be: service_endpoint read an endpoint there
        raise ServiceRefused(f"the SERVICE clause at {where} has no endpoint IRI")
    end_of_target = blanked.code.index(">", target.end()) + 1 if target.group("iri") else target.end()
    opening = SPACE.match(blanked.code, end_of_target).end()  # type: ignore[union-attr]  # always matches
    closing = matching_brace(blanked.code, opening)
    if closing is None:
        raise ServiceRefused(f"the SERVICE clause at {where} is not followed by a {{ group }}")
    return ServiceCall(offset, closing + 1, endpoint, silent is not None, blanked.text[opening : closing + 1])


def matching_brace(code: str, opening: int) -> int | None:
    """Return the offset of the brace closing the one at `opening` in blanked code, or None.

    >>> matching_brace("{ { } ( ) } }", 0), matching_brace("x {", 0), matching_brace("{ {", 0)
    (10, None, None)
    """
    if not code.startswith("{", opening):
        return None
    depth = 0
    for match in BRACE.finditer(code, opening):
        depth += 1 if match.group() == "{" else -1
        if depth == 0:
            return match.start()
    return None


def subquery(text: str, call: ServiceCall) -> str:
    """Write the query sent to the endpoint: the query's PREFIX and BASE declarations, then SELECT * WHERE and the group.

    >>> text = "PREFIX e: <http://a/> ASK { SERVICE <http://b/> { ?s e:p ?o } }"
    >>> subquery(text, find_calls(text)[0])
    'PREFIX e: <http://a/> \\nSELECT * WHERE { ?s e:p ?o }'
    """
    prologue = sparql_text.PROLOGUE.match(sparql_text.blank(text).code).end()  # type: ignore[union-attr]  # always matches
    return f"{text[:prologue]}\nSELECT * WHERE {call.group}"


# Calling the endpoint on a checked address ---------------------------------------------------


def system_resolve(host: str, port: int) -> list[str]:
    """Resolve a host name to its addresses with the system resolver (once per SERVICE call)."""
    return list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


def pinned_addresses(iri: str, allow: tuple[str, ...], resolve: Resolver = system_resolve) -> list[str]:
    """Resolve an endpoint's host once and return its addresses, refusing any on this machine or a private network.

    An address literal is not resolved. A host and port that an allow-list entry names
    literally may resolve to anything (the operator listed it); any other host must
    resolve only to global addresses, so that a public-looking name cannot lead here.

    >>> pinned_addresses("http://127.0.0.1:9/s", ("http://127.0.0.1:9/",)), pinned_addresses("http://[2001:4860::8888]/", ("*",), lambda h, p: [])
    (['127.0.0.1'], ['2001:4860::8888'])
    """
    endpoint = sparql_text.parse_endpoint(iri)
    if endpoint is None:
        raise ServiceRefused(f"SERVICE endpoint <{iri}> is not a plain http(s) URL")
    named = any((endpoint.scheme, endpoint.host, endpoint.port) == (e.scheme, e.host, e.port) for e in sparql_text.allow_entries(allow))
    if is_address(endpoint.host):
        addresses = [endpoint.host]
    else:
        try:
            addresses = resolve(endpoint.host, endpoint.port)
        except OSError as error:
            raise ServiceFailed(f"SERVICE endpoint <{iri}>: its host {endpoint.host} cannot be resolved ({error})") from error
    internal = [a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_global]
    if internal and not named:
        raise ServiceRefused(f"SERVICE endpoint <{iri}> refused: its host {endpoint.host} resolves to "
                             f"{', '.join(internal)}, on this machine or a private network")
    if not addresses:
        raise ServiceFailed(f"SERVICE endpoint <{iri}>: its host {endpoint.host} has no address")
    return addresses


def is_address(host: str) -> bool:
    """Tell whether a canonical host is an IP address (then nothing resolves it)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def connect(addresses: list[str], port: int, timeout: float) -> socket.socket:
    """Open a TCP connection to the first checked address that answers, by number (no name is looked up)."""
    failure: OSError = OSError("no address")
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect((address, port))
            return sock
        except OSError as error:
            sock.close()
            failure = error
    raise failure


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a host name whose socket goes to addresses checked beforehand."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses
        self.pinned: socket.socket | None = None  # kept: http.client drops `sock` once a response owns it

    def connect(self) -> None:
        self.sock = self.pinned = connect(self.addresses, self.port, self.timeout)  # type: ignore[arg-type]


class PinnedHTTPSConnection(PinnedHTTPConnection):
    """The same over TLS: the server name and the certificate are those of the host name, the socket goes to the address."""

    default_port = 443

    def connect(self) -> None:
        sock = connect(self.addresses, self.port, self.timeout)  # type: ignore[arg-type]
        self.sock = self.pinned = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)


def fetch(iri: str, addresses: list[str], sparql: str, timeout: float, answer_bytes: int) -> bytes:
    """POST a query to an endpoint over a connection to the checked addresses; return its answer's bytes, within the limits."""
    endpoint = sparql_text.parse_endpoint(iri)
    if endpoint is None:  # pinned_addresses refused it already
        raise ServiceRefused(f"SERVICE endpoint <{iri}> is not a plain http(s) URL")
    kind = PinnedHTTPSConnection if endpoint.scheme == "https" else PinnedHTTPConnection
    connection = kind(endpoint.host, endpoint.port, addresses, timeout)
    parts = urlsplit(iri)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    late = threading.Event()
    watchdog = threading.Timer(timeout, shut, (connection, late))  # a server that drips its answer is cut at the deadline
    watchdog.start()
    try:
        connection.request("POST", target, urlencode({"query": sparql}),
                           {"Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "gaoxin-kg"})
        response = connection.getresponse()
        if response.status != 200:
            moved = ", a redirect, which is not followed" if 300 <= response.status < 400 else ""
            raise ServiceFailed(f"SERVICE endpoint <{iri}> answered HTTP {response.status} {response.reason}{moved}")
        body = read_capped(response, iri, answer_bytes)
    except (OSError, http.client.HTTPException) as error:
        if late.is_set() or isinstance(error, TimeoutError):
            raise ServiceFailed(f"SERVICE endpoint <{iri}> did not answer within {timeout:.2g} s") from error
        raise ServiceFailed(f"SERVICE endpoint <{iri}> could not be called: {error or type(error).__name__}") from error
    finally:
        watchdog.cancel()
        connection.close()
        if connection.pinned is not None:
            connection.pinned.close()
    if late.is_set():  # the read ended because the watchdog shut the socket: the answer is cut, not whole
        raise ServiceFailed(f"SERVICE endpoint <{iri}> did not answer within {timeout:.2g} s")
    return body


def shut(connection: PinnedHTTPConnection, late: threading.Event) -> None:
    """Shut a connection's socket down from another thread, so that a blocked read returns at once, and say so."""
    late.set()
    if connection.pinned is not None:
        with suppress(OSError):
            connection.pinned.shutdown(socket.SHUT_RDWR)


def read_capped(response: http.client.HTTPResponse, iri: str, answer_bytes: int) -> bytes:
    """Read a response body, failing as soon as it exceeds the byte cap."""
    chunks, size = [], 0
    while chunk := response.read1(CHUNK):
        size += len(chunk)
        if size > answer_bytes:
            raise ServiceFailed(f"SERVICE endpoint <{iri}> answered more than the {answer_bytes:,} byte cap (SERVICE_ANSWER_BYTES)")
        chunks.append(chunk)
    return b"".join(chunks)


# Writing the answer as inline data -------------------------------------------------------------


def values_block(body: bytes, iri: str) -> str:
    """Write a SPARQL JSON results document as a VALUES block (one row per solution, UNDEF where unbound).

    >>> values_block(b'{"head": {"vars": ["a", "b"]}, "results": {"bindings": [{"a": {"type": "uri", "value": "http://x/"}},'
    ...              b' {"b": {"type": "literal", "value": "3", "xml:lang": "zh"}}]}}', "http://e/")
    'VALUES (?a ?b) { (<http://x/> UNDEF) (UNDEF "3"@zh) }'
    """
    try:
        solutions = parse_query_results(body, format=QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as error:
        raise ServiceFailed(f"SERVICE endpoint <{iri}> did not answer SPARQL JSON results: {error}") from error
    if not isinstance(solutions, QuerySolutions):
        raise ServiceFailed(f"SERVICE endpoint <{iri}> answered a boolean, not solutions")
    names = [variable.value for variable in solutions.variables]
    rows = [f"({' '.join(data_value(term, iri) for term in solution)})" for solution in solutions]
    return f"VALUES ({' '.join('?' + name for name in names)}) {{ {' '.join(rows)} }}"


def data_value(term: object, iri: str) -> str:
    """Write one answer term as a VALUES entry (SPARQL 1.1 DataBlockValue): an IRI, a literal or UNDEF."""
    if term is None:
        return "UNDEF"
    if isinstance(term, NamedNode) and IRI_TEXT.fullmatch(term.value):
        return str(term)
    if isinstance(term, Literal) and IRI_TEXT.fullmatch(term.datatype.value):
        return str(term)
    kind = "a blank node" if isinstance(term, BlankNode) else f"the term {str(term)[:80]}"
    raise ServiceFailed(f"SERVICE endpoint <{iri}> answered {kind}, which cannot be carried into this query "
                        "(VALUES holds IRIs and literals only): select STR() of it or an IRI instead")


def inline(text: str, allow: tuple[str, ...], timeout: float, answer_bytes: int, resolve: Resolver = system_resolve) -> str:
    """Call every SERVICE clause of a query, all within `timeout` seconds, and return the query with each replaced by its answer."""
    pieces, position = [], 0
    deadline = time.monotonic() + timeout
    for call in find_calls(text):
        addresses = pinned_addresses(call.endpoint, allow, resolve)
        try:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ServiceFailed(f"SERVICE endpoint <{call.endpoint}> not called: the SERVICE calls took the whole {timeout:g} s")
            block = values_block(fetch(call.endpoint, addresses, subquery(text, call), left, answer_bytes), call.endpoint)
        except ServiceFailed:
            if not call.silent:
                raise
            block = IDENTITY
        lines = text.count("\n", call.start, call.end)  # kept, so that positions after the clause keep their line
        pieces += [text[position : call.start], block, "\n" * lines]
        position = call.end
    return "".join(pieces) + text[position:]
