"""The canned-query pages (server/queries.py) through the Flask test client."""

from __future__ import annotations

import csv
import doctest
import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import Literal, NamedNode

from graph_build import canned, iris
from server import charts, create_app, executor, queries, result_table

QUERIES = canned.load_all()
LOCAL = sorted(name for name, query in QUERIES.items() if not canned.header(query).get("service"))  # federated: test_federation.py
ID = "https://w3id.org/gaoxin-kg/id/"
LAB = ID + "recipient-type/guo-jia-zhong-dian-shi-yan-shi"  # 国家重点实验室
PAGE = "/queries/incentives-for-recipient-type"


def rows_of_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))  # the byte-order mark for Excel


def rows_of_json(data: dict) -> list[dict[str, str]]:
    return [{name: "" if value is None else str(value) for name, value in row.items()} for row in data["rows"]]


def table_rows(html: str) -> list[str]:
    """Return the body rows of the results table, as HTML."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


# -- the list -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_list_page_shows_every_query_with_both_titles(client: FlaskClient, name: str) -> None:
    html = client.get("/queries").get_data(as_text=True)
    query = QUERIES[name]
    assert f'href="/queries/{name}"' in html
    assert query.title_zh in html and query.title_en.replace("'", "&#39;") in html


def test_list_page_groups_queries_by_theme_in_both_languages(client: FlaskClient) -> None:
    html = client.get("/queries").get_data(as_text=True)
    for theme in {q.theme for q in QUERIES.values()}:
        zh, en = queries.THEMES[theme]
        assert zh in html and en in html


def test_list_has_csv_and_json_twins_naming_every_query(client: FlaskClient) -> None:
    listed_csv = {row["name"] for row in rows_of_csv(client.get("/queries.csv").get_data(as_text=True))}
    listed_json = {row["name"] for row in client.get("/queries.json").get_json()["rows"]}
    assert listed_csv == listed_json == set(QUERIES)
    assert '</queries.json>; rel="alternate"; type="application/json"' in client.get("/queries").headers["Link"]


# -- one query --------------------------------------------------------------------


@pytest.mark.parametrize("name", LOCAL)
def test_every_query_page_shows_results_sparql_editor_link_and_twins(client: FlaskClient, name: str) -> None:
    response = client.get(f"/queries/{name}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    if canned.header(QUERIES[name]).get("seeds", True):  # seeds: false — no rows on the seed graph (tests/test_project_data.py)
        assert table_rows(html), "the page shows result rows"
    assert '<pre><code class="language-sparql">' in html and "SELECT" in html
    assert re.search(r'href="/sparql#query=[^"]*SELECT', html), "open-in-editor link carries the URL-encoded query"
    assert f'href="/queries/{name}.csv"' in html and f'href="/queries/{name}.json"' in html
    assert f'</queries/{name}.csv>; rel="alternate"; type="text/csv"' in response.headers["Link"]


def test_dropdown_is_filled_from_the_graph(client: FlaskClient, store) -> None:  # type: ignore[no-untyped-def]
    html = client.get(PAGE).get_data(as_text=True)
    select = html.split('<select id="param-recipient_type" name="recipient_type">', 1)[1].split("</select>", 1)[0]
    labels = {s["label"].value for s in store.query(queries.CHOICES["recipient-types"], use_default_graph_as_union=True)}
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    assert {label for value, label in options if value} == labels
    assert (LAB, "国家重点实验室") in options


def test_choosing_a_value_changes_the_results(client: FlaskClient) -> None:
    everything = table_rows(client.get(PAGE).get_data(as_text=True))
    chosen_html = client.get(PAGE, query_string={"recipient_type": LAB}).get_data(as_text=True)
    chosen = table_rows(chosen_html)
    assert len(everything) > len(chosen) == 1
    assert "云南省" in chosen[0] and '<td data-label="金额" class="number money" data-sort="10000000" title="10,000,000 元">1,000 万元</td>' in chosen[0]
    assert f'<option value="{LAB}" selected>' in chosen_html


def test_an_empty_choice_leaves_the_parameter_unbound(client: FlaskClient) -> None:
    unbound = client.get(PAGE + ".json", query_string={"recipient_type": ""}).get_json()
    assert len(unbound["rows"]) == len(client.get(PAGE + ".json").get_json()["rows"]) > 1


@pytest.mark.parametrize(("name", "params"), [
    ("incentives", {}),
    ("documents", {}),
    ("incentives-for-recipient-type", {"recipient_type": LAB}),
    ("directive-answers", {"directive": "国发〔2020〕7号"}),
    ("document-outline", {"document": ID + "doc/gansu-44eca80e"}),
])
def test_csv_and_json_twins_give_the_same_rows(client: FlaskClient, name: str, params: dict[str, str]) -> None:
    from_csv = rows_of_csv(client.get(f"/queries/{name}.csv", query_string=params).get_data(as_text=True))
    data = client.get(f"/queries/{name}.json", query_string=params).get_json()
    assert from_csv == rows_of_json(data) and from_csv
    assert list(from_csv[0]) == data["columns"]
    assert data["query"] == name and data["parameters"] == params and data["truncated"] is False


def test_csv_keeps_the_columns_of_the_existing_queries(client: FlaskClient) -> None:
    header = client.get("/queries/national-key-lab-funding.csv").get_data(as_text=True).removeprefix("\ufeff").splitlines()[0]
    assert header == "province,document,doc_number,amount_yuan,min_yuan,max_yuan,frequency,quote"


@pytest.mark.parametrize(("url", "headers", "media_type"), [
    ("/queries/documents", {}, "text/html"),
    ("/queries/documents.csv", {"Accept": "application/json"}, "text/csv"),  # the suffix wins
    ("/queries/documents.json", {}, "application/json"),
    ("/queries/documents?_format=csv", {"Accept": "application/json"}, "text/csv"),  # then ?_format=
    ("/queries/documents?_format=json", {}, "application/json"),
    ("/queries/documents", {"Accept": "text/csv"}, "text/csv"),  # then Accept
    ("/queries/documents", {"Accept": "application/json"}, "application/json"),
    ("/queries/documents", {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, "text/html"),
    ("/queries/documents", {"Accept": "*/*"}, "text/html"),
])
def test_format_is_chosen_by_suffix_then_format_parameter_then_accept(client: FlaskClient, url: str, headers: dict, media_type: str) -> None:
    response = client.get(url, headers=headers)
    assert response.status_code == 200 and response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize(("url", "named"), [
    (PAGE + "?recipient_type=not-an-iri", "recipient_type"),
    (PAGE + ".json?recipient_type=javascript:alert(1)", "recipient_type"),
])
def test_bad_parameter_is_400_naming_it(client: FlaskClient, url: str, named: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert named in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/queries/documents?from=singlemessage", "/queries/documents.csv?colour=red", "/queries/documents.json?_x=1"])
def test_unknown_parameters_are_ignored(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 200


def test_json_errors_are_json(client: FlaskClient) -> None:
    response = client.get(PAGE + ".json?recipient_type=not-an-iri")
    assert response.status_code == 400 and "recipient_type" in response.get_json()["error"]
    assert client.get("/queries/no-such-query.json").get_json()["status"] == 404


def test_without_a_built_graph_pages_say_so(tmp_path: Path) -> None:
    client = create_app({"STORE": tmp_path / "store", "TESTING": True}).test_client()
    for url in ("/", "/queries/documents"):
        response = client.get(url)
        assert response.status_code == 503 and "no graph built yet" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/queries/no-such-query", "/queries/no-such-query.json", "/queries.xml", "/queries/documents.xml"])
def test_unknown_query_is_404(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 404


def test_reserved_parameters_are_not_bound(client: FlaskClient) -> None:
    assert client.get("/queries/documents?_anything=1").status_code == 200


def test_iris_of_the_dataset_link_to_their_resource_pages(client: FlaskClient) -> None:
    html = client.get("/queries/documents").get_data(as_text=True)
    label = "云南省人民政府关于促进高新技术产业开发区高质量发展的实施意见"
    assert f'<a href="/id/doc/yunzhengfa-2020-36" title="{ID}doc/yunzhengfa-2020-36">{label}</a>' in html
    assert f'href="{ID}' not in html.split('<table class="results sortable">', 1)[1].split("</table>", 1)[0]


def test_numbers_are_right_aligned(client: FlaskClient) -> None:
    html = client.get("/queries/amounts-by-province").get_data(as_text=True)
    assert '<th scope="col" data-column="fixed_total_yuan" class="number">' in html
    assert 'class="number money" data-sort="51000000" title="51,000,000 元">5,100 万元</td>' in html


def test_json_numbers_are_numbers(client: FlaskClient) -> None:
    rows = client.get("/queries/amounts-by-province.json").get_json()["rows"]
    assert 51000000 in [row["fixed_total_yuan"] for row in rows]


def test_data_answers_allow_any_origin(client: FlaskClient) -> None:
    assert client.get("/queries/documents.json").headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/queries/documents.csv").headers["Access-Control-Allow-Origin"] == "*"


# -- charts ----------------------------------------------------------------------------


def test_amounts_by_province_draw_a_bar_per_province(client: FlaskClient) -> None:
    html = client.get("/queries/amounts-by-province").get_data(as_text=True)
    chart = html.split('<figure class="chart chart-bar">', 1)[1].split("</figure>", 1)[0]
    assert chart.count('<rect class="bar series-0"') == 2 and "云南省" in chart and "51,000,000" in chart


def test_answers_to_a_directive_draw_a_timeline(client: FlaskClient) -> None:
    html = client.get("/queries/directive-answers", query_string={"directive": "国发〔2020〕7号"}).get_data(as_text=True)
    chart = html.split('<figure class="chart chart-timeline">', 1)[1].split("</figure>", 1)[0]
    assert chart.count('<circle class="dot"') == 2  # Hebei and Yunnan are dated; Gansu's document is not
    assert "2020-09-30" in chart and "2020-12-29" in chart and "1 行未绘出" in chart


@pytest.mark.parametrize("name", sorted(n for n in QUERIES if "chart" in canned.header(QUERIES[n])))
def test_chart_specs_name_projected_columns(name: str) -> None:
    spec = canned.header(QUERIES[name])["chart"]
    projection = QUERIES[name].sparql.split("WHERE")[0]
    assert spec["type"] in charts.CHART_TYPES
    for column in charts.spec_columns(spec):
        assert f"?{column}" in projection, f"{name}: chart column {column} is not in the SELECT projection"


# -- the catalogue's consistency ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_choices_and_themes_are_known(name: str) -> None:
    query = QUERIES[name]
    assert query.theme in queries.THEMES
    assert all(p.choices is None or p.choices in queries.CHOICES for p in query.parameters), "every choices key has a choice list"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_title_header_has_exactly_zh_and_en(name: str) -> None:
    assert set(canned.header(QUERIES[name])["title"]) == {"zh", "en"}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_has_a_chinese_description(name: str) -> None:
    assert canned.header(QUERIES[name]).get("description_zh")


def test_every_route_is_documented(app: Flask) -> None:
    rules = [rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("queries.")]
    assert len(rules) == 4
    for rule in rules:
        assert rule.split("<", 1)[0] in queries.__doc__, f"{rule} is not in the module docstring"


def test_choice_lists_run_and_return_values_with_labels(client: FlaskClient, app: Flask) -> None:
    with app.test_request_context():
        for name in queries.CHOICES:
            options = queries.choice_list(name)
            assert options and all(o.value and o.label for o in options), name


def test_doctests_of_the_helpers_pass() -> None:
    for module in (charts, result_table, queries):
        assert doctest.testmod(module).failed == 0


# -- the queries as RDF ----------------------------------------------------------------------------


def test_queries_are_published_as_shacl_executables(store) -> None:  # type: ignore[no-untyped-def]
    graph = NamedNode(iris.QUERIES_GRAPH)
    described = {q.subject.value for q in store.quads_for_pattern(None, canned.RDF_TYPE, canned.sh.SPARQLSelectExecutable, graph)}
    assert described == {iris.canned_query(name) for name in QUERIES}
    node = NamedNode(iris.canned_query("incentives-for-recipient-type"))
    objects = {q.predicate.value: [] for q in store.quads_for_pattern(node, None, None, graph)}
    for q in store.quads_for_pattern(node, None, None, graph):
        objects[q.predicate.value].append(q.object)
    assert Literal("同一类受助对象在各省获得的资金激励", language="zh-hans") in objects[canned.rdfs.label.value]
    assert NamedNode("https://w3id.org/gaoxin-kg/sparql") in objects[canned.schema.target.value]
    assert objects[canned.schema.keywords.value] == [Literal("money")]
    assert {lit.language for lit in objects[canned.rdfs.comment.value]} == {"en", "zh-hans"}
    select = objects[canned.sh.select.value][0].value
    assert select == canned.body(QUERIES["incentives-for-recipient-type"]) and "#+" not in select
    assert len(list(store.query(select, use_default_graph_as_union=True))) > 1


# -- escaping, truncation and time limits, on a small query directory of their own ---------------------------

NASTY = '<script>alert("x")</script>'


@pytest.fixture()
def odd_app(built_store: Path, tmp_path: Path) -> Flask:
    """An app whose canned queries return markup and more rows than its row cap."""
    (tmp_path / "markup.rq").write_text(
        f"#+ title: {{zh: '{NASTY}', en: Markup}}\n#+ description: 'Returns <b>markup</b>.'\n#+ theme: documents\n"
        f"SELECT ?text WHERE {{ BIND('{NASTY}' AS ?text) }}\n", encoding="utf-8")
    (tmp_path / "three.rq").write_text(
        "#+ title: {zh: 三行, en: Three rows}\n#+ description: Three rows.\n#+ theme: documents\n"
        "SELECT ?n WHERE { VALUES ?n { 1 2 3 } }\n", encoding="utf-8")
    return create_app({"STORE": built_store, "QUERY_DIR": tmp_path, "ROW_CAP": 2, "TESTING": True})


def test_html_escapes_data_and_headers(odd_app: Flask) -> None:
    html = odd_app.test_client().get("/queries/markup").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>markup" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_truncated_results_show_a_visible_notice(odd_app: Flask) -> None:
    client = odd_app.test_client()
    html = client.get("/queries/three").get_data(as_text=True)
    assert '<p class="truncated" role="alert">' in html and len(table_rows(html)) == 2
    assert client.get("/queries/three.json").get_json()["truncated"] is True
    assert client.get("/queries/three.csv").headers["X-Gaoxin-Truncated"] == "true"
    assert "X-Gaoxin-Truncated" not in client.get("/queries/markup.csv").headers


def test_a_timeout_is_503_with_retry_after_and_a_clear_message(odd_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A timeout is 503 with Retry-After on every page, as on /sparql (it was 504 here before server.errors)."""

    def too_slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise executor.QueryTimeout(5.0)

    monkeypatch.setattr(executor, "execute", too_slow)
    client = odd_app.test_client()
    response = client.get("/queries/three")
    assert response.status_code == 503 and "查询超时" in response.get_data(as_text=True) and "took too long" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) >= 1
    assert client.get("/queries/three.json").get_json()["status"] == 503


def test_an_unavailable_engine_is_503(odd_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise executor.QueryUnavailable("every query process is busy")

    monkeypatch.setattr(executor, "execute", busy)
    response = odd_app.test_client().get("/queries/three")
    assert response.status_code == 503 and "try again later" in response.get_data(as_text=True)


def test_instrument_mix_bars_of_one_document_keep_their_instruments_apart(client: FlaskClient) -> None:
    html = client.get("/queries/instrument-mix").get_data(as_text=True)
    chart = html.split('<figure class="chart chart-bar">', 1)[1].split("</figure>", 1)[0]
    labels = re.findall(r'<text class="label"[^>]*>([^<]*)</text>', chart)
    assert len(labels) >= 12 and len(set(labels)) == len(labels)
    assert all(len(label) <= 19 for label in labels)


def test_fixed_sums_caps_and_floors_are_drawn_as_separate_series(client: FlaskClient) -> None:
    html = client.get("/queries/incentives-for-recipient-type").get_data(as_text=True)
    chart = html.split('<figure class="chart chart-bar">', 1)[1].split("</figure>", 1)[0]
    assert {"series-0", "series-1", "series-2"} <= set(re.findall(r'<rect class="bar (series-\d)"', chart))
    assert "固定金额 fixed sum" in chart and "上限 cap" in chart and "下限 floor" in chart


def test_similar_measures_offers_a_measure_chooser(client: FlaskClient) -> None:
    measure = ID + "doc/yunzhengfa-2020-36/part/2-2"
    html = client.get("/queries/similar-measures").get_data(as_text=True)
    assert f'<option value="{measure}"' in html and "云政发〔2020〕36号 2.2 吸引培育一流创新人才" in html
    rows = client.get("/queries/similar-measures.json", query_string={"measure": measure}).get_json()["rows"]
    assert [row["other_path"] for row in rows if row["other_province"] == "河北省"] == ["2.1.5"]


def test_shared_measures_lists_each_pair_once(client: FlaskClient) -> None:
    rows = client.get("/queries/shared-measures.json").get_json()["rows"]
    pairs = [(row["measure"], row["other_measure"]) for row in rows]
    assert pairs and len(set(pairs)) == len(pairs) and not {(b, a) for a, b in pairs} & set(pairs)
    one_side = client.get("/queries/shared-measures.json", query_string={"document": ID + "doc/jizhengzi-2020-52"}).get_json()["rows"]
    assert one_side and all(row["document"] == ID + "doc/jizhengzi-2020-52" for row in one_side)
