"""Properties that hold whatever the input: the amount parser, the numbering segmenter, and the span invariant.

Hypothesis generates the inputs; the examples are bounded so that the suite stays quick.
Inputs that once broke a property are kept as explicit @example cases.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from graph_build.extract.annotate import annotate, spans_of
from graph_build.extract.extract import extract
from graph_build.extract.money import find_money, parse_money
from graph_build.records import Expression, Money, Segment, SourceText
from graph_build.text.clean import clean
from graph_build.text.group import group
from graph_build.text.identify import identify
from graph_build.text.read import ReadError, read
from graph_build.text.script import script
from graph_build.text.segment import segment

BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RAW = Path(__file__).parents[3] / "tests/data/seeds/raw"
SEEDS = ("001_7d67dab41be7ced0.txt", "000_eca2655ae364cb45.txt")
SENTENCES = [line.strip() for name in SEEDS for line in (RAW / name).read_text("utf-8").splitlines() if line.strip()]
CN_NUMBERS = "一二三四五六七八九十"

# ---- the amount parser -------------------------------------------------------------------

amount_text = st.text(alphabet="0123456789.,一二两三四五六七八九十百千万亿零〇元最高不超过给予奖励补助 ", max_size=20)


@BOUNDED
@given(amount_text)
def test_parse_money_never_raises_and_keeps_its_surface(surface: str) -> None:
    money = parse_money(surface)
    assert money is None or (isinstance(money, Money) and money.surface == surface and money.yuan >= 0)


@BOUNDED
@given(st.text(max_size=60), amount_text)
def test_find_money_spans_quote_the_text(before: str, figure: str) -> None:
    text = before + figure + "资金"
    for start, end, money in find_money(text, 0, len(text)):
        assert text[start:end] == money.surface


@BOUNDED
@given(st.integers(min_value=1, max_value=99_999))
def test_wan_yuan_is_ten_thousand_yuan(n: int) -> None:
    assert parse_money(f"{n}万元") == Money(f"{n}万元", Decimal(n) * 10_000)


@BOUNDED
@given(st.integers(min_value=0, max_value=999), st.from_regex(r"\A[0-9]{1,3}\Z"))
def test_decimal_yi_yuan_is_exact(a: int, b: str) -> None:
    money = parse_money(f"{a}.{b}亿元")
    assert money is not None and money.yuan == Decimal(f"{a}.{b}") * 100_000_000


@BOUNDED
@given(st.integers(min_value=1, max_value=9_999), st.sampled_from(["最高不超过", "给予最高", "最高奖励"]), st.sampled_from(["万元", "亿元", "元"]))
def test_capped_amount_in_a_clause_is_found_once(n: int, lead: str, unit: str) -> None:
    text = f"对新认定的国家重点实验室{lead}{n}{unit}的一次性补助。"
    found = find_money(text, 0, len(text))
    scale = {"万元": 10_000, "亿元": 100_000_000, "元": 1}[unit]
    assert [(text[s:e], m.yuan) for s, e, m in found] == [(f"{n}{unit}", Decimal(n) * scale)]


# ---- the numbering segmenter --------------------------------------------------------------


@st.composite
def numbered_document(draw: st.DrawFn) -> str:
    """A policy document with sections 一、, items (一) and sub-items 1., each with a real sentence."""
    sentence = st.sampled_from(SENTENCES).map(lambda s: s.lstrip("一二三四五六七八九十、()（）0123456789.")[:80] or "加强组织领导。")
    lines = ["甘肃省科技厅关于促进高新技术产业开发区高质量发展的若干措施", draw(sentence)]
    for i in range(draw(st.integers(1, 4))):
        lines.append(f"{CN_NUMBERS[i]}、{draw(sentence)[:12]}")
        for j in range(draw(st.integers(0, 3))):
            lines.append(f"{draw(st.sampled_from(['(', '（']))}{CN_NUMBERS[j]}{draw(st.sampled_from([')', '）']))}{draw(sentence)}")
            lines += [f"{k + 1}.{draw(sentence)}" for k in range(draw(st.integers(0, 3)))]
    separator = draw(st.sampled_from(["\n", "\r\n", "\n\n", "\n　　"]))
    return separator.join(lines) + "\n"


def expression_of(text: str) -> Expression:
    source = SourceText("generated.txt", text, "utf-8", "0" * 64, "text/plain")
    return script(clean(source))


@settings(max_examples=60, deadline=None)
@given(numbered_document())
def test_segments_nest_and_quote_their_text(document: str) -> None:
    expression = expression_of(document.replace("\r\n", "\n"))
    segments = segment(expression)
    by_path: dict[str, Segment] = {s.path: s for s in segments}
    assert len(by_path) == len(segments)
    for s in segments:
        assert expression.text[s.span.start : s.span.end] == s.span.quote
        if s.heading:
            assert expression.text[s.heading.start : s.heading.end] == s.heading.quote
        parent = s.path.rpartition(".")[0]
        if parent:
            outer = by_path[parent].span
            assert outer.start <= s.span.start and s.span.end <= outer.end
            assert by_path[parent].level < s.level
    siblings: dict[str, list[Segment]] = {}
    for s in segments:
        siblings.setdefault(s.path.rpartition(".")[0], []).append(s)
    for group_ in siblings.values():
        ordered = sorted(group_, key=lambda s: s.span.start)
        assert all(a.span.end <= b.span.start for a, b in zip(ordered, ordered[1:], strict=False))


# ---- the span invariant, end to end ---------------------------------------------------------

fragments = st.one_of(
    st.sampled_from(SENTENCES),
    st.sampled_from(["快遞大陸省人民政府", "雲政發〔2020〕36號", "２０２０年１２月２９日", "\n（一）", "\n一、", "\n1.", "\n2、", "給予１０００萬元補助"]),
    st.sampled_from(["\n(一)对高新区内新认定的国家重点实验室给予1000万元一次性补助。", "\n1.對新獲批的國家高新區給予不少于5000萬元獎勵。"]),
    st.sampled_from(["🚀", "👍🏽", "e\u0301", "\u0301", "\u200b", "\ufeff", "\r\n", "\r", "\n", "\t", "\x0c", "\u2028", "\x00"]),
    st.text(max_size=12),
)


@st.composite
def policy_text(draw: st.DrawFn) -> str:
    return "".join(draw(st.lists(fragments, max_size=25)))


def pipeline_spans(path: Path) -> None:
    """Run read → clean → script → identify → segment → extract on one file and check every span it made."""
    try:
        source = read(path)
        cleaned = clean(source)
    except ReadError:
        event("refused by read or clean")
        return  # a documented refusal, naming the file
    for line in cleaned.dropped:
        line.span.check(source.text)
    expression = script(cleaned)
    work = group([expression], [identify(expression)])[0]
    segments = segment(work.primary)
    annotated = annotate(work, segments, extract(work, segments))
    event(f"built, {'with' if annotated.extraction.incentives else 'without'} incentives")
    for where, span, text in spans_of(annotated):
        assert text is source.text or text == source.text
        assert text[span.start : span.end] == span.quote, where


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_text(), st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]))
@example("", "utf-8-sig")  # only a byte-order mark: once a StopIteration in clean, now "empty file"
@example("甘肃省科技厅关于促进高新技术产业开发区高质量发展的若干措施\r\n一、优化高新区布局\r\n1.推动创建国家高新区。给予不少于5000万元奖励。\r\n", "utf-8")
def test_every_span_quotes_the_source_text(text: str, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "生成 文件.txt"
        path.write_bytes(text.encode(encoding, errors="replace"))
        pipeline_spans(path)
