"""Small text-scanning helpers shared by the finders of mentions: scopes, brackets, clauses, numbers."""

from __future__ import annotations

from decimal import Decimal

from graph_build.records import Segment

CJK = "\u4e00-\u9fff"
CLAUSE_STOPS = ",;。:!?\n"



def scope(text: str, segment: Segment) -> tuple[str, int]:
    """Return the segment's text and its offset in the whole text."""
    return text[segment.span.start : segment.span.end], segment.span.start


def paren_groups(sub: str) -> list[tuple[int, int]]:
    """Return the inner bounds of every top-level parenthesis.

    >>> paren_groups("a(b(c)d)e(f)")
    [(2, 7), (10, 11)]
    """
    groups, depth, opened = [], 0, 0
    for i, ch in enumerate(sub):
        if ch == "(":
            depth, opened = depth + 1, (i + 1 if depth == 0 else opened)
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append((opened, i))
    return groups


def split_at(sub: str, lo: int, hi: int, seps: str) -> list[tuple[int, int]]:
    """Split sub[lo:hi] on seps outside parentheses into stripped, non-empty bounds.

    >>> s = "甲、各市(州)、县(市、区)政府"
    >>> [s[a:b] for a, b in split_at(s, 0, len(s), "、")]
    ['甲', '各市(州)', '县(市、区)政府']
    """
    parts, depth, start = [], 0, lo
    for i in range(lo, hi + 1):
        ch = sub[i] if i < hi else seps[0]
        depth += (ch == "(") - (ch == ")" and depth > 0)
        if depth == 0 and ch in seps:
            part = sub[start:i]
            a, b = start + len(part) - len(part.lstrip()), i - len(part) + len(part.rstrip())
            parts += [(a, b)] if a < b else []
            start = i + 1
    return parts


def clause_at(sub: str, pos: int, stops: str = CLAUSE_STOPS) -> tuple[int, int]:
    """Return the bounds of the clause around pos.

    >>> clause_at("甲,乙丙;丁", 3)
    (2, 4)
    """
    start = max(sub.rfind(ch, 0, pos) for ch in stops) + 1
    ends = [i for i in (sub.find(ch, pos) for ch in stops) if i >= 0]
    return start, min(ends, default=len(sub))


CN_DIGIT = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
MULTIPLIER = {"千": 1000, "万": 10**4, "百万": 10**6, "千万": 10**7, "亿": 10**8, "万亿": 10**12}


def to_number(word: str) -> Decimal:
    """Read an Arabic numeral or a Chinese one below a hundred.

    >>> to_number("65"), to_number("十二"), to_number("两"), to_number("2.5")
    (Decimal('65'), Decimal('12'), Decimal('2'), Decimal('2.5'))
    """
    if word[0].isdigit():
        return Decimal(word)
    if "十" in word:
        tens, _, ones = word.partition("十")
        return Decimal(CN_DIGIT.get(tens, 1) * 10 + CN_DIGIT.get(ones, 0))
    return Decimal(CN_DIGIT[word])


