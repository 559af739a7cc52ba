"""Score the identify stage (文号, title, issuer, dates, parent directives) against a gold folder.

    python bench/identify_score.py [CORPUS] [--show]

CORPUS holds docs/<slug>.txt and gold/<slug>.yaml (the devcorpus format,
default /work/shared/devcorpus or data/devcorpus when it exists). Each
document is read, cleaned, scripted and identified; each field is compared
with the gold after simplification and folding, and counted as correct, wrong
(a different value found), spurious (found where the gold has none) or
missed. --show prints every document whose fields disagree with the gold.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_build.records import Identity  # noqa: E402
from graph_build.text.clean import clean  # noqa: E402
from graph_build.text.identify import identify  # noqa: E402
from graph_build.text.read import ReadError, read  # noqa: E402
from graph_build.text.script import analysis_view, script  # noqa: E402

FIELDS = ("doc_number", "title", "issuer", "date", "published")
DEFAULT_CORPORA = (ROOT / "data" / "devcorpus", Path("/work/shared/devcorpus"))


def plain(value: str | None) -> str | None:
    """Normalise a value for comparison: simplified, half-width, no spaces, 〔〕 in 文号."""
    if not value:
        return None
    value = re.sub(r"\s+", "", analysis_view(value))
    return re.sub(r"[\[(〔［﹝【]((?:19|20)\d{2})[\])〕］﹞】]", r"〔\1〕", value)


def found_fields(identity: Identity) -> dict[str, str | None]:
    """Name the identity's values under the gold's field names."""
    return {
        "doc_number": identity.doc_number_text,
        "title": identity.title_text,
        "issuer": identity.issuer_name,
        "date": identity.date_document,
        "published": identity.date_publication,
    }


def parents(identity: Identity) -> set[str]:
    """List the directives the document says it implements, by 文号 else by 《title》."""
    return {plain(c.doc_number) or f"《{plain(c.title)}》" for c in identity.citations if c.implements}


def score(corpus: Path, show: bool) -> dict[str, Counter]:
    """Compare every document's identity with its gold and count the outcomes per field."""
    counts: dict[str, Counter] = {field: Counter() for field in (*FIELDS, "parent_directives")}
    for path in sorted((corpus / "docs").glob("*.txt")):
        gold = yaml.safe_load((corpus / "gold" / f"{path.stem}.yaml").read_text(encoding="utf-8"))["document"]
        try:
            identity = identify(script(clean(read(path))))
        except ReadError as error:
            identity = Identity()
            print(f"{path.stem}: {error.reason}")
        found = found_fields(identity)
        lines = []
        for field in FIELDS:
            outcome = compare(plain(str(gold.get(field))) if gold.get(field) else None, plain(found[field]))
            counts[field][outcome] += 1
            if outcome not in ("correct", "absent"):
                lines.append(f"  {field}: {outcome}: gold {gold.get(field)!r}, found {found[field]!r}")
        wanted = {plain(p) for p in gold.get("parent_directives") or []}
        got = parents(identity)
        counts["parent_directives"].update(correct=len(wanted & got), missed=len(wanted - got), spurious=len(got - wanted))
        if wanted != got:
            lines.append(f"  parents: gold {sorted(wanted)}, found {sorted(got)}")
        if show and lines:
            print(path.stem, *lines, sep="\n")
    return counts


def compare(gold: str | None, found: str | None) -> str:
    """Name the outcome of one field: correct, wrong, spurious, missed or absent (neither has one)."""
    if gold is None:
        return "spurious" if found else "absent"
    if found is None:
        return "missed"
    return "correct" if gold == found else "wrong"


def report(counts: dict[str, Counter]) -> None:
    """Print one line per field: gold count, correct, wrong, missed, spurious, recall and precision."""
    print(f"{'field':18} {'gold':>4} {'ok':>4} {'wrong':>5} {'miss':>4} {'spur':>4} {'recall':>6} {'prec':>6}")
    for field, c in counts.items():
        gold = c["correct"] + c["wrong"] + c["missed"]
        found = c["correct"] + c["wrong"] + c["spurious"]
        recall = c["correct"] / gold if gold else 1.0
        precision = c["correct"] / found if found else 1.0
        print(f"{field:18} {gold:4} {c['correct']:4} {c['wrong']:5} {c['missed']:4} {c['spurious']:4} {recall:6.2f} {precision:6.2f}")


def main() -> None:
    """Score the corpus named on the command line, or the default one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=next((p for p in DEFAULT_CORPORA if p.exists()), DEFAULT_CORPORA[-1]))
    parser.add_argument("--show", action="store_true", help="print the disagreements of each document")
    args = parser.parse_args()
    report(score(args.corpus, args.show))


if __name__ == "__main__":
    main()
