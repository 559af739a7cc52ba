"""Read SPARQL text without parsing it: the cheap checks that run before a request reaches the engine.

pyoxigraph executes ``SERVICE`` (federation) whenever a query contains it, and its
parser does not require a word boundary around keywords: ``SERVICEex:e {}`` and
``service:e {}`` both call the endpoint ``ex:e`` / ``:e`` (measured on 0.5.13). So the
check here is deliberately stricter than "SERVICE as a whole word": after blanking
string literals, IRIs and comments (same length, so offsets stay those of the
text), every ``SERVICE`` that starts a token is a clause; only one inside a
variable name (``?service``) or after the colon of a prefixed name
(``ex:service``) is not. A prefix named ``service…`` is refused too: safe, and rare.
The grammar's terminals are those of SPARQL 1.1 §19.8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

LEXEMES = re.compile(
    r'''(?P<string>"""(?:(?:"|"")?(?:[^"\\]|\\.))*"""|'\'\'(?:(?:'|'')?(?:[^'\\]|\\.))*'\'\'|"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')'''
    r"""|(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)"""
    r"""|(?P<comment>\#[^\n\r]*)""",
    re.DOTALL,
)
ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
SERVICE = re.compile(r"SERVICE", re.IGNORECASE)
SERVICE_TARGET = re.compile(r"\s*(?:SILENT)?\s*(?:(?P<iri><)|(?P<var>[?$]\w*)|(?P<pname>[\w.\-]*:[^\s{]*))", re.IGNORECASE)
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


@dataclass(frozen=True)
class ServiceClause:
    """One SERVICE keyword: where it is and the endpoint it names (None when it cannot be known)."""

    line: int
    column: int
    endpoint: str | None
    variable: bool = False


def decode_escapes(text: str) -> str:
    r"""Replace \u and \U codepoint escapes by their characters (SPARQL 1.1 §19.2).

    >>> decode_escapes(r"\u0053ERVICE")
    'SERVICE'
    """
    return ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def blank(text: str) -> Blanked:
    """Blank strings, IRIs and comments with spaces, keeping offsets, and collect the IRIs.

    >>> blank('SELECT * { ?s <http://x/> "a b" } # c').code
    'SELECT * { ?s <         > "   " }    '
    """
    iris: dict[int, str] = {}

    def replace(match: re.Match[str]) -> str:
        lexeme = match.group(0)
        if match.lastgroup == "comment":
            return " " * len(lexeme)
        if match.lastgroup == "iri":
            iris[match.start()] = decode_escapes(lexeme[1:-1])
        return lexeme[0] + " " * (len(lexeme) - 2) + lexeme[-1]

    return Blanked(text, LEXEMES.sub(replace, text), iris)


def starts_token(code: str, start: int) -> bool:
    """Tell whether a keyword match at `start` begins a token (not inside a variable or a local name).

    >>> [starts_token(c, c.index("S")) for c in ("{ SERVICE", "?SERVICE", "ex:SERVICE", "1SERVICE", "?myS")]
    [True, False, False, True, False]
    """
    run = start
    while run > 0 and (code[run - 1].isalnum() or code[run - 1] == "_"):
        run -= 1
    return run == 0 or code[run - 1] not in "?$:"


def line_column(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of an offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


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
    prefix, _, local = match.group("pname").partition(":")
    return (prefixes[prefix] + local if prefix in prefixes else None), False


def service_clauses(text: str) -> list[ServiceClause]:
    """List every SERVICE clause of a query or update, also after decoding codepoint escapes."""
    found: list[ServiceClause] = []
    for variant in dict.fromkeys((text, decode_escapes(text))):
        blanked = blank(variant)
        prefixes, base = prefixes_and_base(blanked)
        for match in SERVICE.finditer(blanked.code):
            if starts_token(blanked.code, match.start()):
                endpoint, variable = service_endpoint(blanked, match.end(), prefixes, base)
                found.append(ServiceClause(*line_column(variant, match.start()), endpoint, variable))
    return found


def refused_service(text: str, allow: tuple[str, ...] | list[str]) -> ServiceClause | None:
    """Return the first SERVICE clause the allow-list of endpoint prefixes does not permit.

    >>> refused_service("SELECT ?service { ?s ex:service ?o }", ())
    >>> refused_service("SELECT * { SERVICE <http://a/sparql> { ?s ?p ?o } }", ("http://a/",))
    >>> refused_service("SELECT * { SERVICE <http://b/> {} }", ("http://a/",)).endpoint
    'http://b/'
    """
    for clause in service_clauses(text):
        if "*" in allow:
            continue
        if clause.variable or clause.endpoint is None or not clause.endpoint.startswith(tuple(allow)):
            return clause
    return None


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
