"""Write a join through a zero-or-more property path (``s A/B* o``, ``s B* o``) without ``*``, for Virtuoso 7.2.

Virtuoso 7.2 answers such a join with no rows on some loads of the same data when the path's end
is bound (a constant, or a variable a VALUES block or the pattern binds): measured on the seed
graph, 2026-12-06 (bench/virtuoso_paths.py), ``?i gx:recipientType/skos:broader* <X>`` and
``?t skos:broader* ?family`` with ?family bound came back empty on 3 loads out of 5,
``^skos:broader*`` and ``(skos:broader+)?`` too, while ``skos:broader+`` and ``skos:broader?`` gave
the rows on every load. So the path is written with those two, in standard SPARQL 1.1:

- ``s A/B* o`` (a sequence A of plain steps, then B*) → ``{ s A o } UNION { s A/B+ o }``: the
  sequence's zero-length end is the row where A's last node is o, the rest is B+ from there;
- ``s B* o`` → ``{ s B? o FILTER(STR(s) = STR(o)) } UNION { s B+ o }``: the zero-length rows are
  those of B? whose ends are the same term. (``sameTerm`` and ``=`` there make Virtuoso 7.2 fail
  with "Internal Optimized compiler error"; a MINUS or FILTER NOT EXISTS form loses rows on some
  loads, as the path does.)

Both give exactly the rows of the path (SPARQL 1.1 §18.4: a sequence yields one row per A-node,
B* and B+ distinct pairs) where B has no cycle through o: on a cycle, the row where A's last node
(or s) is o itself would come twice. skos:broader hierarchies have none (tests/server check the
seed graph's). In the second form, a subject whose B-value is a literal spelling its own IRI
would add a row; a blank node's zero-length row would be lost if the engine refused STR on it
(Virtuoso does not).

Only the shape the canned queries use is rewritten, where the rewrite is plainly safe: the path
is the verb of a triple written directly in a group (after ``{``, ``}`` or ``.``, or after ``;``
in such a triple), its steps are IRIs, prefixed names or ``a`` (each may be inverse, ``^``), the
subject and each object (``,`` lists too) are variables, IRIs, prefixed names or literals. The
triple is taken out of its block where it stands (``;`` continues with the same subject after the
union), so it stays in its group: in OPTIONAL, FILTER EXISTS, MINUS and subqueries alike. Any
other path with ``*`` (in brackets, alternatives, collections, a blank-node subject or object, a
query with a blank-node label, which may not span two blocks) is sent as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .sparql_text import Terminal, terminals

BOUNDARY = {".", "{", "}"}  # a triple written directly in a group starts after one of these
TERM_KINDS = {"variable", "iri", "pname"}
MAX_PASSES = 4  # a statement with more `B*` verbs than this keeps the rest as written (the canned queries have one each)
LITERAL_WORD = re.compile(r"-?[0-9][0-9.eE\-]*|true|false")  # a number or boolean written as an object


@dataclass(frozen=True)
class Join:
    """A triple whose verb is a zero-or-more path: the tokens it spans and the text to write instead."""

    start: int  # offset of the statement's first token kept before the union (or of the subject)
    end: int  # offset after the last object (and after a `;` that continues the statement)
    text: str


def without_star_paths(sparql: str) -> str:
    """Rewrite each join through a zero-or-more path of the handled shape (all in one pass, unless two share a statement).

    >>> without_star_paths("SELECT * { ?i a :I ; :type/skos:broader* <x:X> ; :in ?m . }")
    'SELECT * { ?i a :I . { ?i :type <x:X> } UNION { ?i :type/skos:broader+ <x:X> } ?i :in ?m . }'
    >>> without_star_paths("SELECT * { VALUES ?f { :f } ?t skos:broader* ?f, :g . ?t :p ?o }")
    'SELECT * { VALUES ?f { :f } { ?t skos:broader? ?f FILTER(STR(?t) = STR(?f)) } UNION { ?t skos:broader+ ?f } \
{ ?t skos:broader? :g FILTER(STR(?t) = STR(:g)) } UNION { ?t skos:broader+ :g } . ?t :p ?o }'
    >>> without_star_paths("SELECT (COUNT(*) AS ?n) { ?s (:p|:q)* ?o . [] :r* ?o }")  # not a handled shape: as written
    'SELECT (COUNT(*) AS ?n) { ?s (:p|:q)* ?o . [] :r* ?o }'
    """
    if "*" not in sparql or "_:" in sparql:
        return sparql
    for _ in range(MAX_PASSES):  # each pass reads the text once: this runs in the web worker, before the request leaves
        found = joins(sparql, terminals(sparql))
        if not found:
            break
        for join in reversed(found):  # the last first, so the offsets before it stay
            sparql = sparql[: join.start] + join.text + sparql[join.end :]
    return sparql


def joins(sparql: str, found: list[Terminal]) -> list[Join]:
    """Return the triples of the handled shape whose verb ends in `B*`, with their rewrites: the first of each statement (they do not overlap)."""
    starts, rewrites, taken = statement_starts(found), [], -1
    for index, token in enumerate(found):
        statement = starts[index]
        if token.kind != "punct" or token.text != "*" or statement is None or found[statement].start < taken:
            continue  # not a path's `*`, not directly in a group, or in a statement already rewritten in this pass
        join = rewritten(sparql, found, starts, index)
        if join is not None:
            rewrites.append(join)
            taken = join.end
    return rewrites


def statement_starts(found: list[Terminal]) -> list[int | None]:
    """Give each token the index of the first token after the last ".", "{" or "}" before it, or None if a bracket came in between."""
    starts: list[int | None] = []
    start: int | None = 0
    for index, token in enumerate(found):
        starts.append(start)
        if token.text in BOUNDARY:
            start = index + 1
        elif token.text in ("(", ")", "[", "]"):
            start = None
    return starts


def rewritten(sparql: str, found: list[Terminal], starts: list[int | None], star: int) -> Join | None:
    """Rewrite the triple whose path ends with the `*` at `star`, or return None when it is not of the handled shape."""
    first = path_start(found, star)
    if first is None or star + 1 >= len(found) or found[star + 1].text in ("/", "|", ")"):
        return None
    objects, after = object_list(found, star + 1)
    subject_at = statement_start(found, starts, first)
    if subject_at is None or not objects:
        return None
    subject = found[subject_at]
    slash = max((i for i in range(first, star) if found[i].text == "/"), default=None)
    last = sparql[found[first if slash is None else slash + 1].start : found[star - 1].end]
    sequence = "" if slash is None else sparql[found[first].start : found[slash - 1].end]
    unions = " ".join(union(subject.text, sequence, last, sparql[o.start : o.end]) for o in objects)
    kept = sparql[subject.start : found[first - 1].start].rstrip() if found[first - 1].text == ";" else ""
    before = f"{kept} . " if kept else ""
    if after < len(found) and found[after].text == ";":
        while after + 1 < len(found) and found[after + 1].text == ";":
            after += 1
        following = found[after + 1] if after + 1 < len(found) else None
        spaced = sparql[found[after].end : found[after].end + 1].isspace()
        tail = f" {subject.text}{'' if spaced else ' '}" if following is not None and starts_verb(following) else " "
        return Join(subject.start, found[after].end, before + unions + tail)
    return Join(subject.start, found[after - 1].end, before + unions)


def starts_verb(token: Terminal) -> bool:
    """Tell whether a token can start a verb (a predicate or a path), i.e. the statement goes on after a `;`."""
    return token.kind in TERM_KINDS or token.text in ("a", "^", "(", "!")


def union(subject: str, sequence: str, step: str, obj: str) -> str:
    """Write `subject sequence/step* obj` as a union of its zero-length rows and its one-or-more rows."""
    if sequence:
        return f"{{ {subject} {sequence} {obj} }} UNION {{ {subject} {sequence}/{step}+ {obj} }}"
    return f"{{ {subject} {step}? {obj} FILTER(STR({subject}) = STR({obj})) }} UNION {{ {subject} {step}+ {obj} }}"


def path_start(found: list[Terminal], star: int) -> int | None:
    """Return the index of the path's first token when the tokens before `star` are plain steps joined by "/", else None."""
    index = star - 1
    while index >= 0:
        step = found[index]
        if not (step.kind in ("iri", "pname") or (step.kind == "word" and step.text == "a")):
            return None
        if index > 0 and found[index - 1].text == "^":
            index -= 1
        if index > 0 and found[index - 1].text == "/":
            index -= 2
            continue
        return index
    return None


def statement_start(found: list[Terminal], starts: list[int | None], first: int) -> int | None:
    """Return the index of the subject of the triple whose verb starts at `first`, when it is a plain term written directly in a group."""
    subject = starts[first]
    if subject is None or subject >= first or found[subject].kind not in TERM_KINDS:
        return None
    return subject if subject == first - 1 or found[first - 1].text == ";" else None


def object_list(found: list[Terminal], index: int) -> tuple[list[Terminal], int]:
    """Return the plain objects from `index` on (separated by ","), each spanning its literal's tag or datatype, and the index after them."""
    objects = []
    while index < len(found):
        term = found[index]
        if not (term.kind in ("variable", "iri", "pname", "string") or (term.kind == "word" and LITERAL_WORD.fullmatch(term.text))):
            return [], index
        end = index + 1
        if term.kind == "string" and end < len(found) and found[end].text == "@":
            end += 2
        elif term.kind == "string" and end + 2 < len(found) and found[end].text == "^" and found[end + 1].text == "^":
            end += 3
        objects.append(Terminal(term.kind, term.start, found[end - 1].end, ""))
        if end < len(found) and found[end].text == ",":
            index = end + 1
            continue
        return objects, end
    return [], index
