"""The SHACL shapes compiled to SPARQL, so Oxigraph checks a document in milliseconds.

pySHACL reads a graph into rdflib and needs about 0.65 s of CPU per document,
four fifths of a whole build. This module reads ontology/shapes.ttl once and
turns every constraint of every targeted shape into one SPARQL query that
selects the focus nodes breaking it, following the SPARQL definitions of the
SHACL Core components (W3C SHACL §4 and its SPARQL-based validators):

    gxsh:IncentiveShape  sh:property [ sh:path gx:frequency ; sh:minCount 1 ]
    →  SELECT DISTINCT ?this WHERE { ?this rdf:type/rdfs:subClassOf* gx:Incentive
                                     FILTER (NOT EXISTS { ?this gx:frequency ?v1 }) }

A shape that another one uses (sh:node, sh:or, sh:qualifiedValueShape)
becomes a boolean expression, "this node breaks it", nested in the query.
The compiler knows the components the shapes use and refuses any other
(ShapesError), so a constraint added to the shapes is never skipped without
a word. pySHACL stays the reference: `gaoxin-kg validate` runs it on a whole
store, and tests/graph_build/test_shapes.py checks that both agree.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

import rdflib
from pyoxigraph import Quad, Store
from rdflib import RDF, RDFS, SH, BNode, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

REPORTED_NODES = 5  # focus nodes named per broken constraint
XSD = "http://www.w3.org/2001/XMLSchema#"
# Datatypes whose lexical form Oxigraph can check by casting: an ill-formed literal (e.g. "2020-13-45"^^xsd:date) breaks sh:datatype.
CASTS = {f"{XSD}{name}" for name in ("integer", "decimal", "double", "float", "boolean", "date", "dateTime", "time", "gYear", "gYearMonth", "duration")}
NON_NEGATIVE = f"{XSD}nonNegativeInteger"
# What a shape may say that is not a constraint.
DESCRIPTIVE = {RDF.type, RDFS.comment, RDFS.label, SH.message, SH.name, SH.description, SH.order, SH.group, SH.targetClass}
DESCRIPTIVE |= {SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.path, SH.qualifiedMinCount, SH.qualifiedMaxCount}
NODE_KINDS = {
    SH.IRI: "!isIRI({v})",
    SH.Literal: "!isLiteral({v})",
    SH.BlankNode: "!isBlank({v})",
    SH.BlankNodeOrIRI: "isLiteral({v})",
    SH.BlankNodeOrLiteral: "isIRI({v})",
    SH.IRIOrLiteral: "isBlank({v})",
}
COMPARISONS = {SH.minInclusive: ">=", SH.minExclusive: ">", SH.maxInclusive: "<=", SH.maxExclusive: "<"}
PAIRS = {SH.lessThan: "<", SH.lessThanOrEquals: "<="}


class ShapesError(ValueError):
    """A shapes graph using SHACL this compiler does not check; the message names the shape and the term."""


@dataclass(frozen=True)
class Check:
    """One constraint of one targeted shape, as a query selecting the focus nodes that break it."""

    shape: str  # e.g. "gxsh:IncentiveShape"
    constraint: str  # e.g. "gx:frequency sh:minCount 1"
    message: str | None  # the shape's sh:message, if it has one
    query: str  # selects ?this (and, for SPARQL constraints, the variables of the message)


@dataclass(frozen=True)
class ShapeChecks:
    """The checks of one targeted shape, and one query that asks whether any focus node breaks any of them."""

    shape: str
    any_broken: str  # ASK: true when some focus node breaks some constraint of the shape
    checks: tuple[Check, ...]


class Compiler:
    """Compile the targeted shapes of a shapes graph into Checks."""

    def __init__(self, shapes: rdflib.Graph, subclasses: bool = True) -> None:
        self.shapes = shapes
        self.instance_of = INSTANCE_OF if subclasses else f"<{RDF.type}>"  # without rdfs:subClassOf triples in the data, rdf:type alone is the same and faster
        self.counter = itertools.count(1)

    def checks(self) -> list[ShapeChecks]:
        """Return the checks of every shape that has targets, one per constraint, grouped by shape."""
        result = []
        for shape in sorted(self.targeted(), key=str):
            target = self.target(shape)
            name, message = self.name(shape), self.message(shape)
            constraints = list(self.constraints(shape, "?this"))
            checks = [
                Check(name, constraint, message, f"SELECT DISTINCT ?this WHERE {{ {target} FILTER ({broken}) }} LIMIT {REPORTED_NODES}")
                for constraint, broken in constraints
            ]
            if constraints:
                any_broken = f"ASK {{ {target} FILTER ({' || '.join(broken for _, broken in constraints)}) }}"
                result.append(ShapeChecks(name, any_broken, tuple(checks)))
            result += self.sparql_checks(shape, target)
        return result

    # -- targets ------------------------------------------------------------------------

    def targeted(self) -> set[Node]:
        """Find the shapes with a target."""
        kinds = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
        return {s for kind in kinds for s in self.shapes.subjects(kind, None)}

    def target(self, shape: Node) -> str:
        """Return a graph pattern binding ?this to each focus node of a shape (the union of its targets)."""
        patterns = [f"?this {self.instance_of} {term(c)}" for c in self.shapes.objects(shape, SH.targetClass)]
        patterns += [f"?this {term(p)} ?{self.fresh('s')}" for p in self.shapes.objects(shape, SH.targetSubjectsOf)]
        patterns += [f"?{self.fresh('o')} {term(p)} ?this" for p in self.shapes.objects(shape, SH.targetObjectsOf)]
        patterns += [f"VALUES ?this {{ {term(n)} }}" for n in self.shapes.objects(shape, SH.targetNode)]
        return " UNION ".join(f"{{ {p} }}" for p in sorted(patterns))

    # -- constraints ----------------------------------------------------------------------

    def constraints(self, shape: Node, focus: str) -> Iterator[tuple[str, str]]:
        """Yield each constraint of a shape as (its label, a SPARQL expression true when the focus node breaks it)."""
        if (path := self.shapes.value(shape, SH.path)) is not None:
            yield from self.property_constraints(shape, focus, self.path(path))
            return
        for predicate, value in in_order(self.shapes.predicate_objects(shape)):
            if predicate == SH.property:
                yield from self.constraints(value, focus)
            elif predicate == SH.sparql:
                continue  # a SPARQL constraint needs its own query (sparql_checks); refused where a shape is nested
            elif (broken := self.value_constraint(shape, predicate, value, focus)) is not None:
                yield f"{self.name(predicate)} {self.name(value)}", broken

    def property_constraints(self, shape: Node, focus: str, path: str) -> Iterator[tuple[str, str]]:
        """Yield each constraint of a property shape, over the values its path reaches from the focus node."""
        qualified = self.shapes.value(shape, SH.qualifiedValueShape)
        for predicate, value in in_order(self.shapes.predicate_objects(shape)):
            label = f"{self.name(self.shapes.value(shape, SH.path))} {self.name(predicate)} {self.name(value)}"
            if predicate in (SH.minCount, SH.maxCount):
                yield label, self.count(focus, path, int(value), predicate == SH.minCount)
            elif predicate in (SH.qualifiedMinCount, SH.qualifiedMaxCount):
                yield label, self.count(focus, path, int(value), predicate == SH.qualifiedMinCount, qualified)
            elif predicate == SH.hasValue:
                yield label, f"NOT EXISTS {{ {focus} {path} {term(value)} }}"
            elif predicate == SH.uniqueLang and value.toPython() is True:
                a, b = self.fresh(), self.fresh()
                same = f"!sameTerm(?{a}, ?{b}) && LANG(?{a}) != '' && LCASE(LANG(?{a})) = LCASE(LANG(?{b}))"
                yield label, f"EXISTS {{ {focus} {path} ?{a}, ?{b} FILTER ({same}) }}"
            elif predicate in PAIRS:
                v, w = self.fresh(), self.fresh()
                yield label, f"EXISTS {{ {focus} {path} ?{v} . {focus} {term(value)} ?{w} FILTER (!COALESCE(?{v} {PAIRS[predicate]} ?{w}, false)) }}"
            elif predicate == SH.qualifiedValueShape or predicate == SH.uniqueLang:
                continue
            elif predicate == SH.property:
                raise ShapesError(f"ontology/shapes.ttl: {self.name(shape)}: a property shape inside a property shape is not supported")
            else:
                v = self.fresh()
                broken = self.value_constraint(shape, predicate, value, f"?{v}")
                if broken is not None:
                    yield label, f"EXISTS {{ {focus} {path} ?{v} FILTER ({broken}) }}"

    def value_constraint(self, shape: Node, predicate: Node, value: Node, v: str) -> str | None:
        """Return a SPARQL expression true when the value node v breaks one constraint, or None for a term that constrains nothing."""
        if predicate == SH["class"]:
            return f"NOT EXISTS {{ {v} {self.instance_of} {term(value)} }}"
        if predicate == SH.datatype:
            return f"!COALESCE({well_typed(v, str(value))}, false)"
        if predicate == SH.nodeKind:
            return NODE_KINDS[value].format(v=v)
        if predicate == SH["in"]:
            return "!(" + " || ".join(f"sameTerm({v}, {term(m)})" for m in Collection(self.shapes, value)) + ")"
        if predicate == SH.pattern:
            flags = self.shapes.value(shape, SH.flags)
            regex = f"REGEX(STR({v}), {literal(str(value))}" + (f", {literal(str(flags))})" if flags else ")")
            return f"!COALESCE(!isBlank({v}) && {regex}, false)"
        if predicate in COMPARISONS:
            return f"!COALESCE({v} {COMPARISONS[predicate]} {term(value)}, false)"
        if predicate in (SH.minLength, SH.maxLength):
            comparison = ">=" if predicate == SH.minLength else "<="
            return f"!COALESCE(!isBlank({v}) && STRLEN(STR({v})) {comparison} {int(value)}, false)"
        if predicate == SH.languageIn:
            tags = " || ".join(f"langMatches(LANG({v}), {literal(str(t))})" for t in Collection(self.shapes, value))
            return f"!COALESCE({tags}, false)"
        if predicate == SH.hasValue:
            return f"!sameTerm({v}, {term(value)})"
        if predicate == SH.node:
            return self.breaks(value, v)
        if predicate == SH["not"]:
            return f"!{self.breaks(value, v)}"
        if predicate == SH["or"]:
            return "(" + " && ".join(self.breaks(member, v) for member in Collection(self.shapes, value)) + ")"
        if predicate == SH["and"]:
            return "(" + " || ".join(self.breaks(member, v) for member in Collection(self.shapes, value)) + ")"
        if predicate in DESCRIPTIVE or predicate == SH.flags or not str(predicate).startswith(str(SH)):
            return None
        raise ShapesError(f"ontology/shapes.ttl: {self.name(shape)} uses {self.name(predicate)}, which graph_build/shapes.py cannot check")

    def breaks(self, shape: Node, v: str) -> str:
        """Return a SPARQL expression true when the node v does not conform to a shape."""
        if (shape, SH.sparql, None) in self.shapes:
            raise ShapesError(f"ontology/shapes.ttl: {self.name(shape)}: a SPARQL constraint in a nested shape is not supported")
        broken = [expression for _, expression in self.constraints(shape, v)]
        return "(" + (" || ".join(broken) or "false") + ")"

    def count(self, focus: str, path: str, limit: int, at_least: bool, qualified: Node | None = None) -> str:
        """Return an expression true when the focus node has fewer (at_least) or more values than the limit that conform to `qualified`."""
        needed = limit if at_least else limit + 1
        if needed == 0:
            return "false"
        names = [self.fresh() for _ in range(needed)]
        conditions = [f"!sameTerm(?{a}, ?{b})" for a, b in itertools.combinations(names, 2)]
        if qualified is not None:
            conditions += [f"!{self.breaks(qualified, '?' + n)}" for n in names]
        values = " ".join(f"{focus} {path} ?{n} ." for n in names)
        found = f"EXISTS {{ {values}" + (f" FILTER ({' && '.join(conditions)}) }}" if conditions else " }")
        return f"NOT {found}" if at_least else found

    def sparql_checks(self, shape: Node, target: str) -> list[ShapeChecks]:
        """Return the checks of each SPARQL-based constraint of a shape: its SELECT, with $this joined to the focus nodes, and the ASK of it."""
        checks = []
        for constraint in self.shapes.objects(shape, SH.sparql):
            select = str(self.shapes.value(constraint, SH.select)).replace("$this", "?this")
            prefixes = "".join(f"PREFIX {p}: <{n}>\n" for p, n in self.declared(self.shapes.value(constraint, SH.prefixes)))
            pattern = f"{{ {{ {target} }} {{ {select} }} }}"
            message = self.shapes.value(constraint, SH.message)
            query = f"{prefixes}SELECT * WHERE {pattern} LIMIT {REPORTED_NODES}"
            check = Check(self.name(shape), "sh:sparql", str(message) if message else self.message(shape), query)
            checks.append(ShapeChecks(check.shape, f"{prefixes}ASK {pattern}", (check,)))
        return checks

    def declared(self, ontology: Node | None) -> list[tuple[str, str]]:
        """Return the (prefix, namespace) pairs an ontology declares with sh:declare."""
        if ontology is None:
            return []
        declarations = self.shapes.objects(ontology, SH.declare)
        return sorted((str(self.shapes.value(d, SH.prefix)), str(self.shapes.value(d, SH.namespace))) for d in declarations)

    # -- names --------------------------------------------------------------------------------

    def path(self, path: Node) -> str:
        """Write a SHACL property path as a SPARQL property path."""
        if isinstance(path, URIRef):
            return term(path)
        if (path, RDF.first, None) in self.shapes:
            return "(" + "/".join(self.path(p) for p in Collection(self.shapes, path)) + ")"
        for predicate, operator in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
            if (inner := self.shapes.value(path, predicate)) is not None:
                return f"({self.path(inner)}){operator}"
        if (inner := self.shapes.value(path, SH.inversePath)) is not None:
            return f"^({self.path(inner)})"
        if (inner := self.shapes.value(path, SH.alternativePath)) is not None:
            return "(" + "|".join(self.path(p) for p in Collection(self.shapes, inner)) + ")"
        raise ShapesError(f"ontology/shapes.ttl: a property path this compiler cannot read: {path}")

    def name(self, node: Node) -> str:
        """Name a term for a report: a prefixed name where the shapes file has a prefix."""
        if isinstance(node, URIRef):
            try:
                return self.shapes.namespace_manager.normalizeUri(node)
            except ValueError:
                return f"<{node}>"
        if isinstance(node, BNode):
            members = list(Collection(self.shapes, node)) if (node, RDF.first, None) in self.shapes else []
            return "(" + " ".join(self.name(m) for m in members) + ")" if members else "[]"
        return str(node) if isinstance(node.toPython(), int) else node.n3()

    def message(self, shape: Node) -> str | None:
        message = self.shapes.value(shape, SH.message)
        return str(message) if message is not None else None

    def fresh(self, stem: str = "v") -> str:
        """Return a variable name used nowhere else in the compiled queries."""
        return f"{stem}{next(self.counter)}"


def in_order(pairs: Iterable[tuple[Node, Node]]) -> list[tuple[Node, Node]]:
    """Sort a shape's (predicate, value) pairs by their text, so the compiled checks come out in a stable order."""
    return sorted(pairs, key=lambda pair: (str(pair[0]), str(pair[1])))


INSTANCE_OF = f"<{RDF.type}>/<{RDFS.subClassOf}>*"  # SHACL instances: rdf:type, then any rdfs:subClassOf steps


def term(node: Node) -> str:
    """Write an RDF term in SPARQL syntax (full IRIs, so no query needs prefixes)."""
    if isinstance(node, BNode):
        raise ShapesError(f"ontology/shapes.ttl: a blank node where a constraint needs a value: {node}")
    return node.n3()


def literal(text: str) -> str:
    """Write a string as a SPARQL literal."""
    return rdflib.Literal(text).n3()


def well_typed(v: str, datatype: str) -> str:
    """Return an expression true when v is a literal of the datatype with a well-formed lexical form where Oxigraph can tell."""
    if datatype == NON_NEGATIVE:
        return f"isLiteral({v}) && DATATYPE({v}) = <{datatype}> && <{XSD}integer>(STR({v})) >= 0"
    typed = f"isLiteral({v}) && DATATYPE({v}) = <{datatype}>"
    return f"{typed} && isLiteral(<{datatype}>(STR({v})))" if datatype in CASTS else typed


@cache
def shapes_graph() -> rdflib.Graph:
    """Parse ontology/shapes.ttl once per process."""
    text = resources.files("ontology").joinpath("shapes.ttl").read_text(encoding="utf-8")
    return rdflib.Graph().parse(data=text, format="turtle")


@cache
def checks(subclasses: bool = True) -> tuple[ShapeChecks, ...]:
    """Compile ontology/shapes.ttl once per process, for data with rdfs:subClassOf triples or without."""
    return tuple(Compiler(shapes_graph(), subclasses).checks())


HAS_SUBCLASSES = f"ASK {{ ?class <{RDFS.subClassOf}> ?broader }}"


def broken(store: Store, graphs: Iterable[object] | None = None) -> list[tuple[Check, list[str]]]:
    """Run every check on a store (all its graphs merged, or only `graphs`); return the broken checks with the nodes that break them.

    One ASK per shape finds whether anything breaks it; only then do its checks run one by one, to say what.
    """
    options: dict[str, object] = {"use_default_graph_as_union": True} if graphs is None else {"default_graph": list(graphs)}
    found = []
    for shape in checks(bool(store.query(HAS_SUBCLASSES, **options))):  # type: ignore[arg-type]
        if not store.query(shape.any_broken, **options):  # type: ignore[arg-type]
            continue
        for check in shape.checks:
            rows = list(store.query(check.query, **options))  # type: ignore[arg-type]
            if rows:
                found.append((check, [describe(check, row) for row in rows]))
    return found


def describe(check: Check, row: object) -> str:
    """Name the focus node of a result row, with the check's message filled in from the row's variables."""
    focus = row["this"].value  # type: ignore[index]
    if check.message is None:
        return focus
    message = re.sub(r"\{[?$](\w+)\}", lambda m: filled(row, m.group(1)), check.message)
    return f"{focus} ({message})"


def filled(row: object, variable: str) -> str:
    try:
        value = row["this" if variable == "this" else variable]  # type: ignore[index]
    except KeyError:
        return "?" + variable
    return value.value if value is not None else "?" + variable


def report(found: list[tuple[Check, list[str]]]) -> str | None:
    """Write the broken checks as a report, one line per check, or None when nothing is broken."""
    if not found:
        return None
    lines = [f"{check.shape}, {check.constraint}: {', '.join(nodes)}" for check, nodes in found]
    return f"Validation: {len(found)} constraint(s) broken\n" + "\n".join(lines)


def violations(quads: Iterable[Quad]) -> str | None:
    """Check quads (their graphs merged) against the shapes in a store in memory; return the report when they do not conform."""
    return store_violations(in_memory(quads))


def in_memory(quads: Iterable[Quad]) -> Store:
    """Put quads in a store in memory."""
    store = Store()
    store.bulk_extend(quads)
    return store


def store_violations(store: Store) -> str | None:
    """Check a store's quads (its graphs merged) against the shapes; return the report when they do not conform."""
    return report(broken(store))
