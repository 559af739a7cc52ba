"""Fill the wikidata column of provinces.csv from a stored, licensed source, and say where each item came from.

Source: csv/states.csv of the public repository dr5hn/countries-states-cities-database
(licence: ODbL-1.0, Open Database License), commit SOURCE_COMMIT: its rows with
country_code CN give each province-level division's ISO 3166-2 code, Chinese name
(column native) and Wikidata item (column wikiDataId). A province of provinces.csv
takes the item of the row whose native name is its name; a province with no such row,
or with two rows that disagree, keeps an empty cell (the item is never guessed).
Every row's source then names the commit and the ISO code it was matched by.

The items were also checked, before they were written, against a second stored list
(a geocoding check list in another public repository pairing each Chinese province with
its ISO 3166-2 code and Wikidata item): all 27 provinces and autonomous regions agree;
it has no usable row for the four municipalities (北京 上海 天津 重庆), which rest on
this source alone. The three items already in the table (河北 云南 甘肃) agree too.

Run from the repository root with a clone of that repository (a bare clone is enough):
``python data/reference/make_province_wikidata.py PATH/TO/countries-states-cities-database``
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

REPOSITORY = "dr5hn/countries-states-cities-database"
LICENCE = "ODbL-1.0"
SOURCE_COMMIT = "7fda0afd3e75391d9480c22ed3a2b91f50e08eb6"
TABLE = Path(__file__).with_name("provinces.csv")
GBT = "GB/T 2260-2007 (current list of the Ministry of Civil Affairs)"


def source_rows(clone: Path) -> list[dict[str, str]]:
    """Read the Chinese rows of states.csv at the pinned commit."""
    text = subprocess.run(["git", "-C", str(clone), "show", f"{SOURCE_COMMIT}:csv/states.csv"], check=True, capture_output=True,
                          text=True).stdout
    return [row for row in csv.DictReader(io.StringIO(text)) if row["country_code"] == "CN"]


def items_by_name(rows: list[dict[str, str]]) -> dict[str, tuple[str, str]]:
    """Map a Chinese name to its (Q-id, ISO 3166-2 code), leaving out names whose rows disagree."""
    found: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        if row["wikiDataId"].startswith("Q"):
            found.setdefault(row["native"], set()).add((row["wikiDataId"], row["iso3166_2"]))
    return {name: next(iter(items)) for name, items in found.items() if len(items) == 1}


def filled(table: list[dict[str, str]], items: dict[str, tuple[str, str]]) -> list[dict[str, str]]:
    """Set each province's item and source; a province the source does not name keeps an empty cell."""
    rows = []
    for row in table:
        if row["name"] in items:
            qid, iso = items[row["name"]]
            source = f"{GBT}; Wikidata item from {REPOSITORY} csv/states.csv ({LICENCE}) at {SOURCE_COMMIT[:8]}, row {iso}"
            rows.append(row | {"wikidata": qid, "source": source})
        else:
            rows.append(row | {"wikidata": "", "source": GBT})
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with TABLE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns, table = reader.fieldnames or [], list(reader)
    rows = filled(table, items_by_name(source_rows(Path(argv[1]))))
    with TABLE.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{TABLE}: {sum(1 for r in rows if r['wikidata'])} of {len(rows)} provinces have a Wikidata item")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
