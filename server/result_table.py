"""A query result as a table of cells: read from SPARQL 1.1 JSON results, written as CSV or JSON.

Pure data, no Flask: the canned-query pages compute one `Table` and render it
as HTML, CSV or JSON (server/queries.py chooses which).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + name for name in ("integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
                                   "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong")}


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
    """Write a table as CSV: a header of column names, lexical values, empty where unbound."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows([value or "" for value in record.values()] for record in table.records())
    return out.getvalue()


def json_text(table: Table, about: dict[str, Any]) -> str:
    """Write a table as JSON; values stay lexical strings, so money keeps every digit (JSON numbers are floats)."""
    return json.dumps({**about, "columns": list(table.columns), "rows": table.records(), "truncated": table.truncated}, ensure_ascii=False, indent=1)
