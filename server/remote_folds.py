"""Send the SELECTs a page's procedures run inside the page's one request to a remote endpoint, and answer them locally from its rows.

A procedure (`server.reader`, `server.summary`, `server.describe`'s inbound links) asks its store
``store.query(QUERY, substitutions={?x: node})``. Against a remote endpoint each call would be a
round trip. A `Fold` is such a query sent ahead of time as one branch of the page's UNION:
its text as written (the key the procedure will ask by), bound with a ``VALUES`` block or a
pattern at the start of its WHERE group, without its prologue (the prefixes go to the top
of the request). `answer` later gives the procedure the fold's rows that match its
substitutions, in the order of the query's own ORDER BY, applied by pyoxigraph to the rows
(so the order is the embedded store's, whatever order the engine's UNION hands them back
in; ties keep the engine's order). LIMIT and OFFSET have already been applied by the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Store, Variable

from . import sparql_text

Term = NamedNode | BlankNode | Literal
SOLUTION_MODIFIER = re.compile(r"\b(?:GROUP\s+BY|HAVING|ORDER\s+BY|LIMIT|OFFSET|VALUES)\b", re.IGNORECASE)
ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
ORDER_END = re.compile(r"\b(?:LIMIT|OFFSET|VALUES)\b", re.IGNORECASE)
PROJECTED = re.compile(r"\(|\)|\bAS\s+[?$](\w+)|[?$](\w+)|\*", re.IGNORECASE)


def where_group(sparql: str) -> int:
    """Return the offset of the brace opening a query's WHERE group (after a CONSTRUCT template, if any)."""
    code = sparql_text.blank(sparql).code
    form = sparql_text.operation(sparql)
    start = code.find("{")
    if form == "construct" and code[:start].rstrip().upper().endswith("CONSTRUCT"):
        start = code.find("{", closing_brace(code, start) + 1)
    if start < 0 or form not in ("select", "ask", "construct", "describe"):
        raise ValueError("cannot bind parameters: no WHERE group found in the query")
    return start


def closing_brace(code: str, opening: int) -> int:
    """Return the offset of the brace closing the group opened at `opening` (strings and IRIs already blanked)."""
    depth = 0
    for offset in range(opening, len(code)):
        depth += {"{": 1, "}": -1}.get(code[offset], 0)
        if depth == 0:
            return offset
    raise ValueError("unbalanced braces in the query")


def opening_where(sparql: str, text: str) -> str:
    """Insert `text` (a VALUES block or a pattern) at the start of a query's WHERE group.

    >>> opening_where("SELECT ?n WHERE { ?s <p> ?n }", "VALUES ?s { <x:s> }")
    'SELECT ?n WHERE { VALUES ?s { <x:s> } ?s <p> ?n }'
    """
    opening = where_group(sparql)
    return f"{sparql[: opening + 1]} {text}{sparql[opening + 1 :]}"


def split_prologue(sparql: str) -> tuple[str, str]:
    """Split a query into its prologue (PREFIX and BASE declarations) and the rest.

    >>> split_prologue("PREFIX a: <x:> SELECT * {}")
    ('PREFIX a: <x:> ', 'SELECT * {}')
    """
    end = sparql_text.PROLOGUE.match(sparql_text.blank(sparql).code).end()  # type: ignore[union-attr]  # always matches
    return sparql[:end], sparql[end:]


def projection(sparql: str) -> tuple[str, ...]:
    """Return the variables a SELECT projects, in order.

    >>> projection("PREFIX a: <x:> SELECT DISTINCT ?s (COUNT(?o) AS ?n) WHERE { ?s a:p ?o } GROUP BY ?s")
    ('s', 'n')
    """
    code = split_prologue(sparql_text.blank(sparql).code)[1]
    clause = code[: code.find("{")]
    clause = clause[: m.start()] if (m := re.search(r"\bWHERE\b", clause, re.IGNORECASE)) else clause
    names, depth = [], 0
    for match in PROJECTED.finditer(clause):
        token = match.group(0)
        if token == "*" and depth == 0:
            raise ValueError("a folded query must name the variables it projects, not SELECT *")
        depth += {"(": 1, ")": -1}.get(token, 0)
        if match.group(1):
            names.append(match.group(1))
        elif match.group(2) and depth == 0:
            names.append(match.group(2))
    return tuple(names)


def order_clause(sparql: str) -> str:
    """Return a query's outermost ORDER BY clause as written, or "" when it has none.

    >>> order_clause('SELECT ?a { { SELECT ?a {} ORDER BY ?b } } ORDER BY DESC(?a) "x" LIMIT 3')
    'ORDER BY DESC(?a) "x" '
    """
    code = sparql_text.blank(sparql).code
    last_brace = code.rfind("}")
    match = ORDER_BY.search(code, last_brace + 1)
    if match is None:
        return ""
    end = ORDER_END.search(code, match.end())
    return sparql[match.start() : end.start() if end else len(sparql)]


class Row(dict):  # type: ignore[type-arg]
    """One solution of a folded query: indexed by variable name like pyoxigraph's QuerySolution (None when unbound)."""

    def __getitem__(self, key: str | Variable) -> Any:
        return self.get(key.value if isinstance(key, Variable) else key.lstrip("?$"))


@dataclass(frozen=True)
class Fold:
    """A SELECT a procedure will run, bound and ready to send as one branch of a page's request."""

    key: str  # the query exactly as the procedure passes it to store.query
    binding: str  # a VALUES block or a pattern that binds the procedure's parameter(s)

    @property
    def prologue(self) -> str:
        return split_prologue(self.key)[0]

    @property
    def variables(self) -> tuple[str, ...]:
        return projection(self.key)

    def subquery(self) -> str:
        """Return the bound query as a SubSelect (no prologue), for a UNION branch."""
        return split_prologue(opening_where(self.key, self.binding))[1]


def values(variable: str, terms: Iterable[Term]) -> str:
    """Write a one-variable VALUES block (terms written by pyoxigraph's N-Triples writer).

    >>> values("o", [NamedNode("http://x/a"), Literal("乙")])
    'VALUES ?o { <http://x/a> "乙" }'
    """
    return f"VALUES ?{variable} {{ {' '.join(str(term) for term in terms)} }}"


def rows_of(fold: Fold, solution: Any) -> Row:
    """Read one solution of the page's answer as a row of `fold` (its own variables only)."""
    return Row({name: solution[name] for name in fold.variables})


def answer(fold: Fold, rows: list[Row], substitutions: Mapping[str | Variable, Term] | None = None) -> list[Row]:
    """Answer the folded query from its rows: those matching the substitutions, in the query's ORDER BY order."""
    wanted = {(key.value if isinstance(key, Variable) else key.lstrip("?$")): term for key, term in (substitutions or {}).items()}
    kept = [row for row in rows if all(row[name] == term for name, term in wanted.items())]
    order = order_clause(fold.key)
    if not order or len(kept) < 2:
        return kept
    names = fold.variables
    table = " ".join(f"({index} {' '.join(written(row[n]) for n in names)})" for index, row in enumerate(kept))
    heading = " ".join(f"?{n}" for n in names)
    query = f"{fold.prologue}SELECT ?fold_row WHERE {{ VALUES (?fold_row {heading}) {{ {table} }} }} {order.rstrip()} ?fold_row"
    return [kept[int(solution["fold_row"].value)] for solution in Store().query(query)]  # type: ignore[union-attr]


def written(term: Term | None) -> str:
    """Write a term for a VALUES row: a blank node (not addressable) and an unbound value as UNDEF."""
    return str(term) if isinstance(term, NamedNode | Literal) else "UNDEF"
