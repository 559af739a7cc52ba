"""The research canned queries answer on the seed graph: instrument mix, nearest measures, shared measures, timeline."""

from __future__ import annotations

from graph_build import canned, iris
from graph_build.store.access import run_query
from graph_build.vocab import sparql_prefixes

QUERIES = canned.load_all()


def rows(store, name: str, **values: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Run a canned query with parameters and return its rows as plain strings."""
    query = QUERIES[name]
    results = run_query(store, query.sparql, canned.bind(query, values))
    names = [v.value for v in results.variables]
    return [{n: (row[n].value if row[n] is not None else "") for n in names} for row in results]


def test_every_measure_has_an_instrument(store) -> None:  # type: ignore[no-untyped-def]
    query = sparql_prefixes() + "SELECT ?m WHERE { ?m a gx:Measure FILTER NOT EXISTS { ?m gx:policyInstrument ?i } }"
    assert list(run_query(store, query)) == []
    assert len(list(run_query(store, sparql_prefixes() + "SELECT ?m WHERE { ?m a gx:Measure }"))) == 97


def test_instrument_mix_has_rows_for_all_four_documents(store) -> None:  # type: ignore[no-untyped-def]
    found = rows(store, "instrument-mix")
    assert len({r["document"] for r in found}) == 4
    assert {r["group"] for r in found} == {"供给型政策工具", "环境型政策工具", "需求型政策工具"}
    assert all(0 < float(r["share_percent"]) <= 100 for r in found)


def test_instrument_mix_by_province_counts_a_measure_once_per_group(store) -> None:  # type: ignore[no-untyped-def]
    found = rows(store, "instrument-mix-by-province", province=iris.ID + "province/hebei")
    groups = {r["group"]: int(r["measures"]) for r in found if r["level"] == "group"}
    types = [int(r["measures"]) for r in found if r["level"] == "type"]
    assert set(groups) == {"供给型政策工具", "环境型政策工具", "需求型政策工具"}
    assert all(count <= 32 for count in groups.values()) and max(types) <= max(groups.values())


def test_similar_measures_finds_the_65_year_pair(store) -> None:  # type: ignore[no-untyped-def]
    found = rows(store, "similar-measures", measure=iris.part("yunzhengfa-2020-36", "2.2"))
    hebei = [r for r in found if r["other_document"] == iris.work("jizhengzi-2020-52")]
    assert [r["other_path"] for r in hebei] == ["2.1.5"]
    assert "申请工作许可的年龄可放宽至65岁" in hebei[0]["shared_wording"]
    assert all(r["other_province"] != "云南省" for r in found)


def test_shared_measures_lists_pairs_of_two_documents_with_both_wordings(store) -> None:  # type: ignore[no-untyped-def]
    found = rows(store, "shared-measures", document=iris.work("yunzhengfa-2020-36"), other_document=iris.work("jizhengzi-2020-52"))
    assert ("2.2", "2.1.5") in {(r["path"], r["other_path"]) for r in found}
    pair = next(r for r in found if r["path"] == "2.2")
    assert "65岁" in pair["shared_wording"] and "65歲" in pair["other_shared_wording"]
    assert [float(r["score"]) for r in found] == sorted((float(r["score"]) for r in found), reverse=True)


def test_directive_timeline_dates_each_provinces_first_answer(store) -> None:  # type: ignore[no-untyped-def]
    found = rows(store, "directive-timeline", directive="国发〔2020〕7号")
    assert {r["province"]: r["first_answer"] for r in found} == {"甘肃省": "", "河北省": "2020-09-30", "云南省": "2020-12-29"}


def test_instrument_codings_carry_cue_words_and_one_evidence_span(store) -> None:  # type: ignore[no-untyped-def]
    query = sparql_prefixes() + """SELECT ?c (COUNT(DISTINCT ?span) AS ?spans) (COUNT(DISTINCT ?word) AS ?words) WHERE {
      ?c a gx:InstrumentCoding ; gx:cueWord ?word . OPTIONAL { ?c gx:evidence ?span } } GROUP BY ?c"""
    found = [(int(r["spans"].value), int(r["words"].value)) for r in run_query(store, query)]
    assert len(found) > 97 and all(spans == 1 and words >= 1 for spans, words in found)
    jiebang = sparql_prefixes() + 'SELECT ?c WHERE { ?c a gx:InstrumentCoding ; gx:cueWord "揭榜" }'
    assert list(run_query(store, jiebang))
