"""Full-text search over the documents' titles and measures, with facets: /search (HTML) and /search.json.

The index is the SQLite FTS5 file `gaoxin-kg build` writes inside each store version
(`graph_build.store.search_index`), so the page always searches the version it serves.
A query in simplified or traditional script finds both (the index and the query are
folded with OpenCC). Facet parameters (province=IRI, type=IRI, year=YYYY, instrument=IRI,
recipient=IRI, industry=IRI; repeatable) narrow the hits; ``_page=N`` pages them.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from graph_build.store import search_index
from graph_build.store.search_index import FACETS, PAGE_SIZE, Results, SearchUnavailable

from . import errors, graph
from .display import local_href
from .errors import Problem

blueprint = Blueprint("search", __name__)
errors.register(blueprint)
MAX_QUERY = 200  # characters of search text accepted


@blueprint.get("/search")
@blueprint.get("/search.json")
def search_page() -> Response | str:
    """Search the served version's index and show the hits with their facets, or send them as JSON."""
    text, filters, page = read_request()
    results = run(text, filters, page) if text or filters else None
    if request.path.endswith(".json"):
        return jsonify(as_json(text, results))
    return render_template("search.html", text=text, filters=filters, page=page, results=results, view=view(results),
                           facets=FACETS, page_size=PAGE_SIZE, href=href, page_link=page_link)


def read_request() -> tuple[str, dict[str, list[str]], int]:
    """Read the search text, the selected facet values and the page, refusing what cannot be searched (400 naming it)."""
    text = request.args.get("q", "").strip()
    if len(text) > MAX_QUERY:
        raise Problem(400, f"parameter 'q' is {len(text)} characters long; at most {MAX_QUERY} are accepted")
    filters = {name: [v for v in request.args.getlist(name) if v] for name in FACETS}
    try:
        page = int(request.args.get("_page", "1"))
    except ValueError:
        raise Problem(400, f"parameter '_page' must be a whole number, not {request.args.get('_page')!r}") from None
    return text, {name: values for name, values in filters.items() if values}, max(page, 1)


def run(text: str, filters: dict[str, list[str]], page: int) -> Results:
    """Search the index of the version this request reads."""
    snapshot = graph.current()
    try:
        return search_index.search(Path(snapshot.location), text, filters, page)
    except SearchUnavailable as error:
        raise Problem(503, f"搜索不可用 Search is not available: {error}") from None


def href(iri: str) -> str:
    """Link an IRI of this graph to its page here."""
    return local_href(iri, current_app.config["BASE_IRI"])


def page_link(page: int) -> str:
    """Return this search's URL on another page of hits."""
    pairs = [(name, value) for name, value in request.args.items(multi=True) if name != "_page"]
    return "/search?" + urlencode([*pairs, ("_page", str(page))])


def view(results: Results | None) -> dict | None:
    """Prepare the facet links: each value toggles itself in the current search."""
    if results is None:
        return None
    pairs = [(name, value) for name, value in request.args.items(multi=True) if name != "_page"]
    links = {}
    for name, values in results.facets.items():
        for value in values:
            chosen = [p for p in pairs if p != (name, value.value)] if value.selected else [*pairs, (name, value.value)]
            links[(name, value.value)] = "/search?" + urlencode(chosen)
    return {"links": links, "pages": (results.total + PAGE_SIZE - 1) // PAGE_SIZE}


def as_json(text: str, results: Results | None) -> dict:
    if results is None:
        return {"q": text, "total": 0, "hits": [], "facets": {}}
    return {"q": text, "total": results.total, "hits": [asdict(hit) for hit in results.hits],
            "facets": {name: [asdict(value) for value in values] for name, values in results.facets.items()}}
