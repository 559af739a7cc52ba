"""A query result as a table of cells: read from SPARQL 1.1 JSON results, written as CSV or JSON.

Pure data, no Flask: the canned-query pages compute one `Table` and render it
as HTML, CSV or JSON (server/queries.py chooses which).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + name for name in ("integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
                                   "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong")}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what makes Excel, LibreOffice or WPS read a cell as a formula (OWASP)
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
BYTE_ORDER_MARK = "\ufeff"


@dataclass(frozen=True)
class Cell:
    """One value of a result row: an IRI ("uri"), a literal (with datatype or language) or a blank node."""

    value: str
    kind: str
    datatype: str | None = None
    lang: str | None = None

    @property
    def is_number(self) -> bool:
        return self.kind == "literal" and self.datatype in NUMERIC


@dataclass(frozen=True)
class Table:
    """A result: column names, rows of cells (None where unbound), and whether rows were cut off."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell | None, ...], ...]
    truncated: bool = False

    def records(self) -> list[dict[str, str | None]]:
        """Return the rows as dicts of column name to lexical value (None where unbound)."""
        return [{name: cell.value if cell else None for name, cell in zip(self.columns, row, strict=True)} for row in self.rows]


def read_results(body: bytes, truncated: bool = False) -> Table:
    """Read SPARQL 1.1 JSON results into a table."""
    data = json.loads(body)
    columns = tuple(data["head"]["vars"])
    rows = tuple(tuple(cell(binding.get(name)) for name in columns) for binding in data["results"]["bindings"])
    return Table(columns, rows, truncated)


def cell(binding: dict[str, str] | None) -> Cell | None:
    """Read one binding of a JSON result (None when the variable is unbound).

    >>> cell({"type": "literal", "value": "10000000", "datatype": "http://www.w3.org/2001/XMLSchema#decimal"}).is_number
    True
    """
    if binding is None:
        return None
    kind = "literal" if binding["type"] == "typed-literal" else binding["type"]
    return Cell(binding["value"], kind, binding.get("datatype"), binding.get("xml:lang"))


def csv_text(table: Table) -> str:
    r"""Write a table as CSV for spreadsheets: a byte-order mark, a header of column names, values safe to open, empty where unbound.

    The byte-order mark makes Excel read the file as UTF-8 (Chinese text is garbled
    otherwise); each cell a spreadsheet would run as a formula is neutralised (`safe_cell`).
    The SPARQL endpoint's text/csv is the W3C results format instead, values unchanged (docs/server.md).

    >>> csv_text(Table(("a", "n"), ((Cell("=1+1", "literal"), Cell("-5", "literal", XSD + "integer")),)))
    "\ufeffa,n\r\n'=1+1,-5\r\n"
    """
    out = io.StringIO()
    out.write(BYTE_ORDER_MARK)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in table.columns])
    writer.writerows([safe_cell(cell.value, cell.is_number) if cell else "" for cell in row] for row in table.rows)
    return out.getvalue()


def safe_cell(value: str, is_number: bool = False) -> str:
    r"""Prefix a single quote to a value a spreadsheet would read as a formula (OWASP, CSV injection); numbers stay numbers.

    >>> [safe_cell(v) for v in ("=HYPERLINK(1)", "@SUM(A1)", "+1", "-1", "\tx", "\rx", "一、总则", "")]
    ["'=HYPERLINK(1)", "'@SUM(A1)", "'+1", "'-1", "'\tx", "'\rx", '一、总则', '']
    >>> safe_cell("-1.5", is_number=True), safe_cell("-1+cmd", is_number=True)
    ('-1.5', "'-1+cmd")
    """
    if is_number and NUMBER.fullmatch(value):
        return value
    return "'" + value if value.startswith(FORMULA_START) else value


def json_text(table: Table, about: dict[str, Any]) -> str:
    """Write a table as JSON; values stay lexical strings, so money keeps every digit (JSON numbers are floats)."""
    return json.dumps({**about, "columns": list(table.columns), "rows": table.records(), "truncated": table.truncated}, ensure_ascii=False, indent=1)
