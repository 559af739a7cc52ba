"""Canned queries: ``queries/NAME.rq`` files with a small YAML header.

The header is the file's leading ``#+`` comment lines, so the file stays valid
SPARQL that can be pasted into any endpoint::

    #+ title: {zh: 各省国家重点实验室资助, en: National key lab funding by province}
    #+ description: ...
    #+ theme: money
    #+ parameters:
    #+   province: {type: iri, label: 省份 Province, choices: provinces}

Parameters are bound as RDF terms with pyoxigraph's ``substitutions``, never
pasted into the query text, so each must appear in the SELECT projection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

import yaml
from pyoxigraph import Literal, NamedNode, Quad, Variable

from graph_build import iris
from graph_build.vocab import BASE, RDF_TYPE, Namespace, rdfs, xsd

PARAMETER_TYPES = ("iri", "string", "integer", "decimal")
# The canned queries as data in the graph (SIB sparql-examples convention, https://github.com/sib-swiss/sparql-examples).
ENDPOINT = BASE + "sparql"
sh = Namespace("http://www.w3.org/ns/shacl#")
schema = Namespace("https://schema.org/")


class ParameterError(ValueError):
    """A canned-query parameter that is unknown or of the wrong type."""


@dataclass(frozen=True)
class Parameter:
    """A named, typed parameter of a canned query."""

    name: str
    type: str
    label: str
    choices: str | None = None  # name of a choice list the pages fill from the graph


@dataclass(frozen=True)
class CannedQuery:
    """A canned query: its header and its SPARQL text."""

    name: str
    title_zh: str
    title_en: str
    description: str
    theme: str
    parameters: tuple[Parameter, ...]
    sparql: str
    path: Path


def query_dir() -> Path:
    return Path(str(resources.files("queries")))


def load_all(directory: Path | None = None) -> dict[str, CannedQuery]:
    """Load every canned query of a directory, by name."""
    directory = directory or query_dir()
    return {path.stem: load_one(path) for path in sorted(directory.glob("*.rq"))}


def load_one(path: Path) -> CannedQuery:
    """Load one canned query, naming the file when its header is malformed."""
    text = path.read_text(encoding="utf-8")
    header_lines = [line[2:].removeprefix(" ") for line in text.splitlines() if line.startswith("#+")]
    try:
        header = yaml.safe_load("\n".join(header_lines)) or {}
        title = header["title"]
        parameters = tuple(
            Parameter(name, spec["type"], spec.get("label", name), spec.get("choices"))
            for name, spec in (header.get("parameters") or {}).items()
        )
        query = CannedQuery(path.stem, title["zh"], title["en"], header["description"], header.get("theme", "other"), parameters, text, path)
    except (yaml.YAMLError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: malformed #+ header: {error}") from error
    bad = [p.name for p in parameters if p.type not in PARAMETER_TYPES]
    if bad:
        raise ValueError(f"{path}: parameters of unknown type: {bad}")
    return query


def bind(query: CannedQuery, values: dict[str, str]) -> dict[Variable, NamedNode | Literal]:
    """Turn string parameter values into RDF terms by the query's declared types."""
    known = {p.name: p for p in query.parameters}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ParameterError(f"{query.name}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(known) or 'none'}")
    return {Variable(name): term(known[name], value) for name, value in values.items() if value != ""}


def term(parameter: Parameter, value: str) -> NamedNode | Literal:
    """Make the RDF term of one parameter value, or raise a ParameterError naming it."""
    try:
        if parameter.type == "iri":
            if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", value):
                raise ValueError("not an absolute http(s) IRI")
            return NamedNode(value)
        if parameter.type == "integer":
            return Literal(str(int(value)), datatype=xsd.integer)
        if parameter.type == "decimal":
            number = Decimal(value)
            if not number.is_finite():  # NaN and Infinity are Python decimals, not xsd:decimal
                raise ValueError("not a finite decimal")
            return Literal(str(number), datatype=xsd.decimal)
        return Literal(value)
    except (ValueError, InvalidOperation) as error:
        raise ParameterError(f"parameter {parameter.name!r}: {value!r} is not a valid {parameter.type} ({error})") from error


def header(query: CannedQuery) -> dict:
    """Return the whole parsed ``#+`` header of a canned query, including keys the record does not keep.

    >>> header(CannedQuery("q", "题", "Q", "d", "t", (), "#+ chart: {type: bar, x: a, y: b}\\nSELECT ?a ?b {}\\n", Path("q.rq")))
    {'chart': {'type': 'bar', 'x': 'a', 'y': 'b'}}
    """
    return yaml.safe_load("\n".join(line[2:].removeprefix(" ") for line in query.sparql.splitlines() if line.startswith("#+"))) or {}


def body(query: CannedQuery) -> str:
    """Return the query text without its ``#+`` header lines: plain SPARQL for an editor or another endpoint.

    >>> body(CannedQuery("q", "题", "Q", "d", "t", (), "#+ title: {zh: 题, en: Q}\\n\\nSELECT ?x {}\\n", Path("q.rq")))
    'SELECT ?x {}\\n'
    """
    return "".join(line for line in query.sparql.splitlines(keepends=True) if not line.startswith("#+")).lstrip("\n")


def as_rdf(directory: Path | None = None) -> list[Quad]:
    """Describe every canned query as a ``sh:SPARQLSelectExecutable`` in the queries graph."""
    graph = NamedNode(iris.QUERIES_GRAPH)
    return [Quad(s, p, o, graph) for query in load_all(directory).values() for s, p, o in query_triples(query)]


def query_triples(query: CannedQuery) -> list[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    """Describe one canned query: its text, bilingual labels and comments, theme and endpoint."""
    node = NamedNode(iris.canned_query(query.name))
    description_zh = header(query).get("description_zh")
    triples = [
        (node, RDF_TYPE, sh.SPARQLExecutable),
        (node, RDF_TYPE, sh.SPARQLSelectExecutable),
        (node, sh.select, Literal(body(query))),
        (node, rdfs.label, Literal(query.title_zh, language="zh-Hans")),
        (node, rdfs.label, Literal(query.title_en, language="en")),
        (node, rdfs.comment, Literal(query.description, language="en")),
        (node, schema.target, NamedNode(ENDPOINT)),
        (node, schema.keywords, Literal(query.theme)),
    ]
    if description_zh:
        triples.append((node, rdfs.comment, Literal(description_zh, language="zh-Hans")))
    return triples
