"""Pure helpers that turn RDF terms into words a person reads: names, links, numbers, labels, quotes in context.

Nothing here touches a store, so every helper is tested alone (doctests below).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from graph_build.vocab import GX, PREFIXES

XSD = PREFIXES["xsd"]
NUMERIC_DATATYPES = frozenset(XSD + name for name in ("decimal", "integer", "nonNegativeInteger", "positiveInteger", "int", "long"))
# A number in yuan or percent gets its unit; a number in yuan also the words it was read from (the sibling *Text).
UNITS = {GX + "amountYuan": "元", GX + "minimumYuan": "元", GX + "maximumYuan": "元", GX + "ratePercent": "%"}
SURFACE_TEXTS = {GX + "amountYuan": GX + "amountText", GX + "minimumYuan": GX + "minimumText", GX + "maximumYuan": GX + "maximumText"}
UNIT_PREDICATES = {GX + "numericValue": GX + "unit"}  # a value whose unit is another statement on the same subject
LANGUAGE_RANK = {"zh-hans": 0, "zh": 1, "zh-cn": 1, "": 3, "en": 4}


def compact(iri: str, prefixes: Mapping[str, str] = PREFIXES) -> str | None:
    """Write an IRI as a prefixed name when one of the prefixes covers it.

    >>> compact("https://w3id.org/gaoxin-kg/ontology#Incentive")
    'gx:Incentive'
    >>> compact("https://example.org/x") is None
    True
    """
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return None


def local_href(iri: str, base: str) -> str:
    """Link an IRI to its page on this server when the server answers for it, else to the IRI itself.

    >>> local_href("https://w3id.org/gaoxin-kg/id/zone/gansu/lan-zhou-gao-xin-qu", "https://w3id.org/gaoxin-kg/")
    '/id/zone/gansu/lan-zhou-gao-xin-qu'
    >>> local_href("https://w3id.org/gaoxin-kg/ontology#Incentive", "https://w3id.org/gaoxin-kg/")
    '/ontology#Incentive'
    >>> local_href("http://www.w3.org/ns/oa#start", "https://w3id.org/gaoxin-kg/")
    'http://www.w3.org/ns/oa#start'
    """
    if iri.startswith(base + "id/"):
        return "/" + iri[len(base):]
    if iri == base + "ontology" or iri.startswith(base + "ontology#"):
        return "/" + iri[len(base):]
    return iri


def format_number(lexical: str) -> str:
    """Write a decimal or integer lexical form with thousands separators.

    >>> format_number("10000000")
    '10,000,000'
    >>> format_number("2.5")
    '2.5'
    >>> format_number("n/a")
    'n/a'
    """
    try:
        value = Decimal(lexical)
    except InvalidOperation:
        return lexical
    return f"{value:,}"


def readable_value(predicate: str, lexical: str, datatype: str | None, siblings: Mapping[str, str]) -> tuple[str | None, str | None]:
    """Return the readable form of a number (with its unit) and the surface text it was read from, if any.

    >>> readable_value(GX + "amountYuan", "10000000", XSD + "decimal", {GX + "amountText": "1000万元"})
    ('10,000,000 元', '1000万元')
    >>> readable_value(GX + "numericValue", "3", XSD + "decimal", {GX + "unit": "个"})
    ('3 个', None)
    >>> readable_value(GX + "script", "zh-Hans", XSD + "string", {})
    (None, None)
    """
    if datatype not in NUMERIC_DATATYPES:
        return None, None
    unit = UNITS.get(predicate) or siblings.get(UNIT_PREDICATES.get(predicate, ""), "")
    number = format_number(lexical)
    surface = siblings.get(SURFACE_TEXTS.get(predicate, ""))
    return (f"{number} {unit}" if unit else number), surface


def best_label(candidates: Iterable[tuple[str, str, int]]) -> str | None:
    """Pick a label from (text, language, property rank): zh-Hans first, then Chinese, untagged, English, anything.

    >>> best_label([("gaoxin", "en", 0), ("高新", "zh-hans", 1), ("高新區", "zh-hant", 0)])
    '高新'
    >>> best_label([]) is None
    True
    """
    ranked = sorted(candidates, key=lambda c: (LANGUAGE_RANK.get(c[1], 2 if c[1].startswith("zh") else 5), c[2], c[0]))
    return ranked[0][0] if ranked else None


def in_context(text: str, start: int, end: int, width: int) -> tuple[str, str, str]:
    """Cut a span [start, end) out of a text with up to `width` code points either side.

    >>> in_context("甲乙丙丁戊己庚", 2, 4, 1)
    ('乙', '丙丁', '戊')
    >>> in_context("甲乙", 0, 2, 5)
    ('', '甲乙', '')
    """
    return text[max(0, start - width) : start], text[start:end], text[end : end + width]


def shorten(text: str, length: int) -> str:
    """Cut a text to at most `length` characters, marking the cut with an ellipsis.

    >>> shorten("对高新区内新认定的国家重点实验室", 8)
    '对高新区内新认…'
    >>> shorten("短", 8)
    '短'
    """
    return text if len(text) <= length else text[: length - 1] + "…"
