"""Resource pages show the links to other datasets: codes, Wikidata items, classification matches, broader types."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


def page(client: FlaskClient, path: str) -> str:
    response = client.get("/page/" + path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_province_page_shows_its_code_and_wikidata_link(client: FlaskClient) -> None:
    html = page(client, "province/yunnan")
    assert "530000" in html
    assert 'href="http://www.wikidata.org/entity/Q43194"' in html


def test_zone_page_shows_the_division_it_lies_in_with_its_code(client: FlaskClient) -> None:
    html = page(client, "zone/gansu/long-xi-gao-xin-qu")
    assert 'href="/id/division/gansu/long-xi-xian"' in html
    assert "陇西县</a> <code class=\"notation\">621122</code>" in html


def test_division_page_shows_code_and_parent(client: FlaskClient) -> None:
    html = page(client, "division/gansu/lan-zhou-shi")
    assert "620100" in html and 'href="/id/province/gansu"' in html


# fmt: off
@pytest.mark.parametrize(("industry", "area", "code"), [
    ("sheng-wu-yi-yao", "生物产业", "4"),          # 生物医药 ⊑ SEI 4
    ("xin-cai-liao", "新材料产业", "3"),           # 新材料 ≈ SEI 3
    ("da-shu-ju", "新一代信息技术产业", "1"),
])
# fmt: on
def test_industry_page_shows_its_sei_area(client: FlaskClient, industry: str, area: str, code: str) -> None:
    html = page(client, "industry/" + industry)
    assert f'href="/id/sei-2018/{code}"' in html and area in html


def test_industry_page_relates_variants(client: FlaskClient) -> None:
    html = page(client, "industry/sheng-wu-zhi-yao")
    assert 'href="/id/industry/sheng-wu-yi-yao"' in html and "医药制造业" in html


def test_recipient_page_shows_broader_and_narrower(client: FlaskClient) -> None:
    html = page(client, "recipient-type/guo-jia-ji-chuang-xin-ping-tai")
    assert 'href="/id/recipient-type/chuang-xin-ping-tai"' in html  # broader: 创新平台
    assert 'href="/id/recipient-type/guo-jia-zhong-dian-shi-yan-shi"' in html  # narrower (inbound): 国家重点实验室
    assert "national innovation platform" in html
