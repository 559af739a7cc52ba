"""Score the incentive and department finders on a corpus of real documents with YAML gold.

    PYTHONPATH=. python bench/score_extract.py [CORPUS_DIR] [-v] [--whole]

CORPUS_DIR holds docs/<slug>.txt and gold/<slug>.yaml in the devcorpus format
(/work/shared/devcorpus/README.md; default that directory). Each document runs
through read → clean → script → segment, then the finders run on every measure
directly, so a document is scored even when the build would reject it (no
province found). With --whole the finders read the whole text, not only the
body the clean stage found (to measure them apart from that stage). Incentives count when they carry a figure (amount, floor, cap
or rate) and match on (amount, min, max, rate, frequency) within a document;
departments match as a set of names as written per document.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from graph_build.extract.departments import find_departments
from graph_build.extract.evaluate import number, plain
from graph_build.extract.extract import requote
from graph_build.extract.incentives import find_incentives
from graph_build.records import DepartmentMention, Incentive, Segment, Span
from graph_build.text.clean import clean
from graph_build.text.read import read
from graph_build.text.script import script
from graph_build.text.segment import leaves, segment

DEFAULT = Path("/work/shared/devcorpus")


@dataclass(frozen=True)
class Found:
    """What the finders return for one document."""

    incentives: tuple[Incentive, ...]
    departments: tuple[DepartmentMention, ...]


def run(path: Path, whole: bool = False) -> Found:
    """Run read … segment and the money and department finders on one document (on all its text if whole)."""
    cleaned = clean(read(path))
    if whole:  # measure the finders alone, whatever the clean stage takes for the body
        cleaned = replace(cleaned, body_start=0, body_end=len(cleaned.source.text), dropped=())
    expression = script(cleaned)
    body = Span.of(expression.text, cleaned.body_start, cleaned.body_end)
    measures = leaves(segment(expression)) or (Segment("1", 1, None, None, body),)  # no numbered outline: the body is one measure
    text, source = expression.analysis, expression.text
    incentives = tuple(requote(i, source) for m in measures for i in find_incentives(text, m))
    departments = tuple(requote(d, source) for m in measures for d in find_departments(text, m))
    for item in (*incentives, *departments):
        item.span.check(source)
    return Found(incentives, departments)


def has_figure(values: Iterable[object]) -> bool:
    """Tell whether any of amount, min, max, rate is given."""
    return any(v is not None for v in values)


def gold_keys(gold: dict) -> Counter:
    """Key the gold incentives that carry a figure."""
    items = [i for i in gold.get("incentives") or [] if has_figure((i.get("amount"), i.get("min"), i.get("max"), i.get("rate")))]
    return Counter((number(i.get("amount")), number(i.get("min")), number(i.get("max")), number(i.get("rate")), i["frequency"]) for i in items)


def found_keys(found: Found) -> Counter:
    """Key the found incentives that carry a figure."""
    money = lambda m: number(m.yuan if m else None)  # noqa: E731
    items = [i for i in found.incentives if has_figure((i.amount, i.minimum, i.maximum, i.rate_percent))]
    return Counter((money(i.amount), money(i.minimum), money(i.maximum), number(i.rate_percent), i.frequency) for i in items)


def score(corpus: Path, verbose: bool, whole: bool) -> dict[str, tuple[int, int, int]]:
    """Score every document of the corpus; return (gold, found, right) per kind."""
    totals = {"incentives": [0, 0, 0], "departments": [0, 0, 0]}
    for gold_path in sorted((corpus / "gold").glob("*.yaml")):
        gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
        doc = corpus / "docs" / (gold_path.stem + ".txt")
        try:
            found = run(doc, whole)
        except Exception as error:  # a document the text stages refuse scores as nothing found
            print(f"{gold_path.stem}: not run ({error})")
            found = Found((), ())
        pairs = {
            "incentives": (gold_keys(gold), found_keys(found)),
            "departments": (Counter(set(map(plain, gold.get("departments") or []))), Counter({plain(d.span.quote) for d in found.departments})),
        }
        for kind, (expected, got) in pairs.items():
            right = sum((expected & got).values())
            for k, v in enumerate((sum(expected.values()), sum(got.values()), right)):
                totals[kind][k] += v
            if verbose and expected != got:
                print(f"{gold_path.stem} {kind}\n  missed {sorted((expected - got).elements())}\n  extra  {sorted((got - expected).elements())}")
    return {kind: (g, f, r) for kind, (g, f, r) in totals.items()}


def main(argv: list[str]) -> None:
    """Print precision and recall of incentives with a figure and of departments."""
    args = [a for a in argv if not a.startswith("-")]
    corpus = Path(args[0]) if args else DEFAULT
    for kind, (gold, found, right) in score(corpus, "-v" in argv, "--whole" in argv).items():
        precision, recall = (right / found if found else 1.0), (right / gold if gold else 1.0)
        print(f"{kind:12} gold {gold:4} found {found:4} right {right:4}  precision {precision:.3f}  recall {recall:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
