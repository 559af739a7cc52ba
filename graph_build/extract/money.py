"""Parse and find sums of money written in Chinese policy text, as exact Decimal yuan.

A sum is a number (Arabic digits, optionally with a decimal point or thousands
commas, or Chinese numerals 一 … 九, 两, 零, 十, 百, 千, and their capital forms
壹 … 玖, 拾, 佰, 仟 used in financial writing) followed by a unit: 元 (or 圆),
万元, 亿元, 千万元 …, or 万 / 亿 alone when a money word follows ("300万资金")
or a grant word goes just before it ("最高奖励300万,"). A sum may be per unit
(0.25元/度, 0.5万元/人, 10万元/兆瓦): per_unit reads the unit after it.
Amounts are never floats.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from graph_build.records import Money

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4, "伍": 5, "陆": 6, "陸": 6, "柒": 7, "捌": 8, "玖": 9,
}  # fmt: skip
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000, "拾": 10, "佰": 100, "仟": 1000}
_CN = "零〇一二两三四五六七八九十百千壹贰貳叁參肆伍陆陸柒捌玖拾佰仟"
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SURFACE = re.compile(rf"(?:{_NUMBER}|[{_CN}])[{_CN}万亿]*[元圆]?")
_TOKEN = re.compile(rf"{_NUMBER}|.")

# A money expression in running text; validated further by _is_money.
_FIGURE = re.compile(rf"(?<![\d.])(?<!\d,)(?:{_NUMBER}[十百千]?[万亿]{{0,2}}|[{_CN}]+[万亿]{{0,2}})[元圆]?")
# The unit of a per-unit sum: 元/度, 万元/人, 元/千瓦时, 万元/兆瓦 (元/年 is a frequency, not a unit).
_PER_UNIT = re.compile(r"/(?P<unit>千瓦时|兆瓦时|兆瓦|千瓦|瓦|度|人次|人|平方米|㎡|亩|吨|台套|台|套|件|家|个|项|床|标准箱|箱)")
_MONEY_WORD_AFTER = re.compile(r"(?:的)?(?:一次性)?(?:补助|补贴|奖励|奖补|资助|经费|资金|支持|配套|扶持|贴息|奖金|投入|投资)")
_GRANT_WORD_BEFORE = re.compile(r"(?:奖励|补助|补贴|资助|奖补|给予|最高|不超过|可达)$")
_CLAUSE_END = re.compile(r"$|[,;。、)\s]|以[内下上]")


def _digits_value(token: str) -> Decimal:
    """Read one Arabic-numeral token, dropping thousands commas."""
    return Decimal(token.replace(",", ""))


def _number_value(body: str) -> Decimal | None:
    """Read a number made of digits, Chinese numerals and 十百千万亿, or None.

    >>> _number_value("一亿五千万"), _number_value("5千万"), _number_value("一百零五")
    (Decimal('150000000'), Decimal('50000000'), Decimal('105'))
    """
    total = myriads = section = Decimal(0)
    number: Decimal | None = None
    seen_number = False
    for token in _TOKEN.findall(body):
        if token in ("零", "〇") and seen_number:
            continue  # a place holder: 一百零五
        if token[0].isdigit() or token in _DIGITS:
            if number is not None:
                return None  # two numbers in a row: "12三"
            number = _digits_value(token) if token[0].isdigit() else Decimal(_DIGITS[token])
            seen_number = True
        elif token in _SMALL_UNITS:
            section += (Decimal(1) if number is None else number) * _SMALL_UNITS[token]
            number, seen_number = None, True
        elif token == "万":
            myriads = (myriads + section + (number or 0)) * 10_000
            section, number = Decimal(0), None
        elif token == "亿":
            total = (total + myriads + section + (number or 0)) * 100_000_000
            myriads, section, number = Decimal(0), Decimal(0), None
        else:
            return None
    return total + myriads + section + (number or 0) if seen_number else None


def _normalised(value: Decimal) -> Decimal:
    """Drop a zero fraction and exponent so equal sums print alike."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


def parse_money(surface: str) -> Money | None:
    """Read a written sum of money as yuan, or None if it is not one.

    >>> parse_money("1000万元")
    Money(surface='1000万元', yuan=Decimal('10000000'))
    >>> parse_money("1.5亿元").yuan, parse_money("300万").yuan, parse_money("500元").yuan
    (Decimal('150000000'), Decimal('3000000'), Decimal('500'))
    >>> parse_money("一千万元").yuan, parse_money("两亿元").yuan, parse_money("千亿").yuan
    (Decimal('10000000'), Decimal('200000000'), Decimal('100000000000'))
    >>> parse_money("贰拾万元").yuan, parse_money("壹佰伍拾万圆").yuan
    (Decimal('200000'), Decimal('1500000'))
    >>> parse_money("500") is None, parse_money("万元") is None, parse_money("1.2.3万元") is None
    (True, True, True)
    """
    if not _SURFACE.fullmatch(surface):
        return None
    body = surface.removesuffix("元").removesuffix("圆")
    if body == surface and not re.search("[万亿]", body):
        return None  # a bare number is not money
    try:
        value = _number_value(body)
    except InvalidOperation:
        return None
    return None if value is None else Money(surface, _normalised(value))


def _is_money(text: str, start: int, end: int, limit: int) -> bool:
    """Tell whether the figure text[start:end] is money rather than a count of people or firms."""
    surface = text[start:end]
    if surface.endswith(("元", "圆")):
        return True
    if not re.search("[万亿]$", surface):
        return False
    if _MONEY_WORD_AFTER.match(text, end, limit):
        return True
    return bool(_GRANT_WORD_BEFORE.search(text, max(0, start - 4), start) and _CLAUSE_END.match(text, end, limit))


def find_money(text: str, start: int, end: int) -> list[tuple[int, int, Money]]:
    """List the sums of money in text[start:end] as (start, end, Money), offsets into text.

    >>> find_money("分别给予20万元、5万元奖补,支持10万人", 0, 22)
    [(4, 8, Money(surface='20万元', yuan=Decimal('200000'))), (9, 12, Money(surface='5万元', yuan=Decimal('50000')))]
    >>> [m.surface for _, _, m in find_money("最高奖励300万,吸纳1万家企业,给予50万资金", 0, 27)]
    ['300万', '50万']
    """
    found = []
    for match in _FIGURE.finditer(text, start, end):
        if not _is_money(text, match.start(), match.end(), end):
            continue
        money = parse_money(match.group())
        if money is not None:
            found.append((match.start(), match.end(), money))
    return found


def per_unit(text: str, end: int, limit: int) -> tuple[int, str] | None:
    """Read the unit after a sum that ends at end, as (where it ends, "元/度"), or None.

    >>> per_unit("给予0.25元/度补贴", 7, 12), per_unit("给予0.5万元/人", 7, 10), per_unit("给予20万元奖励", 6, 10)
    ((9, '元/度'), (9, '元/人'), None)
    """
    match = _PER_UNIT.match(text, end, limit)
    return (match.end(), "元/" + match.group("unit")) if match else None
