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
from decimal import Decimal, InvalidOperation
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
    """Write a table as JSON, numbers as JSON numbers (integers exact; other decimals as the nearest double)."""
    rows = [{name: typed(c) for name, c in zip(table.columns, row, strict=True)} for row in table.rows]
    return json.dumps({**about, "columns": list(table.columns), "rows": rows, "truncated": table.truncated}, ensure_ascii=False, indent=1)


def typed(value: Cell | None) -> str | int | float | None:
    """Give a cell's value as JSON would type it: an integer, a float for a fractional number, else its lexical form.

    >>> typed(Cell("10000000.0", "literal", XSD + "decimal")), typed(Cell("2.5", "literal", XSD + "decimal")), typed(Cell("省", "literal"))
    (10000000, 2.5, '省')
    """
    if value is None or not value.is_number:
        return value.value if value else None
    try:
        number = Decimal(value.value)
    except InvalidOperation:
        return value.value
    return int(number) if number == number.to_integral_value() and number.is_finite() else float(number)


# Column headers by variable name, Chinese and English; a query's `columns:` header key overrides them.
# fmt: off
COLUMN_LABELS = {
    "province": ("省份", "province"), "province_name": ("省份", "province"), "document": ("文件", "document"), "title": ("标题", "title"),
    "doc_number": ("文号", "number"), "doc_numbers": ("文号", "numbers"), "quote": ("原文", "quote"), "measure": ("措施", "measure"),
    "measures": ("措施数", "measures"), "recipient": ("受助对象", "recipient"), "recipient_type": ("受助对象类型", "recipient type"),
    "yuan": ("金额", "amount"), "amount_yuan": ("金额", "amount"), "min_yuan": ("下限", "floor"), "max_yuan": ("上限", "cap"),
    "sum_kind": ("金额性质", "kind of sum"), "frequency": ("频次", "frequency"), "incentive": ("激励", "incentive"), "heading": ("标题", "heading"),
    "documents": ("文件数", "documents"), "rate_percent": ("比例 %", "rate %"), "share_percent": ("占比 %", "share %"), "path": ("条款", "path"),
    "number": ("编号", "number"), "name": ("名称", "name"), "industry": ("产业", "industry"), "industry_name": ("产业", "industry"),
    "value": ("数值", "value"), "unit": ("单位", "unit"), "score": ("相似度", "similarity"), "other_measure": ("对应措施", "other measure"),
    "other_document": ("对应文件", "other document"), "other_province": ("对应省份", "other province"), "other_heading": ("对应标题", "other heading"),
    "other_path": ("对应条款", "other path"), "level": ("级别", "level"), "kind": ("类型", "kind"), "instrument": ("政策工具", "instrument"),
    "directive": ("上级文件", "directive"), "directive_title": ("上级文件", "directive"), "directive_date": ("上级文件日期", "directive date"),
    "days_after": ("间隔天数", "days after"), "date": ("日期", "date"), "year": ("年份", "year"), "zone": ("园区", "zone"),
    "zone_name": ("园区", "zone"), "zone_names": ("园区", "zones"), "zones": ("园区数", "zones"), "department": ("部门", "department"),
    "department_name": ("部门", "department"), "target": ("目标", "target"), "indicator": ("指标", "indicator"), "status": ("状态", "status"),
    "comparator": ("比较", "comparator"), "code": ("代码", "code"), "provision": ("数量条款", "provision"), "document_type": ("文种", "type"),
    "grants": ("资助项数", "grants"), "population": ("人口", "population"), "wikidata": ("Wikidata", "Wikidata"), "area": ("领域", "area"),
    "area_name": ("领域", "area"), "family": ("类别", "family"), "family_name": ("类别", "family"), "group": ("组", "group"),
    "measure_count": ("措施数", "measures"), "industry_count": ("产业数", "industries"), "industries": ("产业", "industries"),
    "amount": ("金额", "amount"), "depth": ("层级", "depth"), "division_code": ("区划代码", "division code"), "document_label": ("文件", "document"),
    "document_measures": ("文件措施数", "measures of the document"), "first_answer": ("首次响应", "first answer"),
    "fixed_total_yuan": ("固定金额合计", "fixed sums, total"), "implements": ("贯彻落实", "implements"), "incentives": ("激励数", "incentives"),
    "industry_names": ("产业", "industries"), "issuer": ("发文机关", "issued by"), "issuer_name": ("发文机关", "issued by"), "item": ("条目", "item"),
    "largest": ("最大", "largest"), "largest_yuan": ("最大金额", "largest sum"), "level_name": ("级别", "level"), "name_en": ("英文名", "English name"),
    "other_quote": ("对应原文", "other quote"), "shared_wording": ("共有表述", "shared wording"),
    "other_shared_wording": ("对应共有表述", "shared wording, other side"), "part": ("条款", "part"), "province_measures": ("全省措施数", "province measures"),
    "provisions": ("数量条款数", "provisions"), "signed": ("成文日期", "signed"), "state": ("状态", "state"), "targets": ("目标数", "targets"),
    "type_name": ("类型", "type"), "wikidata_label": ("Wikidata 名称", "Wikidata label"), "with_fixed_amount": ("有固定金额", "with a fixed sum"),
    "with_money": ("涉及资金", "with money"), "zone_count": ("园区数", "zones"), "p442": ("代码（P442 形式）", "code, P442 form"),
}
# fmt: on


def column_label(name: str, declared: dict[str, Any] | None = None) -> tuple[str, str]:
    """Name a column in Chinese and English: from the query's `columns:` header, the shared table, else the variable.

    >>> column_label("yuan"), column_label("yuan", {"yuan": {"zh": "最高金额", "en": "largest sum"}}), column_label("x_y")
    (('金额', 'amount'), ('最高金额', 'largest sum'), ('', 'x y'))
    """
    given = (declared or {}).get(name)
    if isinstance(given, dict):
        return str(given.get("zh", "")), str(given.get("en", name))
    return COLUMN_LABELS.get(name, ("", name.replace("_", " ")))


def wan_yuan(lexical: str) -> str:
    """Write a sum of yuan in 万元 (ten thousands), as the documents do.

    >>> wan_yuan("10000000"), wan_yuan("2500"), wan_yuan("x")
    ('1,000 万元', '0.25 万元', 'x')
    """
    try:
        wan = Decimal(lexical) / 10_000
    except InvalidOperation:
        return lexical
    text = f"{wan.normalize():,f}"
    return f"{text} 万元"
