"""The home page and the canned-query pages: one result per request, rendered as HTML, CSV or JSON.

    /                          what the dataset is, how big it is, and the canned queries by theme
    /queries                   every canned query (queries/*.rq) by theme; also /queries.csv, /queries.json
    /queries/NAME              a query's description, parameter form, results, chart and SPARQL
    /queries/NAME.csv|.json    the same result as data

The format is chosen where every blueprint chooses it, `server.negotiation`: a
.csv/.json suffix, then ``?_format=`` (or ``?format=``), then the Accept header;
errors are written by `server.errors` in that format. URL parameters starting with
``_`` (and ``format``) are reserved; every other one is a query parameter, bound as
an RDF term by ``graph_build.canned.bind`` and never pasted into the query text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from pyoxigraph import Literal, NamedNode

from graph_build import canned
from graph_build.canned import CannedQuery, ParameterError

from . import charts, display, errors, executor, federation, graph, sparql
from .errors import Problem
from .negotiation import FORMAT_PARAMETERS, choose, split_suffix
from .result_table import XSD, Cell, Table, column_label, csv_text, json_text, read_results, wan_yuan

blueprint = Blueprint("queries", __name__)
errors.register(blueprint)
blueprint.register_error_handler(federation.NotFederated, federation.offline_page)

JSON_RESULTS = "application/sparql-results+json"
OFFERED = ("html", "csv", "json")
DATA_SUFFIXES = ("csv", "json")  # /queries/NAME.csv, /queries/NAME.json; the HTML page has no suffix
FORMATS = {"html": "text/html", "csv": "text/csv", "json": "application/json"}
DATES = {XSD + "date", XSD + "dateTime", XSD + "gYear"}
LONG_TEXT = 16  # characters from which a text cell gets room to wrap as a paragraph
THEMES = {  # theme key → (zh, en), in the order the pages list them
    "documents": ("政策文件", "Documents"),
    "money": ("资金激励", "Money and incentives"),
    "departments": ("责任部门", "Departments"),
    "industries": ("园区与产业", "Zones and industries"),
    "targets": ("目标与数值规定", "Targets and numeric provisions"),
    "places": ("地区与代码", "Places and codes"),
    "research": ("研究功能：政策工具与扩散", "Research: policy instruments and diffusion"),
}
PREFIXES = """PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
# The choice lists of parameter dropdowns, by the `choices` key of a parameter: each query gives ?value and ?label.
CHOICES = {
    "provinces": PREFIXES + """SELECT DISTINCT ?value ?label WHERE {
  ?document eli:is_realized_by ?expression ; eli:jurisdiction ?value .
  ?value skos:prefLabel ?label FILTER(langMatches(lang(?label), "zh-Hans")) } ORDER BY ?label""",
    "recipient-types": PREFIXES + """SELECT ?value ?label WHERE {
  ?value skos:inScheme <https://w3id.org/gaoxin-kg/id/scheme/recipient-type> ; skos:prefLabel ?label
  FILTER(langMatches(lang(?label), "zh-Hans")) } ORDER BY ?label""",
    "industries": PREFIXES + """SELECT ?value ?label WHERE {
  ?value skos:inScheme <https://w3id.org/gaoxin-kg/id/scheme/industry> ; skos:prefLabel ?label
  FILTER(langMatches(lang(?label), "zh-Hans")) } ORDER BY ?label""",
    "documents": PREFIXES + """SELECT ?value (SAMPLE(?name) AS ?label) WHERE {
  ?value eli:is_realized_by ?expression . OPTIONAL { ?value eli:title ?name } } GROUP BY ?value ORDER BY ?label""",
    "linked-measures": PREFIXES + """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?value (SAMPLE(CONCAT(COALESCE(?number, ?title, ""), " ", ?path, " ", COALESCE(?heading, ""))) AS ?label) WHERE {
  ?link a gx:SimilarityLink ; oa:hasTarget ?value . ?value eli:is_part_of ?document ; gx:path ?path .
  OPTIONAL { ?value eli:title ?heading } OPTIONAL { ?document eli:id_local ?number } OPTIONAL { ?document eli:title ?title }
} GROUP BY ?value ORDER BY ?label""",
    "directives": PREFIXES + """SELECT ?value (SAMPLE(CONCAT(?value, " ", COALESCE(?title, ""))) AS ?label) WHERE {
  ?document eli:ensures_implementation_of ?directive . ?directive eli:id_local ?value .
  OPTIONAL { ?directive eli:title ?title } } GROUP BY ?value ORDER BY ?value""",
}
COUNTS = PREFIXES + """SELECT ?documents ?measures ?incentives ?provinces WHERE {
  { SELECT (COUNT(DISTINCT ?d) AS ?documents) WHERE { ?d eli:is_realized_by ?e } }
  { SELECT (COUNT(DISTINCT ?m) AS ?measures) WHERE { ?m a gx:Measure } }
  { SELECT (COUNT(DISTINCT ?i) AS ?incentives) WHERE { ?i a gx:Incentive } }
  { SELECT (COUNT(DISTINCT ?p) AS ?provinces) WHERE { ?d eli:is_realized_by ?e ; eli:jurisdiction ?p } } }"""
COUNT_LABELS = {"documents": "政策文件 documents", "measures": "政策措施 measures", "incentives": "激励措施 incentives", "provinces": "省份 provinces"}


# -- records ---------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A canned query with the header keys its page needs beyond the CannedQuery record."""

    query: CannedQuery
    description_zh: str | None
    chart: dict[str, Any] | None
    columns: dict[str, Any] | None = None  # the header's `columns:` key: {variable: {zh: …, en: …}}
    pairs: tuple[str, str] | None = None  # the header's `pairs:` key: two columns naming an unordered pair, listed once

    @property
    def name(self) -> str:
        return self.query.name


@dataclass(frozen=True)
class Choice:
    """One option of a parameter dropdown."""

    value: str
    label: str


@dataclass(frozen=True)
class Field:
    """One parameter of the form: its current value and, when it has a choice list, the options."""

    name: str
    label: str
    type: str
    value: str
    options: tuple[Choice, ...] | None


@dataclass(frozen=True)
class CellView:
    """How one cell shows in an HTML table."""

    text: str
    href: str | None = None
    css: str = ""
    lang: str | None = None
    title: str | None = None
    sort: str | None = None  # the value a column sorts by, when the text shown is not it (a number)


# -- the catalogue -----------------------------------------------------------------


@blueprint.record_once
def load_catalogue(state: BlueprintSetupState) -> None:
    """Load every canned query once, when the app is made, so a malformed file fails at start."""
    state.app.extensions["gaoxin_queries"] = catalogue_of(state.app)


def catalogue_of(app: Flask) -> dict[str, Page]:
    """Read the canned queries (from QUERY_DIR when configured) into pages, by name."""
    queries = canned.load_all(app.config.get("QUERY_DIR"))
    return {name: page_of(query) for name, query in queries.items()}


def page_of(query: CannedQuery) -> Page:
    header = canned.header(query)
    pairs = header.get("pairs")
    return Page(query, header.get("description_zh"), header.get("chart"), header.get("columns"), tuple(pairs) if pairs else None)


def catalogue() -> dict[str, Page]:
    return current_app.extensions["gaoxin_queries"]


def by_theme(pages: list[Page]) -> list[tuple[str, str, list[Page]]]:
    """Group pages by theme in THEMES order (unknown themes last): (zh label, en label, pages)."""
    themes = [*THEMES, *sorted({p.query.theme for p in pages} - set(THEMES))]
    labels = [THEMES.get(theme, (theme, theme)) for theme in themes]
    groups = [(zh, en, [p for p in pages if p.query.theme == theme]) for theme, (zh, en) in zip(themes, labels, strict=True)]
    return [group for group in groups if group[2]]


def find_page(name: str) -> Page:
    page = catalogue().get(name)
    if page is None:
        raise Problem(404, f"no canned query named {name!r}; see /queries for the list")
    return page


# -- running queries ---------------------------------------------------------------------


def run(sparql: str, substitutions: dict[str, NamedNode | Literal] | None = None) -> Table:
    """Run a query through the executor and read its JSON results into a table."""
    result = executor.execute(sparql, result_format=JSON_RESULTS, substitutions=substitutions)
    return capped(read_results(result.body, result.truncated))


def capped(table: Table) -> Table:
    """Cut a table to ROW_CAP rows, marking it truncated (whether or not the executor already did)."""
    cap = current_app.config.get("ROW_CAP")
    if cap is None or len(table.rows) <= cap:
        return table
    return Table(table.columns, table.rows[:cap], True)


def run_canned(query: CannedQuery, values: dict[str, str]) -> Table:
    """Run a canned query with its parameters bound as RDF terms (a ParameterError names a bad one), federated ones on their configured endpoint."""
    bound = canned.bind(query, values)
    configured = current_app.config.get("SERVICE_ENDPOINTS") or {}
    try:
        return run(federation.prepare(query, configured), {variable.value: term for variable, term in bound.items()})
    except executor.QueryRefused as error:
        if error.reason != "service":
            raise
        raise federation.NotFederated(query, configured, error.message) from error


def once_per_pair(table: Table, pairs: tuple[str, str] | None) -> Table:
    """Keep the first row of each unordered pair (a, b): the row (b, a) a symmetric link gives too is dropped."""
    if not pairs or not set(pairs) <= set(table.columns):
        return table
    left, right = (table.columns.index(name) for name in pairs)
    seen: set[tuple[str, str]] = set()
    kept = []
    for row in table.rows:
        key = (row[left].value if row[left] else "", row[right].value if row[right] else "")
        if key[::-1] not in seen:
            kept.append(row)
        seen.add(key)
    return Table(table.columns, tuple(kept), table.truncated)


def parameter_values(query: CannedQuery) -> dict[str, str]:
    """Return the query's declared parameters from the request, refusing overlong ones; any other parameter
    (a reserved `_name`, `format`, or a tracker's `?from=singlemessage`) is ignored."""
    declared = {p.name for p in query.parameters}
    values = {name: value for name, value in request.args.items() if name in declared and name not in FORMAT_PARAMETERS}
    limit = current_app.config.get("MAX_PARAMETER_LENGTH", 2_000)
    for name, value in values.items():
        if len(name) + len(value) > limit:
            raise ParameterError(f"parameter {name[:80]!r}: {len(name) + len(value)} characters long; at most {limit} are accepted")
    return values


def choice_list(name: str) -> tuple[Choice, ...]:
    return tuple(Choice(row["value"] or "", row["label"] or row["value"] or "") for row in run(CHOICES[name]).records())


def fields(query: CannedQuery, values: dict[str, str]) -> list[Field]:
    """Describe the query's parameter form, filling dropdowns from the graph."""
    return [
        Field(p.name, p.label, p.type, values.get(p.name, ""), choice_list(p.choices) if p.choices in CHOICES else None)
        for p in query.parameters
    ]


# -- formats -----------------------------------------------------------------------------


def output_format(suffix: str | None) -> str:
    """Choose the output format in the one place every blueprint does (`server.negotiation`): suffix, ?_format=, Accept."""
    return choose(OFFERED, suffix).name


def respond(fmt: str, table: Table, about: dict[str, Any], html: Callable[[], str], urls: dict[str, str]) -> Response:
    """Render one result in the chosen format, with Link headers to its other formats."""
    if fmt == "csv":  # a download for spreadsheets: byte-order mark, formulas neutralised (server/result_table.py)
        response = Response(csv_text(table), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{about.get("query", "queries")}.csv"'
    elif fmt == "json":
        response = Response(json_text(table, about), mimetype="application/json")
    else:
        response = Response(html(), mimetype="text/html")
    response.headers["Link"] = ", ".join(f'<{url}>; rel="alternate"; type="{FORMATS[other]}"' for other, url in urls.items() if other != fmt)
    response.vary.add("Accept")
    if fmt != "html":
        response.headers["Access-Control-Allow-Origin"] = "*"  # read-only data, like /sparql
    if table.truncated:
        response.headers["X-Gaoxin-Truncated"] = "true"  # as the SPARQL endpoint says it; CSV has no place for it
    return response


def query_urls(name: str, values: dict[str, str]) -> dict[str, str]:
    """Link one canned query's result, with the same parameters, as HTML, CSV and JSON."""
    params = {key: value for key, value in values.items() if value != ""}
    return {fmt: url_for("queries.query_page", name=name if fmt == "html" else f"{name}.{fmt}", **params) for fmt in FORMATS}


def catalogue_urls() -> dict[str, str]:
    """Link the list of canned queries as HTML, CSV and JSON."""
    return {fmt: url_for("queries.catalogue_page", suffix=None if fmt == "html" else fmt) for fmt in FORMATS}


# -- HTML views ---------------------------------------------------------------------------


LABELS = PREFIXES + """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label WHERE { VALUES ?s { %s } { ?s skos:prefLabel ?label } UNION { ?s rdfs:label ?label } UNION { ?s eli:title ?label } }"""
LABEL_SUFFIXES = ("_name", "_label", "_title")  # a column ?x_name beside ?x is ?x's label: shown as one linked column


def labels_of(table: Table) -> dict[str, str]:
    """Look up one label per IRI of this dataset in the table (zh-Hans first), in one query."""
    base = current_app.config["BASE_IRI"] + "id/"
    iris = sorted({c.value for row in table.rows for c in row if c is not None and c.kind == "uri" and c.value.startswith(base)})
    if not iris:
        return {}
    found: dict[str, list[tuple[str, str, int]]] = {}
    for row in run(LABELS % " ".join(str(NamedNode(iri)) for iri in iris[:2000])).rows:
        if row[0] is not None and row[1] is not None:
            found.setdefault(row[0].value, []).append((row[1].value, (row[1].lang or "").lower(), 0))
    return {iri: label for iri, candidates in found.items() if (label := display.best_label(candidates))}


def view(value: Cell | None, labels: dict[str, str], money: bool = False) -> CellView:
    """Show a cell: IRIs of this dataset as their linked label, sums of yuan in 万元 (the exact yuan on hover), numbers aligned right."""
    if value is None:
        return CellView("")
    if value.kind == "uri":
        return iri_view(value.value, labels)
    if value.is_number and money:
        return CellView(wan_yuan(value.value), css="number money", title=f"{display.format_number(value.value)} 元", sort=value.value)
    if value.is_number:
        return CellView(display.format_number(value.value), css="number", sort=value.value)
    css = "date" if value.datatype in DATES else "long" if len(value.value) > LONG_TEXT else ""
    return CellView(value.value, css=css, lang=value.lang)


def iri_view(iri: str, labels: dict[str, str]) -> CellView:
    base = current_app.config["BASE_IRI"]
    if iri.startswith(base + "id/"):
        path = iri[len(base) :]
        return CellView(labels.get(iri) or " ".join(path.split("/")[-2:]), href=f"{request.script_root}/{path}", css="entity", title=iri)
    link = iri if iri.startswith(("http://", "https://")) else None  # never a javascript: link
    return CellView(iri, href=link, css="iri")


def linked_labels(columns: tuple[str, ...]) -> dict[int, int]:
    """Pair each label column (?x_name) with the IRI column it names (?x): label index → IRI index.

    >>> linked_labels(("province", "province_name", "yuan"))
    {1: 0}
    """
    index = {name: i for i, name in enumerate(columns)}
    return {i: index[name[: -len(suffix)]] for i, name in enumerate(columns) for suffix in LABEL_SUFFIXES
            if name.endswith(suffix) and name[: -len(suffix)] in index}


def table_view(table: Table, declared: dict[str, Any] | None = None) -> dict[str, Any]:
    """Prepare a table for the _results.html partial: bilingual headers, linked labels, readable sums; an IRI column
    that a label column names is folded into it."""
    labels = labels_of(table)
    pairs = linked_labels(table.columns)
    shown = [i for i in range(len(table.columns)) if i not in pairs.values()]
    money = [name.endswith("yuan") for name in table.columns]
    numeric = [any(row[i] is not None and row[i].is_number for row in table.rows) for i in range(len(table.columns))]
    rows = []
    for row in table.rows:
        cells = [view(c, labels, money[i]) for i, c in enumerate(row)]
        for label, iri in pairs.items():
            if cells[iri].href and cells[label].text:
                cells[label] = CellView(cells[label].text, href=cells[iri].href, css="entity", lang=cells[label].lang, title=cells[iri].title)
            elif not cells[label].text:
                cells[label] = cells[iri]
        rows.append([cells[i] for i in shown])
    columns = [(table.columns[i], *column_label(table.columns[i], declared), numeric[i]) for i in shown]
    return {"columns": columns, "rows": rows, "truncated": table.truncated, "count": len(table.rows)}


def editor_url(query: CannedQuery, values: dict[str, str]) -> str:
    """Link the query's SPARQL, its parameters bound by a trailing VALUES clause, into the YASGUI editor, which reads #query=."""
    text = sparql.with_values(canned.body(query), canned.bind(query, values))
    return f"{request.script_root}/sparql#query={quote(text, safe='')}"


# -- routes -----------------------------------------------------------------------------------


@blueprint.get("/")
def home() -> str:
    """Show what the dataset is, its size counted from the graph, and the canned queries by theme."""
    record = graph_counts()
    counts = [(label, record[name]) for name, label in COUNT_LABELS.items()]
    return render_template("home.html", counts=counts, themes=by_theme(list(catalogue().values())))


def graph_counts() -> dict[str, str]:
    """Count documents, measures, incentives and provinces of the served graph, once per graph version (the snapshot's memo)."""
    solution = graph.current().remember("home_counts", lambda: executor.select(COUNTS)[0])
    return {name: solution[name].value for name in COUNT_LABELS}


@blueprint.get("/queries", defaults={"suffix": None})
@blueprint.get("/queries.<suffix>")
def catalogue_page(suffix: str | None) -> Response:
    """List every canned query by theme, as HTML, CSV or JSON."""
    if suffix not in (None, "csv", "json"):
        raise Problem(404, f"no format {suffix!r}; use .csv or .json")
    fmt = output_format(suffix)
    pages = list(catalogue().values())
    urls = catalogue_urls()
    return respond(fmt, catalogue_table(pages), {}, lambda: render_template("queries.html", themes=by_theme(pages), urls=urls), urls)


def catalogue_table(pages: list[Page]) -> Table:
    """Describe the canned queries as a table, for the CSV and JSON twins of the list."""
    columns = ("name", "title_zh", "title_en", "theme", "description", "description_zh", "parameters", "page")
    rows = [
        (p.name, p.query.title_zh, p.query.title_en, p.query.theme, p.query.description, p.description_zh or "",
         " ".join(f"{x.name}:{x.type}" for x in p.query.parameters), url_for("queries.query_page", name=p.name, _external=True))
        for p in pages
    ]
    return Table(columns, tuple(tuple(Cell(v, "literal") for v in row) for row in rows))


@blueprint.get("/queries/<name>")
def query_page(name: str) -> Response:
    """Run one canned query with the request's parameters and show the result in the chosen format."""
    stem, suffix = split_suffix(name, DATA_SUFFIXES)
    fmt = output_format(suffix)
    page = find_page(stem)
    values = parameter_values(page.query)
    table = once_per_pair(run_canned(page.query, values), page.pairs)
    urls = query_urls(stem, values)
    about = {"query": stem, "title": {"zh": page.query.title_zh, "en": page.query.title_en}, "parameters": values}
    return respond(fmt, table, about, lambda: query_html(page, values, table, urls), urls)


def query_html(page: Page, values: dict[str, str], table: Table, urls: dict[str, str]) -> str:
    """Render the HTML page of a canned query: most specific template first."""
    return render_template(
        [f"queries_query-{page.name}.html", "queries_query.html"],
        page=page, fields=fields(page.query, values), table=table_view(table, page.columns), urls=urls,
        chart=charts.chart(page.chart, table.records()), sparql=canned.body(page.query), editor_url=editor_url(page.query, values),
    )
