"""The map of China on the home page and the province pages: provinces coloured by a figure read from the graph.

The shapes are static (server/static/map.json, made by data/reference/make_map.py from a
licensed package); the figures come from a SPARQL query per figure, run once per graph
version. `china_map(figure, highlight)` is a template global that returns everything the
``_map.html`` partial draws: an inline SVG (no script), each province a link to its page,
a legend and the figures as a table. ``?_map=documents|incentives|yuan`` chooses the figure.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from . import executor, graph
from .display import local_href

PREFIXES = """PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
PROVINCES = PREFIXES + """SELECT ?province ?code ?name WHERE {
  ?province a gx:Province ; skos:notation ?code ; skos:prefLabel ?name FILTER(lang(?name) = "zh-hans")
}"""


@dataclass(frozen=True)
class Figure:
    name: str
    label_zh: str
    label_en: str
    sparql: str  # SELECT ?code ?value, one row per province with a value
    unit: str = ""
    divisor: int = 1  # shown value = value / divisor (yuan → 万元)


FIGURES = {
    figure.name: figure
    for figure in (
        Figure("documents", "政策文件数", "Documents", PREFIXES + """SELECT ?code (COUNT(DISTINCT ?document) AS ?value) WHERE {
  ?document eli:is_realized_by ?expression ; eli:jurisdiction ?province . ?province a gx:Province ; skos:notation ?code
} GROUP BY ?code"""),
        Figure("incentives", "资金激励措施数", "Incentives", PREFIXES + """SELECT ?code (COUNT(DISTINCT ?incentive) AS ?value) WHERE {
  ?incentive a gx:Incentive ; gx:inMeasure/eli:is_part_of/eli:jurisdiction ?province .
  ?province a gx:Province ; skos:notation ?code
} GROUP BY ?code"""),
        Figure("yuan", "固定金额合计", "Total fixed amounts", PREFIXES + """SELECT ?code (SUM(?yuan) AS ?value) WHERE {
  { SELECT DISTINCT ?incentive ?yuan ?province WHERE { ?incentive gx:amountYuan ?yuan ; gx:inMeasure/eli:is_part_of/eli:jurisdiction ?province } }
  ?province a gx:Province ; skos:notation ?code
} GROUP BY ?code""", unit="万元", divisor=10_000),
    )
}
DEFAULT_FIGURE = "documents"
COLOURS = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")  # ColorBrewer Blues, light to dark
NO_VALUE = "#f3f4f6"


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    d: str
    fill: str
    value: str  # as shown, "" when none
    href: str | None
    label: tuple[float, float]
    highlighted: bool = False


@dataclass(frozen=True)
class MapView:
    figure: Figure
    figures: list[Figure]
    view_box: str
    shapes: list[Shape]
    others: list[dict[str, Any]]
    legend: list[tuple[str, str]]  # (colour, range)
    rows: list[Shape]  # the provinces with a value, largest first


def init_app(app: Flask) -> None:
    """Let every template call china_map(figure, highlight)."""
    app.add_template_global(china_map)


@cache
def shapes_file(static_folder: str) -> dict[str, Any]:
    return json.loads((Path(static_folder) / "map.json").read_text(encoding="utf-8"))


def china_map(figure: str | None = None, highlight: str | None = None) -> MapView:
    """Colour the provinces by a figure (documents, incentives or yuan; an unknown name gives documents), marking one province."""
    chosen = FIGURES.get(figure or DEFAULT_FIGURE, FIGURES[DEFAULT_FIGURE])
    drawing = shapes_file(current_app.static_folder or "")
    provinces = graph.current().remember("map_provinces", lambda: {row["code"].value: row for row in executor.select(PROVINCES)})
    values = graph.current().remember(f"map_{chosen.name}", lambda: figure_values(chosen))
    top = max(values.values(), default=Decimal(0))
    base = current_app.config["BASE_IRI"]
    shapes = []
    for code, shape in drawing["provinces"].items():
        row, value = provinces.get(code), values.get(code)
        iri = row["province"].value if row else None
        shapes.append(Shape(code, row["name"].value if row else code, shape["d"], colour(value, top), shown(value, chosen),
                            local_href(iri, base) if iri else None, tuple(shape["label"]), iri is not None and iri == highlight))
    rows = sorted((s for s in shapes if s.value), key=lambda s: -values[s.code])
    return MapView(chosen, list(FIGURES.values()), drawing["viewBox"], shapes, drawing["others"], legend(top, chosen), rows)


def figure_values(figure: Figure) -> dict[str, Decimal]:
    """Run a figure's query: GB/T 2260 code → value."""
    return {row["code"].value: Decimal(row["value"].value) for row in executor.select(figure.sparql) if "value" in row}


def colour(value: Decimal | None, top: Decimal) -> str:
    """Pick one of five classes of equal width up to the largest value; no value gets the neutral fill.

    >>> colour(Decimal(1), Decimal(10)), colour(Decimal(10), Decimal(10)), colour(None, Decimal(10))
    ('#deebf7', '#08519c', '#f3f4f6')
    """
    if value is None or value <= 0 or top <= 0:
        return NO_VALUE
    return COLOURS[min(len(COLOURS) - 1, math.ceil(len(COLOURS) * value / top) - 1)]


def shown(value: Decimal | None, figure: Figure) -> str:
    if value is None or value <= 0:
        return ""
    number = value / figure.divisor
    text = f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.1f}"
    return f"{text} {figure.unit}".strip()


def legend(top: Decimal, figure: Figure) -> list[tuple[str, str]]:
    """Describe the classes that can hold a value by their ranges (counts as whole numbers), then the fill of provinces without one.

    >>> legend(Decimal(2), FIGURES["documents"])
    [('#6baed6', '1'), ('#08519c', '2'), ('#f3f4f6', '无数据 no value')]
    """
    classes = []
    for index, fill in enumerate(COLOURS if top > 0 else ()):
        low, high = top * index / len(COLOURS), top * (index + 1) / len(COLOURS)
        if figure.divisor == 1:  # a count: the whole numbers in (low, high]
            first, last = math.floor(low) + 1, math.floor(high)
            if first <= last:
                classes.append((fill, str(first) if first == last else f"{first}–{last}"))
        else:
            classes.append((fill, f"≤ {shown(high, figure)}"))
    return [*classes, (NO_VALUE, "无数据 no value")]
