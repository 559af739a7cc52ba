"""Charts of canned-query results, laid out here and drawn as inline SVG by ``_chart.html``.

A query asks for a chart in its header (``chart: {type: bar, x: province, y: amount_yuan}``
or ``chart: {type: timeline, x: date, label: [province, doc_number]}``); ``x`` and
``label`` may name several columns, joined by " · ". Only rows with a usable value are
drawn; the page says how many were left out. No JavaScript: the chart is in the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

LABEL_WIDTH = 250  # px of the label column, left of the plot
PLOT_WIDTH = 520  # px of the longest bar or of the time axis
VALUE_WIDTH = 120  # px right of the plot for the value text
ROW_HEIGHT = 24
LABEL_CHARS = 18  # longer labels are cut with "…" (the full label is the SVG <title>)
MAX_ROWS = 40
CHART_TYPES = ("bar", "timeline")


@dataclass(frozen=True)
class Mark:
    """One drawn row at height y: a bar (x..x+length) or a dot (at x), with its label and value text."""

    label: str
    short_label: str
    text: str
    x: float
    y: float
    length: float = 0.0
    series: int = 0  # which series of the chart's legend the bar belongs to (its colour)

    @property
    def baseline(self) -> float:
        return self.y + 16

    @property
    def middle(self) -> float:
        return self.y + 12

    @property
    def bar_top(self) -> float:
        return self.y + 4

    @property
    def text_x(self) -> float:
        return round(self.x + self.length + (6 if self.length else 10), 1)


@dataclass(frozen=True)
class Chart:
    """A laid-out chart: its marks, axis ticks (x, text), size, and what was left out."""

    kind: str
    title: str
    marks: tuple[Mark, ...]
    ticks: tuple[tuple[float, str], ...]
    width: int
    height: int
    left_out: int
    left: int = LABEL_WIDTH  # where the plot starts
    right: int = LABEL_WIDTH + PLOT_WIDTH  # where it ends
    legend: tuple[str, ...] = ()  # the series' names, by Mark.series

    @property
    def axis_y(self) -> int:
        return self.height - 20


def columns_of(spec: dict[str, Any], key: str) -> list[str]:
    """Return the column names a chart spec gives for a key, as a list.

    >>> columns_of({"x": ["province", "recipient"]}, "x")
    ['province', 'recipient']
    >>> columns_of({"x": "province"}, "x")
    ['province']
    """
    value = spec.get(key) or []
    return [value] if isinstance(value, str) else list(value)


def spec_columns(spec: dict[str, Any]) -> list[str]:
    """List every column a chart spec refers to."""
    return [*columns_of(spec, "x"), *columns_of(spec, "y"), *columns_of(spec, "label")]


def joined(row: dict[str, str | None], names: Sequence[str]) -> str:
    """Join the non-empty values of some columns of a row.

    >>> joined({"a": "云南省", "b": None, "c": "国家重点实验室"}, ["a", "b", "c"])
    '云南省 · 国家重点实验室'
    """
    return " · ".join(row[name] for name in names if row.get(name))


def short_label(row: dict[str, str | None], names: Sequence[str], limit: int = LABEL_CHARS) -> str:
    """Shorten a joined label so its last part stays whole: the earlier parts (a long document title) are cut instead,
    so bars of one document keep telling their instruments apart.

    >>> short_label({"d": "云南省关于推动全省高新区高质量发展的行动方案", "i": "科技信息支持"}, ["d", "i"])
    '云南省关于推动全… · 科技信息支持'
    >>> short_label({"p": "云南省"}, ["p"])
    '云南省'
    """
    parts = [row[name] or "" for name in names if row.get(name)]
    if len(parts) < 2:
        return shorten(" · ".join(parts), limit)
    last = shorten(parts[-1], limit // 2)
    room = max(3, (limit - len(last) - 3 * (len(parts) - 1)) // (len(parts) - 1) - 1)  # " · " between, "…" after each cut
    return " · ".join([*(shorten(part, room) for part in parts[:-1]), last])


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """Cut a label to a number of characters, marking the cut.

    >>> shorten("国家科技重大专项和国家重点研发计划项目承担单位", 8)
    '国家科技重大专项…'
    """
    return text if len(text) <= limit else text[:limit] + "…"


def number(text: str | None) -> Decimal | None:
    """Read a decimal value, or None when there is none.

    >>> number("10000000"), number(""), number("n/a")
    (Decimal('10000000'), None, None)
    """
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def day(text: str | None) -> date | None:
    """Read an ISO date (xsd:date), or None.

    >>> day("2020-09-30"), day(None), day("2020")
    (datetime.date(2020, 9, 30), None, None)
    """
    try:
        return date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None


def grouped(value: Decimal) -> str:
    """Write a number with thousands separators.

    >>> grouped(Decimal("50000000")), grouped(Decimal("2.5"))
    ('50,000,000', '2.5')
    """
    return f"{value:,}"


def chart(spec: dict[str, Any] | None, rows: list[dict[str, str | None]]) -> Chart | None:
    """Lay out the chart a query's header asks for, or return None when there is nothing to draw."""
    if not spec or spec.get("type") not in CHART_TYPES:
        return None
    laid_out = bar_chart(spec, rows) if spec["type"] == "bar" else timeline(spec, rows)
    return laid_out if laid_out.marks else None


def series_of(spec: dict[str, Any], row: dict[str, str | None]) -> int:
    """Say which series a row belongs to: the first column of the spec's `series` ({column: name}) the row fills.

    >>> series_of({"series": {"amount_yuan": "固定金额 fixed", "max_yuan": "上限 cap"}}, {"amount_yuan": None, "max_yuan": "5"})
    1
    """
    columns = list(spec.get("series") or {})
    return next((i for i, name in enumerate(columns) if row.get(name)), 0)


def bar_chart(spec: dict[str, Any], rows: list[dict[str, str | None]]) -> Chart:
    """Lay out one horizontal bar per row that has a numeric y value, coloured by its series when the spec names them."""
    y_name = columns_of(spec, "y")[0]
    x_names = columns_of(spec, "x")
    points = [
        (joined(row, x_names), short_label(row, x_names), value, series_of(spec, row)) for row in rows if (value := number(row.get(y_name))) is not None
    ]
    shown = points[:MAX_ROWS]
    top = max((value for _, _, value, _ in shown), default=Decimal(0)) or Decimal(1)
    marks = tuple(
        Mark(label, short, grouped(value), LABEL_WIDTH, i * ROW_HEIGHT, round(float(max(value, Decimal(0)) / top) * PLOT_WIDTH, 1), series)
        for i, (label, short, value, series) in enumerate(shown)
    )
    legend = tuple(str(name) for name in (spec.get("series") or {}).values())
    return Chart("bar", y_name, marks, (), LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH, len(marks) * ROW_HEIGHT, len(rows) - len(shown), legend=legend)


def timeline(spec: dict[str, Any], rows: list[dict[str, str | None]]) -> Chart:
    """Lay out one dot per dated row on a shared time axis, one row each, in date order."""
    x_name = columns_of(spec, "x")[0]
    names = columns_of(spec, "label")
    points = sorted((when, joined(row, names), short_label(row, names)) for row in rows if (when := day(row.get(x_name))) is not None)[:MAX_ROWS]
    if not points:
        return Chart("timeline", x_name, (), (), 0, 0, len(rows))
    start, end = padded(points[0][0], points[-1][0])
    span = (end - start).days

    def at(when: date) -> float:
        return round(LABEL_WIDTH + (when - start).days / span * PLOT_WIDTH, 1)

    marks = tuple(Mark(label, short, when.isoformat(), at(when), i * ROW_HEIGHT) for i, (when, label, short) in enumerate(points))
    ticks = tuple((at(date(year, 1, 1)), str(year)) for year in range(start.year, end.year + 1) if start <= date(year, 1, 1) <= end)
    height = len(marks) * ROW_HEIGHT + ROW_HEIGHT  # one more row for the axis
    return Chart("timeline", x_name, marks, ticks, LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH, height, len(rows) - len(marks))


def padded(first: date, last: date) -> tuple[date, date]:
    """Widen a date range by a tenth on each side (at least 60 days), so no dot sits on the edge.

    >>> padded(date(2020, 9, 30), date(2020, 9, 30))
    (datetime.date(2020, 8, 1), datetime.date(2020, 11, 29))
    """
    margin = max((last - first) / 10, timedelta(days=60))
    return first - margin, last + margin
