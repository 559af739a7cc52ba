"""A scale corpus: N synthetic provincial policy documents recombined from the real sentences of data/raw.

    python bench/corpus.py N OUT_DIR [--seed S]     # writes OUT_DIR/raw/*.txt

Every document is made the way the seeds are: site chrome, a title, a 文号 (the
abbreviation of another province, from data/reference/provinces.csv), the
addressee, an opening that implements 国发〔2020〕7号, numbered sections 一、
with items （一） or 1., each item a heading and real measure sentences of the
seeds with the province, zone names, amounts (万元/亿元), years and percentages
substituted, the responsible departments, the issuer and the date. Some pages
carry spam lines; a few documents are scraped twice (same 文号, other chrome,
traditional script by OpenCC s2t), and a few drafts without 文号 come with a
revised near-duplicate copy in traditional script, so the group stage has real work.

The corpus is synthetic, for benchmarks only: it is never written into data/.
The same N and seed give the same bytes.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_build import reference  # noqa: E402
from graph_build.text.script import analysis_view  # noqa: E402

SEEDS = ROOT / "data" / "raw"
SEED_PROVINCES = ("云南", "甘肃", "河北")
# Place names of the seeds' zones, replaced by the zones of the document's province.
SEED_ZONES = re.compile(r"兰州|白银|嘉峪关|金昌|张掖|平凉|定西|民乐|玉门|陇西|庆城|石家庄|保定|沧州|衡水|张家口|邯郸|邢台|昆明|玉溪")
# Places of national high-tech zones by province (for the synthetic corpus only; never loaded as facts).
ZONE_PLACES = {
    "北京": ("中关村",), "天津": ("滨海",), "河北": ("石家庄", "保定", "唐山", "燕郊"), "山西": ("太原", "长治"),
    "内蒙古": ("包头", "呼和浩特"), "辽宁": ("沈阳", "大连", "鞍山"), "吉林": ("长春", "吉林"), "黑龙江": ("哈尔滨", "大庆"),
    "上海": ("张江", "紫竹"), "江苏": ("南京", "苏州", "无锡", "常州"), "浙江": ("杭州", "宁波", "温州"), "安徽": ("合肥", "芜湖", "蚌埠"),
    "福建": ("福州", "厦门", "泉州"), "江西": ("南昌", "景德镇", "新余"), "山东": ("济南", "青岛", "潍坊", "淄博"),
    "河南": ("郑州", "洛阳", "新乡"), "湖北": ("武汉东湖", "襄阳", "宜昌"), "湖南": ("长沙", "株洲", "湘潭"),
    "广东": ("广州", "深圳", "珠海", "佛山"), "广西": ("南宁", "柳州", "桂林"), "海南": ("海口",), "重庆": ("重庆", "璧山"),
    "四川": ("成都", "绵阳", "自贡"), "贵州": ("贵阳", "安顺"), "云南": ("昆明", "玉溪", "楚雄"), "西藏": ("拉萨",),
    "陕西": ("西安", "宝鸡", "杨凌"), "甘肃": ("兰州", "白银", "天水"), "青海": ("青海",), "宁夏": ("银川", "石嘴山"),
    "新疆": ("乌鲁木齐", "昌吉", "石河子"),
}  # fmt: skip
TOPICS = (
    "促进高新技术产业开发区高质量发展", "推动高新区高质量发展", "支持高新区创新发展", "加快高新区改革创新",
    "推进高新区体制机制改革", "强化高新区科技创新引领", "促进高新区产业集群发展",
)  # fmt: skip
DOC_TYPES = ("实施意见", "若干措施", "行动方案", "实施方案", "若干政策措施")
NUMBER_KINDS = ("政发", "政办发", "政字", "科发", "政规")
ADDRESSEES = ("各市（州）人民政府，省直各委、办、厅、局：", "各市人民政府，省政府各部门：", "各州、市人民政府，省直有关部门：")
OPENING = "为贯彻落实《国务院关于促进国家高新技术产业开发区高质量发展的若干意见》（国发〔2020〕7号），推动{short}高新技术产业开发区高质量发展，现提出以下意见："
HEADER_CHROME = ("您的位置：首页 > 政务公开 > 政策文件", "字号：大 中 小", "打印本页 关闭窗口")
FOOTER_CHROME = ("分享到：", "网站地图 | 网站声明 | 关于我们", "主办单位：{name}人民政府办公厅", "{abbr}ICP备05000002号")
SPAM = ("成人在线免费观看", "彩票娱乐城免费注册", "棋牌博彩在线")
NUMERALS = "一二三四五六七八九十"
SECTION = re.compile(r"^\s*[一二三四五六七八九十]+、\s*(\S{2,20})\s*$")
ITEM = re.compile(r"^\s*(?:\([一二三四五六七八九十]+\)|\d{1,2}\.)\s*([^。;]{4,24})。(.+)$")
DEPARTMENTS = re.compile(r"\(([^()]*(?:负责|分工)[^()]*)\)\s*$")
AMOUNT = re.compile(r"(?:(\d+(?:\.\d+)?)-)?\d+(?:\.\d+)?(?=万元|亿元)")  # a sum, or a range 20-500万元 (the floor shares the unit)
AMOUNTS = (10, 20, 30, 50, 100, 200, 300, 500, 800, 1000, 2000, 5000)
PERCENT = re.compile(r"\d+(?:\.\d+)?(?=%)")
YEAR = re.compile(r"20[1-3]\d(?=年)")


@dataclass(frozen=True)
class Pool:
    """The pieces of the seeds that documents are recombined from (simplified, half-width)."""

    sections: tuple[str, ...]
    headings: tuple[str, ...]
    sentences: tuple[str, ...]  # sentences without amounts
    money: tuple[str, ...]  # sentences with an amount in 万元/亿元
    departments: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    """One generated raw file."""

    name: str
    text: str


@cache
def pool() -> Pool:
    """Collect section headings, item headings, sentences and department lists from the seeds."""
    sections, headings, sentences, departments = set(), set(), set(), set()
    for path in sorted(SEEDS.iterdir()):
        for line in analysis_view(path.read_text(encoding="utf-8")).splitlines():
            if match := SECTION.match(line):
                sections.add(match.group(1))
            elif match := ITEM.match(line):
                headings.add(match.group(1))
                rest = match.group(2)
                if tail := DEPARTMENTS.search(rest):
                    departments.add(tail.group(1))
                    rest = rest[: tail.start()]
                sentences.update(s + "。" for s in rest.split("。") if 12 <= len(s) <= 160)
    ordered = sorted(sentences)
    return Pool(
        tuple(sorted(sections)),
        tuple(sorted(headings)),
        tuple(s for s in ordered if not AMOUNT.search(s)),
        tuple(s for s in ordered if AMOUNT.search(s)),
        tuple(sorted(departments)),
    )


def localise(text: str, province: reference.Province, rng: random.Random) -> str:
    """Move a seed sentence to another province: names, zones, amounts, years and percentages."""
    for seed in SEED_PROVINCES:
        text = text.replace(seed + "省", province.name).replace(seed, province.short_name)
    text = text.replace("快递大陆", province.short_name)  # the converter artefact of one seed
    places = ZONE_PLACES[province.short_name]
    text = SEED_ZONES.sub(lambda _: rng.choice(places), text)
    text = AMOUNT.sub(lambda match: amount(match, rng), text)
    text = PERCENT.sub(lambda _: str(rng.choice((5, 10, 15, 20, 30, 50))), text)
    return YEAR.sub(lambda _: str(rng.randint(2021, 2030)), text)


def amount(match: re.Match[str], rng: random.Random) -> str:
    """Draw a new sum for a seed's sum, or a new range for a seed's range: a floor below its cap, as the seeds write them.

    >>> amount(AMOUNT.search("分档给予20-500万元的奖励"), random.Random(1))
    '30-1000'
    """
    if match.group(1) is None:
        return str(rng.choice(AMOUNTS))
    low, high = sorted(rng.sample(AMOUNTS, 2))
    return f"{low}-{high}"


def measure(number: str, province: reference.Province, rng: random.Random) -> str:
    """Write one item: its number, heading, two to four sentences (one with money, often) and its departments."""
    parts = pool()
    chosen = rng.sample(parts.sentences, rng.randint(1, 3))
    if rng.random() < 0.6:
        chosen.insert(rng.randrange(len(chosen) + 1), rng.choice(parts.money))
    body = "".join(localise(s, province, rng) for s in chosen)
    zone_sentence = ""
    if rng.random() < 0.15:
        zone = rng.choice(ZONE_PLACES[province.short_name])
        industries = rng.sample(("生物医药", "新材料", "电子信息", "装备制造", "新能源", "数字经济", "人工智能"), 2)
        zone_sentence = f"{zone}高新区重点发展{industries[0]}、{industries[1]}等产业。"
    return f"　　{number}{rng.choice(parts.headings)}。{body}{zone_sentence}（{rng.choice(parts.departments)}）"


def body(province: reference.Province, rng: random.Random) -> list[str]:
    """Write the sections and items of one document, nested 一、（一） or 一、1."""
    nested = rng.random() < 0.6
    lines = []
    for s, section in enumerate(rng.sample(pool().sections, rng.randint(3, 6))):
        lines.append(f"　　{NUMERALS[s]}、{section}")
        for k in range(rng.randint(2, 5)):
            lines.append(measure(f"（{NUMERALS[k]}）" if nested else f"{k + 1}.", province, rng))
    return lines


def titles(index: int, seed: int) -> Iterator[str]:
    """Give one document's candidate titles, the first unused of which it takes."""
    rng = random.Random(f"{seed}:title:{index}")
    while True:
        yield f"关于{rng.choice(TOPICS)}的{rng.randint(2021, 2025)}—{rng.randint(2026, 2035)}年{rng.choice(DOC_TYPES)}"


def document(index: int, seed: int, title: str, draft: bool) -> str:
    """Write the text of document `index`: chrome, title, 文号, addressee, body, signature, chrome."""
    rng = random.Random(f"{seed}:{index}")
    provinces = reference.provinces()
    province = provinces[index % len(provinces)]
    issuer = province.name + "人民政府"
    year = 2018 + index % 8
    number = f"{province.doc_prefix}{rng.choice(NUMBER_KINDS)}〔{year}〕{1 + index // 8}号"
    lines = [rng.choice(HEADER_CHROME)] if rng.random() < 0.7 else []
    lines += [issuer + title + ("（征求意见稿）" if draft else ""), "" if draft else number, rng.choice(ADDRESSEES)]
    lines.append("　　" + OPENING.format(short="我省"))
    lines += body(province, rng)
    if rng.random() < 0.1:
        lines.insert(rng.randrange(4, len(lines)), rng.choice(SPAM))
    lines += [issuer, f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"]
    lines += [c.format(name=province.name, abbr=province.doc_prefix) for c in FOOTER_CHROME[: rng.randint(0, 4)]]
    return "\n".join(lines) + "\n"


def other_chrome(text: str, index: int) -> str:
    """Scrape a document again: the same body under another site's chrome."""
    return f"首页 > 政策信息 > 省政策信息\n来源：转载 第{index}期\n\n{text}\n您是本站第{1000 + index}位来访者\n"


def near_duplicate(text: str, seed: int, index: int) -> str:
    """Change one measure sentence of a draft, as a revised draft would."""
    rng = random.Random(f"{seed}:near:{index}")
    lines = text.split("\n")
    items = [k for k, line in enumerate(lines) if line.startswith("　　（") or line[2:3].isdigit()]
    k = rng.choice(items)
    lines[k] = lines[k][:-1] + "，" + rng.choice(pool().sentences)[:-1] + "）" if lines[k].endswith("）") else lines[k]
    return "\n".join(lines)


@cache
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def corpus(n: int, seed: int = 0) -> Iterator[Document]:
    """Generate the raw files of N distinct documents, deterministic for a seed."""
    used: set[str] = set()
    for index in range(n):
        draft = index % 50 == 7  # a few drafts without 文号, each with a revised near-duplicate
        # A document without 文号 is named by its title, so a draft's title is one no other draft has.
        title = next(t for t in titles(index, seed) if t not in used) if draft else f"关于{TOPICS[index % 7]}的{DOC_TYPES[index % 5]}"
        used.add(title)
        text = document(index, seed, title, draft)
        yield Document(f"doc{index:05d}.txt", text)
        # A work's expressions are named by script (doc/<work>/zh-hant), so a second copy is always in the other script.
        if index % 40 == 3:
            yield Document(f"doc{index:05d}-copy.txt", _s2t().convert(other_chrome(text, index)))
        if draft:
            yield Document(f"doc{index:05d}-rev.txt", _s2t().convert(near_duplicate(text, seed, index)))


def write(n: int, out_dir: Path, seed: int = 0) -> int:
    """Write the corpus into OUT_DIR/raw (emptied first) and return the number of files."""
    raw = out_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for old in raw.glob("*.txt"):
        old.unlink()
    count = 0
    for doc in corpus(n, seed):
        (raw / doc.name).write_text(doc.text, encoding="utf-8")
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    """Write a scale corpus from the command line."""
    parser = argparse.ArgumentParser(description="write N synthetic policy documents into OUT_DIR/raw")
    parser.add_argument("n", type=int, metavar="N")
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error(f"N must be at least 1, got {args.n}")
    files = write(args.n, args.out_dir, args.seed)
    print(f"wrote {files} files ({args.n} documents, seed {args.seed}) to {args.out_dir / 'raw'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
