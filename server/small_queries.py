"""Small queries answered in the web worker: basic graph patterns whose matches the store bounds before they run.

Every query runs in a query process that can be killed at the time limit (`server.query_process`),
because pyoxigraph cannot stop a query it has started. For a unique point lookup that hop is most
of the cost (bench/endpoint_profile.py: ~170 µs of a child's wake-up around ~60 µs of query). Yet a
query of a few triple patterns with constants needs no time limit when the store shows, before it
runs, that the patterns can match only a handful of quads: this module finds those queries and
answers them here, with the same code a query process runs (`query_process.answer`, the byte cap).

A query is small when both hold:

1. **Its text is a basic graph pattern and nothing else**, read by the grammar's own terminals
   (`sparql_text.LEXEMES`): a prologue of PREFIX declarations, ``SELECT [DISTINCT|REDUCED] (* | ?v …)``
   or ``ASK``, ``[WHERE] { triples }``, then LIMIT or OFFSET. The triples hold variables, IRIs,
   prefixed names, ``a`` and string literals (plain or with a language tag), with ``.``, ``;`` and ``,``.
   Any other token (FILTER, OPTIONAL, UNION, GRAPH, SERVICE, FROM, BASE, a path operator, a bracket,
   a blank node, a typed or numeric literal, an aggregate, ORDER BY, ``\\u`` escapes anywhere) sends
   the query to a query process as before. So nothing that calls the network, nests, sorts or
   computes ever runs here.
2. **The store bounds its matches**: each pattern, with its constants in place and its variables free,
   matches at most ``cap`` quads in the whole store (counted with ``quads_for_pattern``, stopping at
   cap + 1), and the product of those counts (each at least 1) is at most ``cap``. Whatever order
   and join the engine chooses, every intermediate solution is a combination of one match per
   pattern evaluated so far, so the work and the answer are bounded by that product: at the
   default ``SMALL_QUERY_MATCHES`` of 256, well under a millisecond of engine time. Counting over
   all graphs bounds any dataset the request names (the union of the named graphs, or some of them).

The same reading lets a small query skip the other text checks (`sparql.plain_query`, `executor.execute_in`):
it holds no update, SERVICE, FROM or nesting for them to refuse.

Everything around the query is what a query process gets: the task (version, row cap, media type,
substitutions, dataset), the cached result, the client's share (``CLIENT_QUERIES``). Errors come
back as the same replies (a syntax error the counting cannot see is the engine's to report).
The worker opens the served version read-only on its first small query (~6 MB, ~40 ms on the data/
graph), and a newer version when the store link moves, as a query process does.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from itertools import islice

from pyoxigraph import Literal, NamedNode, Store

from .query_process import Reply, Task, answer, capped, open_store
from .sparql_text import terminals

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MAX_PATTERNS = 8
MAX_TEXT = 4096  # characters; a longer query is not a point lookup
PREFIX_NAME = re.compile(r"(?:[^\s:]*):")
LANGUAGE = re.compile(r"[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")
ECHAR = re.compile(r"\\(.)")
ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
PUNCTUATION = "{}.;,*@"

Term = NamedNode | Literal | None  # None: a variable
Pattern = tuple[Term, Term, Term]


Token = tuple[str, str]  # (kind, text): a LEXEMES group name ("string", "iri", "variable", "pname", "word") or "punct"


class NotSmall(Exception):
    """The text is not a plain basic graph pattern (it is answered by a query process)."""


def tokens(text: str) -> list[Token]:
    """Read the text as the grammar's terminals (`sparql_text.terminals`); between them only ``{}.;,*@`` may stand."""
    found: list[Token] = []
    for terminal in terminals(text):
        if terminal.kind == "punct" and terminal.text not in PUNCTUATION:
            raise NotSmall(terminal.text)
        if terminal.kind == "word" and terminal.text.strip(".") == "":  # "." runs are read as one word
            found += [("punct", ".")] * len(terminal.text)
        else:
            found.append((terminal.kind, terminal.text))
    return found


@lru_cache(maxsize=256)
def patterns_of(text: str) -> tuple[Pattern, ...] | None:
    """Return the triple patterns of a small query's text (variables as None), or None when it is not one.

    >>> [[term and str(term) for term in pattern] for pattern in patterns_of('PREFIX eli: <http://data.europa.eu/eli/ontology#> '
    ...     'SELECT ?d WHERE { ?d eli:id_local "X号" ; a eli:LegalResource } LIMIT 3')]
    [[None, '<http://data.europa.eu/eli/ontology#id_local>', '"X号"'], [None, '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>', '<http://data.europa.eu/eli/ontology#LegalResource>']]
    >>> patterns_of('SELECT ?d WHERE { ?d ?p ?o FILTER(?o = 1) }') is None
    True
    """
    if len(text) > MAX_TEXT or "\\u" in text or "\\U" in text:
        return None
    try:
        return Reader(tokens(text)).query()
    except (NotSmall, ValueError, IndexError):  # ValueError: a term pyoxigraph refuses (a relative IRI, a bad tag)
        return None


class Reader:
    """A recursive-descent reader of the small-query grammar (module docstring) over a token list."""

    def __init__(self, items: list[Token]) -> None:
        self.items, self.at, self.prefixes = items, 0, {}
        self.found: list[Pattern] = []

    def query(self) -> tuple[Pattern, ...]:
        while self.keyword("PREFIX"):
            name = self.take("pname")[1]
            if PREFIX_NAME.fullmatch(name) is None:
                raise NotSmall(name)
            self.prefixes[name[:-1]] = self.take("iri")[1][1:-1]
        if self.keyword("SELECT"):
            self.keyword("DISTINCT") or self.keyword("REDUCED")
            if not self.punct("*"):
                self.take("variable")
                while self.peek("variable"):
                    self.take("variable")
        elif not self.keyword("ASK"):
            raise NotSmall("form")
        self.keyword("WHERE")
        self.expect("{")
        while not self.punct("}"):
            self.triples()
            if not self.punct("."):
                self.expect("}")
                break
        while self.keyword("LIMIT") or self.keyword("OFFSET"):
            if not self.take("word")[1].isdigit():
                raise NotSmall("modifier")
        if self.at != len(self.items) or not 0 < len(self.found) <= MAX_PATTERNS:
            raise NotSmall("end")
        return tuple(self.found)

    def triples(self) -> None:
        subject = self.term(literal=False)
        while True:
            verb = NamedNode(RDF_TYPE) if self.items[self.at] == ("word", "a") and self.step() else self.term(literal=False)
            self.found.append((subject, verb, self.term(literal=True)))
            while self.punct(","):
                self.found.append((subject, verb, self.term(literal=True)))
            if not self.punct(";"):
                return
            if self.peek("punct"):  # a ';' may end the property list
                return

    def term(self, literal: bool) -> Term:
        kind, text = self.items[self.at]
        self.at += 1
        if kind == "variable":
            return None
        if kind == "iri":
            return NamedNode(text[1:-1])
        if kind == "pname":
            prefix, _, local = text.partition(":")
            if prefix not in self.prefixes or "\\" in local:
                raise NotSmall(text)
            return NamedNode(self.prefixes[prefix] + local)
        if kind == "string" and literal:
            value = string_value(text)
            if not self.punct("@"):
                return Literal(value)
            tag = self.take("word")[1]
            if LANGUAGE.fullmatch(tag) is None:
                raise NotSmall(tag)
            return Literal(value, language=tag)
        raise NotSmall(text)

    def keyword(self, word: str) -> bool:
        if self.at < len(self.items) and self.items[self.at][0] == "word" and self.items[self.at][1].upper() == word:
            self.at += 1
            return True
        return False

    def punct(self, mark: str) -> bool:
        if self.at < len(self.items) and self.items[self.at] == ("punct", mark):
            self.at += 1
            return True
        return False

    def expect(self, mark: str) -> None:
        if not self.punct(mark):
            raise NotSmall(mark)

    def peek(self, kind: str) -> bool:
        return self.at < len(self.items) and self.items[self.at][0] == kind

    def take(self, kind: str) -> Token:
        if not self.peek(kind):
            raise NotSmall(kind)
        self.at += 1
        return self.items[self.at - 1]

    def step(self) -> bool:
        self.at += 1
        return True


def string_value(lexeme: str) -> str:
    r"""Return a string literal's value: quotes off, ECHAR escapes decoded.

    >>> string_value('"a\\"b"'), string_value("'''x\ny'''")
    ('a"b', 'x\ny')
    """
    quote = 3 if lexeme[:3] in ('"""', "'''") else 1
    return ECHAR.sub(lambda m: ECHARS.get(m.group(1), m.group(0)), lexeme[quote:-quote])


def matches_within(store: Store, patterns: tuple[Pattern, ...], cap: int) -> bool:
    """Tell whether every pattern matches at most `cap` quads and their product (each at least 1) is at most `cap`."""
    product = 1
    for subject, predicate, object_ in patterns:
        found = len(list(islice(store.quads_for_pattern(subject, predicate, object_, None), cap + 1)))  # at most cap + 1 quads
        product *= max(found, 1)
        if product > cap:
            return False
    return True


class SmallQueries:
    """The web worker's read-only handle on the served version, and the small queries answered with it."""

    def __init__(self, cap: int, answer_bytes: int) -> None:
        self.cap, self.answer_bytes = cap, answer_bytes
        self.stores: dict[str, Store] = {}  # the newest version only, as in a query process
        self.lock = threading.Lock()

    def answer(self, task: Task) -> Reply | None:
        """Answer a small query's task here, or return None: a query process runs it."""
        if self.cap <= 0 or task.procedure or task.federated or (patterns := patterns_of(task.sparql)) is None:
            return None
        try:
            store = self.store(task.version)
            if not matches_within(store, patterns, self.cap):
                return None
        except OSError:  # the version cannot be opened here: a query process reports why
            return None
        return capped(answer(task, {task.version: store}, within_row_cap=self.cap <= task.row_cap), self.answer_bytes)

    def store(self, version: str) -> Store:
        """Return the read-only handle on `version`, opened once (a query still running on an older one keeps its own)."""
        with self.lock:  # request threads and the event loop share it
            return open_store(version, self.stores)
