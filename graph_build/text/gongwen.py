"""Conventions of Chinese official documents (公文) shared by the clean and identify stages.

Document types that end a title, the 文号 in every bracket form scraped pages
use, the labels of the metadata tables government sites print above a
document (索引号, 发文字号, 成文日期 ...), and dates written with Arabic or
Chinese numerals. Patterns apply to the analysis view: simplified script,
full-width ASCII folded (so "（" is "(", "：" is ":").
"""

from __future__ import annotations

import re

# Kinds of 公文 and of the policy texts published beside them; longer names first, so 实施意见 wins over 意见.
DOC_TYPE_NAMES = (
    "实施意见", "指导意见", "若干意见", "意见", "若干政策措施", "若干措施", "措施", "行动方案", "实施方案", "工作方案", "方案",
    "实施办法", "管理办法", "暂行办法", "办法", "实施细则", "细则", "通知", "暂行规定", "规定", "规划", "纲要", "决定",
    "计划", "若干政策", "政策", "批复", "复函", "函", "通报", "条例", "公告", "通告", "公示", "指引", "指南", "目录",
    "清单", "决议", "命令", "要点", "政策汇编", "汇编",
)  # fmt: skip
DOC_TYPES = "|".join(DOC_TYPE_NAMES)
# What may follow the type inside a title: a draft or trial mark, a plan period, a revision.
TITLE_TAIL = r"\((?:试行|暂行|征求意见稿|草案|送审稿|讨论稿|修订稿|修订|\d{4}\s*[-—–~至]+\s*\d{4}年?|\d{4}\s*年\s*(?:\d{1,2}\s*月\s*)?修订版?)\)"
TITLE_END = re.compile(rf"(?:{DOC_TYPES})\s*(?:{TITLE_TAIL})?")
# A 文号: issuer abbreviation, year in any bracket pair, serial number, 号 ("国办发〔2018〕117号", "苏政复[2011]19号").
OPEN, CLOSE = "〔\\[(【﹝［", "〕\\])】﹞］"
DOC_NUMBER = re.compile(rf"[\u4e00-\u9fff]{{1,12}}\s*[{OPEN}]\s*((?:19|20)\d{{2}})\s*[{CLOSE}]\s*第?\s*\d{{1,4}}\s*号")
# The old form with the year in front: "〔92〕国科发火字395号".
OLD_DOC_NUMBER = re.compile(rf"[{OPEN}]\s*(\d{{2}}|(?:19|20)\d{{2}})\s*[{CLOSE}]\s*[\u4e00-\u9fff]{{1,12}}\s*\d{{1,4}}\s*号")
# Metadata table labels, by the field they fill; a label may be letter-spaced ("索 引 号", "标  题").
LABELS = {
    "doc_number": ("发文字号", "发布文号", "文件编号", "发文编号", "文号"),
    "title": ("文件名称", "标题", "名称", "题名"),
    "issuer": ("发文机关", "发文单位", "发文机构", "发布机构", "发布机关", "发布单位", "颁发部门", "颁布机关", "制发机关"),
    "date_document": ("成文日期", "成文时间", "发文日期", "发文时间", "颁发时间", "颁布日期", "签发日期"),
    "date_publication": ("发布日期", "发布时间", "公开日期", "公开时间", "发布于", "时间"),
    "index_number": ("索引号",),
    "validity": ("有效性", "时效性", "效力状态", "效力属性", "时效"),
    "date_effective": ("施行日期", "实施日期", "实施时间", "执行日期", "生效日期"),
}
LABEL_FIELD = {label: field for field, labels in LABELS.items() for label in labels}
_SPACED = "|".join(r"[ \u3000]*".join(label) for label in sorted(LABEL_FIELD, key=len, reverse=True))
# A label at the start of a line or cell (after "|", "【" or white space), then an optional colon or 】.
LABEL = re.compile(rf"(?:^|(?<=[\s|【]))({_SPACED})[ \u3000]*(?:】[ \u3000]*)?(?::[ \u3000]*)?")
DATE = re.compile(r"((?:19|20)\d{2})\s*(?:-|年|/|\.)\s*(\d{1,2})\s*(?:-|月|/|\.)\s*(\d{1,2})(?:\s*日)?")
CHINESE_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0, "O": 0, "0": 0}
CHINESE_DATE = re.compile(r"([〇○零O0一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
# A signature date alone on its line: Arabic (GB/T 9704) or Chinese numerals; trailing "???" of broken pages allowed.
SIGNATURE_DATE = re.compile(rf"^\s*(?:(?:19|20)\d{{2}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|{CHINESE_DATE.pattern})[\s?]*$")
# Digits where a date was and lost its 年月日: "2016815", "20191" (never read as a date, only reported).
DAMAGED_DATE = re.compile(r"^\s*((?:19|20)\d{2}\d{1,4})\s*$")
# Dates that metadata tables print for "unknown": the 1900 default and the Unix epoch year.
PLACEHOLDER_YEARS = ("1900", "1970")


def normalise_doc_number(value: str) -> str:
    """Write a 文号 with 〔〕 brackets and no spaces, whatever brackets it came with.

    >>> normalise_doc_number("国发[2020] 7号"), normalise_doc_number("南府规【2017】 30 号"), normalise_doc_number("苏政复﹝2011﹞第19号")
    ('国发〔2020〕7号', '南府规〔2017〕30号', '苏政复〔2011〕19号')
    """
    value = re.sub(r"\s+", "", value)
    value = re.sub(rf"[{OPEN}](\d{{2,4}})[{CLOSE}]", r"〔\1〕", value)
    return re.sub(r"〕第(\d)", r"〕\1", value)


def chinese_number(text: str) -> int:
    """Read a Chinese numeral of a month or a day (一 to 三十一).

    >>> chinese_number("十一"), chinese_number("二十"), chinese_number("九")
    (11, 20, 9)
    """
    if "十" not in text:
        return CHINESE_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (CHINESE_DIGITS[tens] if tens else 1) * 10 + (CHINESE_DIGITS[ones] if ones else 0)


def parse_date(text: str) -> tuple[str, int, int] | None:
    """Read the first date in a text as (ISO date, start, end), Arabic or Chinese numerals.

    >>> parse_date("二○○六年八月九日"), parse_date("发布日期:2019-12-5 11:18:05")
    (('2006-08-09', 0, 9), ('2019-12-05', 5, 14))
    """
    found = [m for m in (DATE.search(text), CHINESE_DATE.search(text)) if m]
    if not found:
        return None
    match = min(found, key=lambda m: m.start())
    if match.re is DATE:
        year, month, day = (int(group) for group in match.groups())
    else:
        year = int("".join(str(CHINESE_DIGITS[c]) for c in match.group(1)))
        month, day = chinese_number(match.group(2)), chinese_number(match.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}", match.start(), match.end()


def is_placeholder(iso_date: str) -> bool:
    """Tell whether a metadata date is a placeholder for "unknown" (1900-1-1, 1970-01-01 ...).

    >>> is_placeholder("1970-08-22"), is_placeholder("1900-01-01"), is_placeholder("2020-11-19")
    (True, True, False)
    """
    return iso_date[:4] in PLACEHOLDER_YEARS


def without_spaces(text: str) -> str:
    """Remove the white space of a letter-spaced line ("国 务 院 关 于" → "国务院关于").

    >>> without_spaces("国 务 院 关 于\u3000同 意")
    '国务院关于同意'
    """
    return re.sub(r"\s+", "", text)
