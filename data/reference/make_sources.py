"""Write sources.csv: the web page (or repository file) each raw document of data/raw was taken from.

Generated from the ``source`` block of the development corpus's gold files
(data/gold/devcorpus/<file stem>.yaml; see its README and SOURCES.md of the
corpus), so the table and the gold never disagree. Run from the repository
root: ``python data/reference/make_sources.py``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "data" / "gold" / "devcorpus"
OUT = Path(__file__).resolve().parent / "sources.csv"
COLUMNS = ("file", "url", "corpus", "completeness", "repository", "note")


def rows(gold_dir: Path) -> list[dict[str, str]]:
    """Read one row per gold file: the raw file, its page URL, how it was stored and how complete it is."""
    result = []
    for path in sorted(gold_dir.glob("*.yaml")):
        source = yaml.safe_load(path.read_text(encoding="utf-8"))["source"]
        repository = f"{source['repo']}: {source['path']}" if source.get("repo") else ""
        note = "development corpus (data/gold/devcorpus); gold annotation " + path.name
        result.append({"file": f"{path.stem}.txt", "url": source["url"], "corpus": source["corpus"],
                       "completeness": str(source["complete"]), "repository": repository, "note": note})
    return result


def main() -> int:
    """Write the table next to this script."""
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows(GOLD))
    print(f"{OUT}: {len(rows(GOLD))} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
