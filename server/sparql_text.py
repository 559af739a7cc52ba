"""Read SPARQL text without parsing it: the cheap checks that run before a request reaches the engine.

These checks give early, friendly errors; they are not what keeps queries off the network
(query processes cannot open sockets: `server.sandbox`). The text is read as a tokenizer on the
grammar's terminals reads it (SPARQL 1.1 §19.8): the four string forms, IRIs, variables,
prefixed names whose local part may carry PLX escapes (``ex:a\\#``, ``ex:a\\'``, ``%HH``; an
escaped ``#`` or quote starts no comment or string), other runs of name characters, comments.

pyoxigraph executes ``SERVICE`` (federation) whenever a query contains it, and its
parser does not require a word boundary around keywords: ``SERVICEex:e {}`` and
``service:e {}`` both call the endpoint ``ex:e`` / ``:e`` (measured on 0.5.13). So the
check here is deliberately stricter than "SERVICE as a whole word": after blanking
string literals, IRIs and comments (same length, so offsets stay those of the
text), every ``SERVICE`` that starts a token is a clause; only one inside a
variable name (``?service``) or after the colon of a prefixed name
(``ex:service``) is not. A prefix named ``service…`` is refused too: safe, and rare.
The grammar's terminals are those of SPARQL 1.1 §19.8.

An endpoint is compared with the ``SERVICE_ALLOW`` entries as a parsed URL (scheme,
host, port, path prefix), read the way a WHATWG URL parser reads it, the widest reading
any HTTP client may make: ``http://allowed.example@127.0.0.1/`` goes to 127.0.0.1,
``http://2130706433/`` and ``http://0x7f.1/`` are 127.0.0.1 too (pyoxigraph 0.5.13's
client looks those up as names instead: refusing them only refuses more), and
``http://%31%32%37.0.0.1/`` is refused. An
endpoint on this machine or a private network (loopback, link-local, private and
unspecified addresses, ``localhost``, single-label names) is refused unless an entry
names that very host and port; the entry ``*`` allows any other, public, endpoint.

Every pattern here runs in the web worker before the query reaches a killable child,
so each is linear in the text (possessive quantifiers, no backwards scans): a
megabyte of hostile text takes milliseconds, not the worker.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

# The grammar's terminals (SPARQL 1.1 §19.8) that can hide a '#', a quote or a bracket: prefixed names, whose local part may
# carry PLX escapes (\#, \', \(, %HH, ...), and variables; read whole, as the parser reads them, before strings and comments.
PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
PN_CHARS_U = PN_CHARS_BASE + "_"
PN_CHARS = PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
PN_PREFIX = f"[{PN_CHARS_BASE}](?:[{PN_CHARS}.]*(?<![.]))?"  # backtracks over trailing dots only
PN_LOCAL = f"(?:[{PN_CHARS_U}:0-9]|{PLX})(?:(?:[{PN_CHARS}.:]|{PLX})*(?<![^\\\\]\\.))?"  # may not end in an unescaped dot
VARNAME = f"[{PN_CHARS_U}0-9][{PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*+"
LEXEMES = re.compile(
    r'''(?P<string>"""(?:[^"\\]++|\\.|"(?!""))*+"""|\'\'\'(?:[^'\\]++|\\.|'(?!''))*+\'\'\'|"(?:[^"\\\n\r]++|\\.)*+"|'(?:[^'\\\n\r]++|\\.)*+')'''
    r"""|(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]++|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>)"""
    f"|(?P<variable>[?$]{VARNAME})"
    f"|(?P<pname>(?:{PN_PREFIX})?:(?:{PN_LOCAL})?)"
    f"|(?P<word>[{PN_CHARS}.]++)"  # a keyword, number or other run, taken whole so that no match starts inside it (linear)
    r"""|(?P<comment>\#[^\n\r]*+)""",
    re.DOTALL,
)
TERMINALS = re.compile(LEXEMES.pattern + r"|(?P<punct>\S)", re.DOTALL)  # where no lexeme starts, one other character (`terminals`)
LOCAL_ESCAPE = re.compile(r"\\(.)")
ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
SERVICE = re.compile(r"SERVICE", re.IGNORECASE)
WORD_RUN = re.compile(r"[?$:]?\w+")  # a run of word characters, with the sigil or colon before it
SERVICE_TARGET = re.compile(r"\s*+(?:SILENT\s*+)?(?:(?P<iri><)|(?P<var>[?$]\w*+)|(?P<pname>[\w.\-]*+:[^\s{]*+))", re.IGNORECASE)
BRACKET = re.compile(r"[{(\[]|[})\]]")
UNSAFE_IRI = re.compile(r"[\x00-\x20\\\x7f]")
HOST_NAME = re.compile(r"[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*")
DEFAULT_PORTS = {"http": 80, "https": 443}
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
DECLARATION = re.compile(r"(?<![\w?$:])(?:PREFIX\s*(?P<prefix>[\w.\-]*):|BASE)\s*<", re.IGNORECASE)
PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s*[\w.\-]*:|BASE)\s*<\s*>\s*)*", re.IGNORECASE)
QUERY_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:])", re.IGNORECASE)
UPDATE_VERBS = r"(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)"
UPDATE_START = re.compile(UPDATE_VERBS + r"(?![\w:])", re.IGNORECASE)
UPDATE_LATER = re.compile(r";\s*" + UPDATE_VERBS + r"(?![\w:])|(?<![\w?$:])(?:INSERT|DELETE)\s*(?:DATA|WHERE|\{)", re.IGNORECASE)
FROM = re.compile(r"(?<![\w?$:])FROM(?![\w:])", re.IGNORECASE)


@dataclass(frozen=True)
class Blanked:
    """A query text with its strings, IRIs and comments blanked, and the IRIs by offset."""

    text: str
    code: str
    iris: dict[int, str]
    pnames: dict[int, tuple[str, str]]  # offset → (prefix, local name with its PLX escapes decoded)


@dataclass(frozen=True)
class ServiceClause:
    """One SERVICE keyword: where it is and the endpoint it names (None when it cannot be known)."""

    line: int
    column: int
    endpoint: str | None
    variable: bool = False


class Terminal(NamedTuple):
    """One terminal of a query text: its kind (a LEXEMES group, or "punct" for any other one character) and where it is.

    A named tuple, not a dataclass: a small query is read on every request (`server.small_queries`), and a tuple is made faster.
    """

    kind: str
    start: int
    end: int
    text: str


def terminals(text: str) -> list[Terminal]:
    """Split a query into terminals (`LEXEMES`), dropping white space and comments; every other character is one "punct".

    >>> [(t.kind, t.text) for t in terminals('ASK { ?s a "x"@en } # c')]
    [('word', 'ASK'), ('punct', '{'), ('variable', '?s'), ('word', 'a'), ('string', '"x"'), ('punct', '@'), ('word', 'en'), ('punct', '}')]
    """
    return [Terminal(found.lastgroup or "", found.start(), found.end(), found.group())
            for found in TERMINALS.finditer(text) if found.lastgroup != "comment"]


def decode_escapes(text: str) -> str:
    r"""Replace \u and \U codepoint escapes by their characters (SPARQL 1.1 §19.2).

    >>> decode_escapes(r"\u0053ERVICE")
    'SERVICE'
    """
    return ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


@lru_cache(maxsize=16)  # operation, refused_service, too_deep and has_dataset_clause read the same text
def blank(text: str) -> Blanked:
    r"""Blank strings, IRIs and comments with spaces and the escapes of prefixed names with "_", keeping offsets; collect IRIs and names.

    >>> blank('SELECT * { ?s <http://x/> "a b" } # c').code
    'SELECT * { ?s <         > "   " }    '
    >>> b = blank("ASK { ex:a\\# SERVICE <x:> {} }"); b.code, b.pnames
    ('ASK { ex:a__ SERVICE <  > {} }', {6: ('ex', 'a#')})
    """
    iris: dict[int, str] = {}
    pnames: dict[int, tuple[str, str]] = {}

    def replace(match: re.Match[str]) -> str:
        lexeme, kind = match.group(0), match.lastgroup
        if kind in ("variable", "word"):
            return lexeme
        if kind == "pname":
            prefix, _, local = lexeme.partition(":")
            pnames[match.start()] = (prefix, LOCAL_ESCAPE.sub(r"\1", local))
            return LOCAL_ESCAPE.sub("__", lexeme)
        if kind == "comment":
            return " " * len(lexeme)
        if kind == "iri":
            iris[match.start()] = decode_escapes(lexeme[1:-1])
        return lexeme[0] + " " * (len(lexeme) - 2) + lexeme[-1]

    return Blanked(text, LEXEMES.sub(replace, text), iris, pnames)


def service_keywords(code: str) -> list[int]:
    """Return the offsets of every SERVICE that starts a token (not inside a variable or after a prefix colon).

    >>> [service_keywords(c) for c in ("{ SERVICE", "?SERVICE", "ex:SERVICE", "1SERVICE", "?myS", "a-service")]
    [[2], [], [], [1], [], [2]]
    """
    found = []
    for run in WORD_RUN.finditer(code):
        if code[run.start()] not in "?$:":
            found.extend(match.start() for match in SERVICE.finditer(code, run.start(), run.end()))
    return found


def line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in re.finditer("\n", text))]


def line_column(starts: list[int], offset: int) -> tuple[int, int]:
    r"""Return the 1-based line and column of an offset, given the offsets where lines start.

    >>> line_column(line_starts("ab\ncd"), 4)
    (2, 2)
    """
    line = bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


def prefixes_and_base(blanked: Blanked) -> tuple[dict[str, str], str | None]:
    """Collect the PREFIX declarations and the last BASE of a query."""
    prefixes: dict[str, str] = {}
    base = None
    for match in DECLARATION.finditer(blanked.code):
        iri = blanked.iris.get(match.end() - 1, "")
        if match.group("prefix") is None:
            base = urljoin(base, iri) if base else iri
        else:
            prefixes[match.group("prefix")] = urljoin(base, iri) if base else iri
    return prefixes, base


def service_endpoint(blanked: Blanked, after: int, prefixes: dict[str, str], base: str | None) -> tuple[str | None, bool]:
    """Find the endpoint IRI after a SERVICE keyword, and whether it is a variable."""
    match = SERVICE_TARGET.match(blanked.code, after)
    if match is None:
        return None, False
    if match.group("var") is not None:
        return None, True
    if match.group("iri") is not None:
        iri = blanked.iris.get(match.start("iri"), "")
        return (urljoin(base, iri) if base else iri), False
    prefix, local = blanked.pnames.get(match.start("pname"), ("", None))  # None: not a whole prefixed name
    return (prefixes[prefix] + local if local is not None and prefix in prefixes else None), False


def service_clauses(text: str) -> Iterator[ServiceClause]:
    """Yield every SERVICE clause of a query or update, also after decoding codepoint escapes."""
    for variant in dict.fromkeys((text, decode_escapes(text))):
        blanked = blank(variant)
        if SERVICE.search(blanked.code) is None:  # the usual case: no keyword, so nothing to read further
            continue
        prefixes, base = prefixes_and_base(blanked)
        starts = line_starts(variant)
        for offset in service_keywords(blanked.code):
            endpoint, variable = service_endpoint(blanked, offset + len("SERVICE"), prefixes, base)
            yield ServiceClause(*line_column(starts, offset), endpoint, variable)


def refused_service(text: str, allow: tuple[str, ...] | list[str]) -> ServiceClause | None:
    """Return the first SERVICE clause the allow-list does not permit (a variable endpoint is never permitted).

    >>> refused_service("SELECT ?service { ?s ex:service ?o }", ())
    >>> refused_service("SELECT * { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", ("http://a.example/",))
    >>> refused_service("SELECT * { SERVICE <http://b.example/> {} }", ("http://a.example/",)).endpoint
    'http://b.example/'
    """
    entries = allow_entries(allow)
    for clause in service_clauses(text):
        if clause.variable or clause.endpoint is None or not permitted(clause.endpoint, entries, "*" in allow):
            return clause
    return None


# Endpoints -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where a request to an http(s) URL goes: scheme, canonical host, port, and the path without dot segments."""

    scheme: str
    host: str
    port: int
    path: str


def parse_endpoint(iri: str) -> Endpoint | None:
    """Read an endpoint IRI as an HTTP client would, or None when it is no plain http(s) URL.

    >>> parse_endpoint("HTTP://Allowed.Example.:80/a/./b/../sparql")
    Endpoint(scheme='http', host='allowed.example', port=80, path='/a/sparql')
    >>> [parse_endpoint(i) for i in ("http://a.example@127.0.0.1/", "ftp://a.example/", "http://%31.0.0.1/", "http://a.example:99999/")]
    [None, None, None, None]
    """
    if UNSAFE_IRI.search(iri):
        return None
    parts = urlsplit(iri)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or "@" in parts.netloc:
        return None
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    host = canonical_host(parts.hostname or "")
    return Endpoint(scheme, host, port, normal_path(parts.path)) if host else None


def canonical_host(host: str) -> str | None:
    """Write a host the one way it resolves: an address in its standard form, else a lower-case ASCII name.

    >>> [canonical_host(h) for h in ("2130706433", "0x7f.1", "0177.0.0.01", "::ffff:7f00:1", "ＬＯＣＡＬＨＯＳＴ", "a.example.", "%31", "1.2.3.4.5")]
    ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1', 'localhost', 'a.example', None, None]
    """
    try:
        host = host.encode("idna").decode("ascii").lower().rstrip(".") if not host.isascii() else host.lower().rstrip(".")
    except UnicodeError:
        return None
    if ":" in host:
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            return None
        return str(address.ipv4_mapped or address)
    if ends_in_number(host):
        address = whatwg_ipv4(host)
        return str(address) if address else None
    return host if HOST_NAME.fullmatch(host) else None


def ends_in_number(host: str) -> bool:
    """Tell whether the WHATWG URL parser reads a host as an IPv4 address (its last label is a number)."""
    last = host.rsplit(".", 1)[-1]
    return last.isdigit() or bool(re.fullmatch(r"0[xX][0-9a-fA-F]*", last))


def whatwg_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Parse an IPv4 host the WHATWG way: one to four decimal, octal (0…) or hex (0x…) parts; None if invalid."""
    numbers = [ipv4_number(part) for part in host.split(".")]
    if not 1 <= len(numbers) <= 4 or None in numbers or any(n > 255 for n in numbers[:-1]):  # type: ignore[operator]
        return None
    *head, last = numbers
    if last >= 256 ** (5 - len(numbers)):  # type: ignore[operator]
        return None
    value = last + sum(n << (8 * (3 - i)) for i, n in enumerate(head))  # type: ignore[operator]
    return ipaddress.IPv4Address(value)


def ipv4_number(part: str) -> int | None:
    """Read one part of a WHATWG IPv4 host.

    >>> [ipv4_number(p) for p in ("127", "0x7f", "0177", "0x", "08", "")]
    [127, 127, 127, 0, None, None]
    """
    digits, base = (part[2:], 16) if part[:2].lower() == "0x" else (part[1:], 8) if len(part) > 1 and part[0] == "0" else (part, 10)
    if digits == "" and base == 16:
        return 0
    try:
        return int(digits, base) if digits.isascii() and digits.isalnum() else None
    except ValueError:
        return None


def normal_path(path: str) -> str:
    """Remove dot segments (also percent-encoded ones) from a URL path, as RFC 3986 §5.2.4 and WHATWG do.

    >>> [normal_path(p) for p in ("", "/a/b/../c", "/a/%2e%2E/b", "/a/.", "/../x")]
    ['/', '/a/c', '/b', '/a/', '/x']
    """
    segments = re.sub("%2e", ".", path or "/", flags=re.IGNORECASE).split("/")
    kept: list[str] = []
    for segment in segments[1:]:
        if segment == "..":
            kept = kept[:-1]
        elif segment != ".":
            kept.append(segment)
    trailing = [""] if segments[-1] in (".", "..") else []
    return "/" + "/".join(kept + trailing)


def internal(host: str) -> bool:
    """Tell whether a canonical host is this machine or a private network (not a global address, or a local name).

    >>> [internal(h) for h in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "fe80::1", "0.0.0.0", "localhost", "intranet", "a.example")]
    [True, True, True, True, True, True, True, True, False]
    """
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return host == "localhost" or host.endswith(LOCAL_SUFFIXES) or "." not in host


def allow_entries(allow: tuple[str, ...] | list[str]) -> list[Endpoint]:
    """Parse the SERVICE_ALLOW entries ("*" aside), refusing one that is no http(s) URL."""
    entries = []
    for entry in allow:
        if entry != "*":
            parsed = parse_endpoint(entry)
            if parsed is None:
                raise ValueError(f"SERVICE_ALLOW entry {entry!r} is not an http(s) URL without user info")
            entries.append(parsed)
    return entries


def permitted(iri: str, entries: list[Endpoint], any_public: bool = False) -> bool:
    """Tell whether an endpoint is under an allow-list entry (same scheme, host and port, path prefix), or public when "*" is given.

    >>> entries = allow_entries(["http://allowed.example/sparql"])
    >>> [permitted(i, entries) for i in ("http://ALLOWED.example:80/sparql", "http://allowed.example/sparql/x", "http://allowed.example/sparqlx")]
    [True, True, False]
    >>> [permitted(i, entries) for i in ("http://allowed.example@127.0.0.1/sparql", "http://allowed.example.evil/sparql", "https://allowed.example/sparql")]
    [False, False, False]
    >>> [permitted(i, [], any_public=True) for i in ("http://a.example/", "http://2130706433/", "http://[::1]/", "http://localhost:8000/")]
    [True, False, False, False]
    """
    endpoint = parse_endpoint(iri)
    if endpoint is None:
        return False
    if any(under(endpoint, entry) for entry in entries):
        return True
    return any_public and not internal(endpoint.host)


def under(endpoint: Endpoint, entry: Endpoint) -> bool:
    """Tell whether an endpoint is the entry's scheme, host and port, and its path is at or below the entry's."""
    if (endpoint.scheme, endpoint.host, endpoint.port) != (entry.scheme, entry.host, entry.port):
        return False
    prefix = entry.path if entry.path.endswith("/") else entry.path + "/"
    return endpoint.path == entry.path or endpoint.path.startswith(prefix)


# Shape -----------------------------------------------------------------------------------


def too_deep(text: str, limit: int) -> tuple[int, int] | None:
    """Return the line and column where brackets ({, (, [) nest deeper than the limit, or None.

    >>> too_deep("ASK { { { } } }", 2), too_deep("ASK { FILTER((1)) }", 3), too_deep('ASK { "((((" }', 1)
    ((1, 9), None, None)
    >>> too_deep("ASK { { } }", 2), too_deep("ASK { { } }", 1), too_deep("ASK { } ASK { }", 1)
    (None, (1, 7), None)
    """
    code = blank(text).code
    if code.count("{") + code.count("(") + code.count("[") <= limit:  # cannot nest deeper than it opens
        return None
    depth = 0
    for match in BRACKET.finditer(code):
        depth += 1 if match.group() in "{([" else -1
        if depth > limit:
            return line_column(line_starts(text), match.start())
    return None


@lru_cache(maxsize=16)  # the view, the fast path and the executor's checks ask it of the same text
def operation(text: str) -> str:
    """Classify a request text as "select", "ask", "construct", "describe", "update" or "unknown".

    >>> [operation(t) for t in ("PREFIX a: <x:> SELECT * {}", "ASK {}", "DROP ALL", "ASK {} ; CLEAR ALL", "# c\\n describe <x>")]
    ['select', 'ask', 'update', 'update', 'describe']
    """
    code = blank(text).code
    start = PROLOGUE.match(code).end()  # type: ignore[union-attr]  # the pattern always matches
    if UPDATE_START.match(code, start) or UPDATE_LATER.search(code):
        return "update"
    form = QUERY_FORM.match(code, start)
    return form.group(1).lower() if form else "unknown"


def has_dataset_clause(text: str) -> bool:
    """Tell whether a query names its own dataset with FROM or FROM NAMED.

    >>> has_dataset_clause("SELECT * FROM <g> {}"), has_dataset_clause("SELECT ?from { ?s ex:from ?from }")
    (True, False)
    """
    return FROM.search(blank(text).code) is not None
