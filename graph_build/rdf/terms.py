"""The literals every RDF writer uses: Chinese and English labels, decimals, plain strings."""

from __future__ import annotations

from decimal import Decimal

from pyoxigraph import Literal

from graph_build.vocab import xsd


def zh(text: str, script: str = "zh-Hans") -> Literal:
    """Tag a Chinese text with its script (zh-Hans, or zh-Hant for a traditional expression).

    >>> zh("高新区")
    <Literal value=高新区 language=zh-hans>
    """
    return Literal(text, language=script)


def en(text: str) -> Literal:
    """Tag an English text."""
    return Literal(text, language="en")


def decimal(value: Decimal) -> Literal:
    """Write an exact amount as xsd:decimal."""
    return Literal(str(value), datatype=xsd.decimal)


def plain(text: str) -> Literal:
    """Write an untagged string (codes, quotes kept verbatim)."""
    return Literal(text)
