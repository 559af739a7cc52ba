"""The reference tables (data/reference/*.csv) are well-formed, and every concept the seed build emits is mapped or listed."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from graph_build import iris, reference
from graph_build.build.events import ReferenceGap
from graph_build.rdf import links
from graph_build.store.access import run_query

QID = re.compile(r"Q[1-9][0-9]*")
# Recipient types the seeds name that have no broader type on purpose: the build reports them.
UNMAPPED_RECIPIENTS = {"外国专家公寓", "飞地园区建设单位"}


def labels_in_scheme(store, scheme: str) -> set[str]:  # type: ignore[no-untyped-def]
    query = f"""SELECT DISTINCT ?label WHERE {{ GRAPH <https://w3id.org/gaoxin-kg/id/graph/entities> {{
        ?c <http://www.w3.org/2004/02/skos/core#inScheme> <https://w3id.org/gaoxin-kg/id/scheme/{scheme}> ;
           <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }} }}"""
    return {row["label"].value for row in run_query(store, query)}


def document_labels(works, kind: str) -> set[str]:  # type: ignore[no-untyped-def]
    """Return the industry or recipient labels the extractor gives the seed documents."""
    extraction = [w.extraction for w in works]
    if kind == "industry":
        return {i.name for x in extraction for i in x.industries} | {name for x in extraction for z in x.zones for name in z.industries}
    return {i.recipient for x in extraction for i in x.incentives if i.recipient}


# ---- provinces and divisions ------------------------------------------------------------


def test_thirty_one_provinces_with_unique_six_digit_codes_and_names() -> None:
    provinces = reference.provinces()
    assert len(provinces) == 31
    assert all(re.fullmatch(r"[1-6][0-9]0000", p.code) for p in provinces)
    assert len({p.code for p in provinces}) == len({p.name for p in provinces}) == len({p.short_name for p in provinces}) == 31
    assert all(p.source for p in provinces)


# fmt: off
@pytest.mark.parametrize(("name", "code", "qid"), [
    ("云南省", "530000", "Q43194"),
    ("甘肃省", "620000", "Q42392"),
    ("河北省", "130000", "Q21208"),
])
# fmt: on
def test_the_three_given_wikidata_items(name: str, code: str, qid: str) -> None:
    province = reference.by_name(name)
    assert province is not None and (province.code, province.wikidata) == (code, qid)


def test_every_wikidata_id_is_a_q_number_or_empty() -> None:
    rows = [*reference.provinces(), *reference.divisions(), *reference.zones()]
    assert all(r.wikidata == "" or QID.fullmatch(r.wikidata) for r in rows)


def test_divisions_are_parent_consistent() -> None:
    codes = {d.code: d for d in reference.divisions()}
    province_codes = {p.code for p in reference.provinces()}
    for d in reference.divisions():
        assert re.fullmatch(r"[0-9]{6}", d.code), d
        if d.level == "prefecture":
            assert d.code.endswith("00") and not d.code.endswith("0000") and d.parent == d.province_code, d
        else:  # a county lies in its prefecture, or directly in its province (北京, 重庆, 省直辖县级行政区划)
            assert d.level == "county" and not d.code.endswith("00") and d.parent in (d.code[:4] + "00", d.province_code), d
            assert d.parent in codes or d.parent == d.province_code, f"{d.name}: its prefecture {d.parent} is missing"
        assert d.province_code in province_codes and d.source
        assert d.name.startswith(d.short_name)


def test_the_gazetteer_is_complete() -> None:
    levels = Counter(d.level for d in reference.divisions())
    assert levels["prefecture"] >= 333 and levels["county"] >= 2840  # GB/T 2260: 333 prefecture-level, 2,843 county-level (end of 2023)
    assert {d.province_code for d in reference.divisions()} == {p.code for p in reference.provinces()}


def test_no_duplicate_codes_or_names_within_a_prefecture() -> None:
    divisions = reference.divisions()
    assert not [c for c, n in Counter(d.code for d in divisions).items() if n > 1]
    assert not [k for k, n in Counter((d.parent, d.name) for d in divisions).items() if n > 1]


# fmt: off
@pytest.mark.parametrize(("name", "province", "code"), [
    ("旬阳县", "610000", "610981"),   # a former name: 旬阳县 became 旬阳市 in 2021
    ("旬阳市", None, "610981"),
    ("鼓楼", "350000", "350102"),     # 福州's 鼓楼区, not 南京's
    ("鼓楼", "320000", "320106"),
    ("朝阳", "210000", "211300"),     # 辽宁: the city 朝阳市 before the county 朝阳县
    ("朝阳", "110000", "110105"),     # 北京's 朝阳区
    ("江阴", None, "320281"),
    ("西安市", None, "610100"),       # 西安 alone is also 西安区 of 辽源 (吉林) and of 牡丹江 (黑龙江)
])
# fmt: on
def test_places_resolve_within_their_province(name: str, province: str | None, code: str) -> None:
    found = reference.division_named(name, province)
    assert found is not None and found.code == code


@pytest.mark.parametrize("name", ["鼓楼", "朝阳", "城区", "西安"])
def test_ambiguous_places_need_their_province(name: str) -> None:
    assert reference.division_named(name, None) is None


def test_divisions_read_alike_get_their_code_in_the_iri() -> None:
    assert iris.division("410622").endswith("/division/henan/qi-xian-410622")  # 淇县 (杞县 reads the same)
    assert iris.division("620100").endswith("/division/gansu/lan-zhou-shi")
    assert len({iris.division(d.code) for d in reference.divisions()}) == len(reference.divisions())


def test_zones_lie_in_known_divisions() -> None:
    codes = {d.code for d in reference.divisions()}
    names = [z.name for z in reference.zones()]
    assert len(names) == len(set(names))
    for zone in reference.zones():
        assert zone.name.endswith("高新区") and zone.division in codes and zone.source, zone
        assert zone.level in ("", "national") and (zone.official_name == "" or zone.official_name.endswith("高新技术产业开发区"))


# fmt: off
@pytest.mark.parametrize(("code", "p442"), [
    ("530000", "53"),         # 云南省
    ("620100", "62 01"),      # 兰州市
    ("621122", "62 11 22"),   # 陇西县
    ("130682", "13 06 82"),   # 定州市
    ("110000", "11"),         # 北京市
])
# fmt: on
def test_p442_form_round_trips(code: str, p442: str) -> None:
    assert reference.to_p442(code) == p442
    assert reference.from_p442(p442) == code


@pytest.mark.parametrize("bad", ["5300", "53 0", "53-01", "Q43194", ""])
def test_p442_refuses_malformed_codes(bad: str) -> None:
    with pytest.raises(ValueError, match="P442"):
        reference.from_p442(bad)


# fmt: off
@pytest.mark.parametrize(("zone", "province", "division"), [
    ("兰州高新区", "620000", "兰州市"),     # zones.csv
    ("陇西高新区", "620000", "陇西县"),     # a county
    ("保定高新区", "130000", "保定市"),
    ("曲靖高新区", "530000", "曲靖市"),     # not in zones.csv: by the name rule
    ("兰州高新区", "530000", None),         # a zone is placed only within its province
    ("东部高新区", "620000", None),
])
# fmt: on
def test_zone_division(zone: str, province: str, division: str | None) -> None:
    found = reference.zone_division(zone, province)
    assert (found.name if found else None) == division


# ---- classifications and mappings ------------------------------------------------------------


def test_nine_sei_areas_and_gbt4754_classes_nest() -> None:
    assert [(a.code, a.label) for a in reference.sei_areas()][:1] == [("1", "新一代信息技术产业")]
    assert [a.code for a in reference.sei_areas()] == [str(n) for n in range(1, 10)]
    classes = {c.code: c for c in reference.gbt4754_classes()}
    assert classes["27"].label == "医药制造业" and classes["39"].label == "计算机、通信和其他电子设备制造业"
    for c in classes.values():
        assert (c.broader == "" and re.fullmatch(r"[A-T]", c.code)) or (c.broader in classes and re.fullmatch(r"[0-9]{2}", c.code)), c


def test_industry_rows_point_at_known_classes_and_labels() -> None:
    table = reference.industry_links()
    sei = {a.code for a in reference.sei_areas()}
    gbt = {c.code for c in reference.gbt4754_classes()}
    for row in table.values():
        assert (row.sei in sei and row.sei_match in links.MATCHES) or (row.sei == row.sei_match == ""), row
        assert (row.gbt4754 in gbt and row.gbt4754_match in links.MATCHES) or (row.gbt4754 == row.gbt4754_match == ""), row
        assert row.related == "" or (row.related in table and row.related != row.label), row
        assert row.sei or row.gbt4754 or row.note, f"{row.label}: an unmapped industry needs a note saying why"


def test_variants_are_related_not_merged() -> None:
    table = reference.industry_links()
    assert {table["生物制药"].related, table["生物技术"].related} == {"生物医药"}
    assert table["生物医药"].related == "生物技术"


def test_recipient_hierarchy_has_no_cycles_and_reaches_the_given_families() -> None:
    table = reference.recipient_types()

    def chain(label: str) -> list[str]:
        seen = [label]
        while table[seen[-1]].broader:
            assert table[seen[-1]].broader in table, seen
            seen.append(table[seen[-1]].broader)
            assert len(seen) < 10, seen
        return seen

    assert chain("国家重点实验室") == ["国家重点实验室", "国家级创新平台", "创新平台"]
    assert chain("瞪羚企业") == ["瞪羚企业", "高成长企业", "企业"] and chain("独角兽企业")[1:] == ["高成长企业", "企业"]
    assert chain("高新技术企业") == ["高新技术企业", "企业"]
    assert chain("新获批国家高新区")[-1] == "高新区" and chain("科研人员") == ["科研人员", "人才"]
    assert all(row.label_en for row in table.values())


def test_every_industry_the_seeds_name_is_in_the_mapping_table(works) -> None:  # type: ignore[no-untyped-def]
    assert sorted(document_labels(works, "industry") - set(reference.industry_links())) == []


def test_every_recipient_type_the_seeds_name_is_mapped_or_listed(works) -> None:  # type: ignore[no-untyped-def]
    named = document_labels(works, "recipient")
    assert sorted(named - set(reference.recipient_types())) == sorted(UNMAPPED_RECIPIENTS)


def test_the_build_reports_what_it_cannot_map() -> None:
    lines: list[ReferenceGap] = []
    quads = [*links.industry_links({"元宇宙"}, lines.append), *links.recipient_links({"外国专家公寓", "瞪羚企业"}, lines.append)]
    assert lines == [
        ReferenceGap("industry", "元宇宙", "not in data/reference/industries.csv"),
        ReferenceGap("recipient type", "外国专家公寓", "has no broader type: not in data/reference/recipient_types.csv"),
    ]
    assert sum(q.predicate == links.skos.broader for q in quads) == 2  # 瞪羚企业 ⊑ 高成长企业 ⊑ 企业


# ---- the seed graph --------------------------------------------------------------------------


def test_every_seed_zone_lies_in_a_division_with_a_code(store) -> None:  # type: ignore[no-untyped-def]
    query = """PREFIX gx: <https://w3id.org/gaoxin-kg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX schema: <https://schema.org/>
        SELECT ?zone ?code WHERE { ?zone a gx:HighTechZone . OPTIONAL { ?zone schema:containedInPlace/skos:notation ?code } }"""
    rows = list(run_query(store, query))
    assert len(rows) >= 18
    assert [r["zone"].value for r in rows if r["code"] is None] == []


def test_every_seed_industry_concept_is_mapped_or_noted(store) -> None:  # type: ignore[no-untyped-def]
    table = reference.industry_links()
    emitted = labels_in_scheme(store, "industry")
    assert emitted and emitted <= set(table)
