"""Dereferenceable resources and the ontology.

Every IRI the graph mints, ``https://w3id.org/gaoxin-kg/id/X``, is answered at
``/id/X`` the legislation.gov.uk way: the identifier names a thing (a document,
a zone, an incentive), not a page, so ``/id/X`` answers **303 See Other** to a
format-specific document about it, chosen by content negotiation:

    /page/X          HTML page (title, types, properties, inbound links, named graphs, quoted evidence)
    /page/X.ttl      Turtle         /page/X.nt     N-Triples     /page/X.jsonld   JSON-LD
    /page/X.rdf      RDF/XML        /page/X.nq     N-Quads       /page/X.trig     TriG (both keep the named graphs)

The format is chosen in one place (`server.negotiation.choose`): a suffix on
``/id/X.ttl`` or ``/page/X.ttl``, then ``?_format=ttl`` (or ``?format=ttl``),
then the ``Accept`` header (on ``/id/`` only: a ``/page/`` URL is one format), else HTML.
An unknown resource is a 404 page (`server.errors`). Every look-up runs in a query
process (`server.procedures`), under the executor's time limit. The RDF holds the resource's own statements
plus its evidence spans and their selectors.

``/ontology`` documents ontology/gaoxin.ttl (anchors per term: ``/ontology#Incentive``)
and negotiates Turtle (the file as written), RDF/XML, N-Triples and JSON-LD;
``/ontology.ttl``, ``/ontology.rdf``, ``/ontology.nt``, ``/ontology.jsonld`` name one format,
and ``/ontology/shapes.ttl`` serves the SHACL shapes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, make_response, redirect, render_template, request, url_for
from pyoxigraph import RdfFormat, parse

from . import errors, executor, ontology_doc
from .describe import Description, Limits
from .negotiation import FORMATS, Format, choose, split_suffix
from .reader import ELI, Reading
from .resource_formats import ONTOLOGY_FORMATS, RESOURCE_FORMATS, write_rdf
from .summary import Summary

blueprint = Blueprint("resources", __name__)
errors.register_site(blueprint)
SCRIPTS = {"zh-Hans": "简体 Simplified", "zh-Hant": "繁體 Traditional"}
errors.register(blueprint)


def id_base() -> str:
    return current_app.config["BASE_IRI"] + "id/"


def limits() -> Limits:
    """Read the page limits from the configuration (RESOURCE_INBOUND_CAP, RESOURCE_QUOTE_CAP, RESOURCE_CONTEXT) and the page of
    inbound links from ``?_page=`` (0 for anything that is not a small number)."""
    config = current_app.config
    page = request.args.get("_page", "")
    number = int(page) if page.isdigit() and len(page) < 6 else 0
    return Limits(config.get("RESOURCE_INBOUND_CAP", 50), config.get("RESOURCE_QUOTE_CAP", 30), config.get("RESOURCE_CONTEXT", 120), number)


def resolve(path: str) -> tuple[str, str | None]:
    """Find the resource a path names and the format suffix it carries (in a query process), or answer 404."""
    readings = tuple(dict.fromkeys([(path, None), split_suffix(path, RESOURCE_FORMATS)]))
    found = executor.call("resolve", id_base(), readings)
    if found is None:
        raise errors.Problem(404, f"图谱中没有这个资源。 The graph holds nothing named {id_base() + path}", iri=id_base() + path)
    return found


def document_url(path: str, form: Format) -> str:
    return url_for("resources.document", path=path if form.name == "html" else f"{path}.{form.name}")


@blueprint.get("/id/<path:path>")
def identifier(path: str) -> Response:
    """Answer 303 See Other to the document about the resource, in the negotiated format."""
    stem, suffix = resolve(path)
    form = choose(RESOURCE_FORMATS, suffix)
    response = redirect(document_url(stem, form), 303)
    response.vary.add("Accept")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.get("/page/<path:path>")
def document(path: str) -> Response:
    """Serve the document about a resource: HTML, or the RDF format its suffix or ?format= names."""
    stem, suffix = resolve(path)
    form = choose(RESOURCE_FORMATS, suffix, accept=False)
    description: Description = executor.call("describe", id_base() + stem, current_app.config["BASE_IRI"], limits())
    html_only = form.rdf is None
    reading = reading_of(description) if html_only else None
    summary = executor.call("summarise", description.iri, current_app.config["BASE_IRI"]) if html_only and reading is None else None
    response = render_description(description, form, stem, reading, summary)
    response.headers["Link"] = ", ".join(f'<{url}>; rel="alternate"; type="{f.media_type}"' for f, url in alternates(stem) if f != form)
    if form.rdf is not None:
        response.headers["Access-Control-Allow-Origin"] = "*"  # read-only data, like /sparql
    return response


def alternates(stem: str) -> list[tuple[Format, str]]:
    """List every format of a resource's document with its URL."""
    return [(FORMATS[name], document_url(stem, FORMATS[name])) for name in RESOURCE_FORMATS]


def reading_of(description: Description) -> Reading | None:
    """Read a document (a work, or one of its expressions) with its text marked, or None for any other resource."""
    types = {t.value for t in description.types}
    base = current_app.config["BASE_IRI"]
    if ELI + "LegalResource" in types:
        return executor.call("read", description.iri, None, base)
    if ELI + "LegalExpression" in types:
        work = next((s.other.value for s in description.statements if s.predicate.value == ELI + "realizes"), None)
        return executor.call("read", work, description.iri, base) if work else None
    return None


def render_description(description: Description, form: Format, stem: str, reading: Reading | None = None, summary: Summary | None = None) -> Response:
    """Render a description as HTML or as RDF, in one place."""
    if form.rdf is None:
        query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{description.iri}> {{ ?s ?p ?o }} }} LIMIT 100"
        html = render_template(
            "resource.html", d=description, r=reading, s=summary, scripts=SCRIPTS, page=limits().page,
            alternates=alternates(stem)[1:], graph_query="/sparql?" + urlencode({"query": query}),
        )
        return make_response(html)
    return Response(write_rdf(description.quads, form), mimetype=form.media_type)


@blueprint.get("/ontology")
@blueprint.get("/ontology.<suffix>")
def ontology(suffix: str | None = None) -> Response:
    """Serve the ontology: HTML documentation, or Turtle, RDF/XML, N-Triples, JSON-LD."""
    if suffix is not None and suffix not in ONTOLOGY_FORMATS:
        raise errors.Problem(404, f"no ontology format {suffix!r}; offered: {', '.join(ONTOLOGY_FORMATS)}")
    form = choose(ONTOLOGY_FORMATS, suffix)
    if form.rdf is None:
        response = make_response(render_template("ontology.html", doc=executor.call("ontology"), formats=ontology_alternates()))
    elif form.rdf == RdfFormat.TURTLE:
        response = Response(ontology_doc.turtle(), mimetype=form.media_type)
    else:
        response = Response(write_rdf(parse(ontology_doc.turtle(), format=RdfFormat.TURTLE), form), mimetype=form.media_type)
    if suffix is None:
        response.vary.add("Accept")
    return response


def ontology_alternates() -> list[tuple[Format, str]]:
    return [(FORMATS[n], url_for("resources.ontology", suffix=n)) for n in ONTOLOGY_FORMATS[1:]]


@blueprint.get("/ontology/shapes.ttl")
def shapes() -> Response:
    """Serve the SHACL shapes every build is validated against."""
    return Response(ontology_doc.shapes(), mimetype="text/turtle")
