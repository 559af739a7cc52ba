"""The one module that mints IRIs: stable across builds, readable ASCII, no raw Chinese.

Names become slugs by their Hanyu Pinyin (pypinyin, no tones): 兰州高新区 →
``lan-zhou-gao-xin-qu``. A document with a 文号 is named by it (云政发〔2020〕36号 →
``yunzhengfa-2020-36``); one without is named by its province and a digest of
its title, or of its wording when it has no title. See "URI policy" in the README.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from pypinyin import lazy_pinyin

from graph_build import reference
from graph_build.records import Expression, Identity
from graph_build.vocab import ID

_DOC_NUMBER = re.compile(r"^(.*?)〔(\d{4})〕(\d+)号$")


@lru_cache(maxsize=1 << 16)  # a corpus names the same departments, industries and instruments again and again; pypinyin costs ~0.3 ms a call
def slug(name: str) -> str:
    """Turn a Chinese name into a readable ASCII slug, one pinyin syllable per character.

    >>> slug("兰州高新区")
    'lan-zhou-gao-xin-qu'
    >>> slug("省发展改革委")
    'sheng-fa-zhan-gai-ge-wei'
    """
    syllables = lazy_pinyin(name, errors=lambda chars: [c for c in chars if c.isalnum()])
    text = re.sub(r"[^a-z0-9]+", "-", "-".join(syllables).lower()).strip("-")
    return text or digest(name)


def digest(text: str, length: int = 8) -> str:
    """Return a short hex digest of a text, for names with nothing readable to go on."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def doc_number_slug(doc_number: str) -> str:
    """Name a document by its 文号.

    >>> doc_number_slug("国科发区〔2022〕264号")
    'guokefaqu-2022-264'
    """
    match = _DOC_NUMBER.match(doc_number)
    if not match:
        return slug(doc_number)
    prefix, year, number = match.groups()
    return f"{''.join(lazy_pinyin(prefix))}-{year}-{number}"


def cited_slug(doc_number: str, title: str | None) -> str:
    """Name a cited document: by its 文号, else (a directive cited by title alone) by its title's digest.

    >>> cited_slug("国发〔2020〕7号", None), cited_slug("", "进一步支持天津滨海新区高质量发展的若干政策措施")
    ('guofa-2020-7', 'title-fad0ba70')
    """
    return doc_number_slug(doc_number) if doc_number else f"title-{digest(title or '')}"


def work_slug(identity: Identity, primary: Expression) -> str:
    """Name a work by its 文号, else by province and a digest of its title or wording."""
    if identity.doc_number_text:
        return doc_number_slug(identity.doc_number_text)
    province = reference.by_code(identity.province_code).slug if identity.province_code else "unknown"
    basis = identity.title_text or re.sub(r"\s+", "", primary.analysis[primary.clean.body_start : primary.clean.body_end])
    return f"{province}-{digest(basis)}"


def work(work_slug_: str) -> str:
    return f"{ID}doc/{work_slug_}"


def graph(work_slug_: str) -> str:
    return f"{work(work_slug_)}/graph"


def expression(work_slug_: str, script: str) -> str:
    return f"{work(work_slug_)}/{script.lower()}"


def source_file(work_slug_: str, script: str) -> str:
    return f"{expression(work_slug_, script)}/file"


def span(work_slug_: str, script: str, start: int, end: int) -> str:
    return f"{expression(work_slug_, script)}/span/{start}-{end}"


def part(work_slug_: str, path: str) -> str:
    return f"{work(work_slug_)}/part/{path.replace('.', '-')}"


def fact(work_slug_: str, kind: str, path: str, index: int) -> str:
    """Name the index-th fact of a kind (incentive, target, provision) in the measure at path."""
    return f"{work(work_slug_)}/{kind}/{path.replace('.', '-')}-{index}"


def instrument_coding(work_slug_: str, path: str, instrument: str) -> str:
    """Name the coding of the measure at path with one policy-instrument type."""
    return f"{part(work_slug_, path)}/instrument/{slug(instrument)}"


def similarity_link(left: tuple[str, str], right: tuple[str, str]) -> str:
    """Name the similarity link between two measures, each given as (work slug, path)."""
    return f"{ID}similarity/{left[0]}/{left[1].replace('.', '-')}/{right[0]}/{right[1].replace('.', '-')}"


def country() -> str:
    """Return the IRI of the country, the jurisdiction of the central government's documents."""
    return f"{ID}country/china"


def province(code: str) -> str:
    return f"{ID}province/{reference.by_code(code).slug}"


def organisation(province_code: str | None, name: str) -> str:
    """Name an organisation within its province: 省科技厅 of 云南 → org/yunnan/sheng-ke-ji-ting."""
    where = reference.by_code(province_code).slug if province_code else "national"
    return f"{ID}org/{where}/{slug(name)}"


def government(province_code: str) -> str:
    return f"{ID}org/{reference.by_code(province_code).slug}/government"


def zone(province_code: str | None, name: str) -> str:
    where = reference.by_code(province_code).slug if province_code else "unknown"
    return f"{ID}zone/{where}/{slug(name)}"


def division(code: str) -> str:
    """Name a prefecture- or county-level division within its province: 620100 兰州市 → division/gansu/lan-zhou-shi.

    Two divisions of a province whose names read the same in pinyin (淇县 and 杞县 of 河南) get their code too:
    division/henan/qi-xian-410622.
    """
    found = reference.division_by_code(code)
    name = slug(found.name)
    return f"{ID}division/{reference.by_code(found.province_code).slug}/{name}" + (f"-{code}" if (found.province_code, name) in homophones() else "")


@lru_cache(maxsize=1)
def homophones() -> frozenset[tuple[str, str]]:
    """List the (province code, pinyin slug) pairs that more than one division of the province reads as."""
    seen: dict[tuple[str, str], int] = {}
    for found in reference.divisions():
        key = (found.province_code, slug(found.name))
        seen[key] = seen.get(key, 0) + 1
    return frozenset(key for key, count in seen.items() if count > 1)


def place(code: str) -> str:
    """Name the division of a GB/T 2260 code: a province or a division below one."""
    return province(code) if code.endswith("0000") else division(code)


def classified(scheme_name: str, code: str) -> str:
    """Name a class of a national classification by its code: sei-2018/4, gbt-4754-2017/27."""
    return f"{ID}{scheme_name}/{code}"


def concept(scheme_name: str, label: str) -> str:
    """Name a concept of one of the builder's SKOS schemes by its label."""
    return f"{ID}{scheme_name}/{slug(label)}"


def scheme(scheme_name: str) -> str:
    return f"{ID}scheme/{scheme_name}"


def canned_query(name: str) -> str:
    return f"{ID}query/{name}"


def build_run(input_digest: str) -> str:
    return f"{ID}build/{input_digest[:16]}"


REFERENCE_GRAPH = f"{ID}graph/reference"
ONTOLOGY_GRAPH = f"{ID}graph/ontology"
BUILD_GRAPH = f"{ID}graph/build"
ENTITIES_GRAPH = f"{ID}graph/entities"
QUERIES_GRAPH = f"{ID}graph/queries"
SIMILARITY_GRAPH = f"{ID}graph/similarity"
