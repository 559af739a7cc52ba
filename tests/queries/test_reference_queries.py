"""The canned queries on links to other datasets answer what the reference tables say."""

from __future__ import annotations

from graph_build import canned
from graph_build.store.access import run_query

ID = "https://w3id.org/gaoxin-kg/id/"
QUERIES = canned.load_all()


def rows(store, name: str, **params: str) -> list[dict[str, str | None]]:  # type: ignore[no-untyped-def]
    query = QUERIES[name]
    solutions = run_query(store, query.sparql, canned.bind(query, params))
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in solutions]


def test_province_codes_gives_31_provinces_with_code_p442_and_wikidata(store) -> None:  # type: ignore[no-untyped-def]
    found = rows(store, "province-codes")
    assert len(found) == 31
    yunnan = next(r for r in found if r["name"] == "云南省")
    assert (yunnan["code"], yunnan["p442"], yunnan["wikidata"]) == ("530000", "53", "http://www.wikidata.org/entity/Q43194")
    assert sum(r["wikidata"] is not None for r in found) == 31  # every province, from data/reference/provinces.csv with its source
    assert all(len(r["code"] or "") == 6 and r["p442"] == (r["code"] or "")[:2] for r in found)


def test_family_query_finds_the_national_key_lab_incentive_under_national_platforms(store) -> None:  # type: ignore[no-untyped-def]
    found = rows(store, "incentives-by-recipient-family", family=ID + "recipient-type/guo-jia-ji-chuang-xin-ping-tai")
    recipients = {r["recipient"] for r in found}
    assert "国家重点实验室" in recipients and {"国家技术创新中心", "国家工程研究中心"} <= recipients
    assert "省级重点实验室" not in recipients and "高新技术企业" not in recipients
    lab = next(r for r in found if r["recipient"] == "国家重点实验室")
    assert lab["doc_number"] == "云政发〔2020〕36号" and "国家重点实验室" in (lab["quote"] or "")


def test_family_query_on_a_leaf_type_returns_only_that_type(store) -> None:  # type: ignore[no-untyped-def]
    found = rows(store, "incentives-by-recipient-family", family=ID + "recipient-type/guo-jia-zhong-dian-shi-yan-shi")
    assert found and {r["recipient"] for r in found} == {"国家重点实验室"}


def test_industries_by_sei_area_lists_the_nine_areas(store) -> None:  # type: ignore[no-untyped-def]
    found = rows(store, "industries-by-sei-area")
    assert [r["code"] for r in found] == [str(n) for n in range(1, 10)]
    biology = next(r for r in found if r["code"] == "4")
    assert biology["area_name"] == "生物产业" and "生物医药" in (biology["industry_names"] or "").split("、")
    assert int(biology["measures"] or 0) >= 1 and int(biology["zones"] or 0) >= 1
    assert canned.header(QUERIES["industries-by-sei-area"])["chart"] == {"type": "bar", "x": "area_name", "y": "measures"}
