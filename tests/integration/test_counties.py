"""Every county of China on every door: API, form, bulk file and checkpoint; abolished codes
named with their successor; the picker's search endpoint; county names in forms and files."""
import csv
import io

import pytest
from sqlalchemy import select

from checkpoints.models import Checkpoint
from core.db import db
from passes.models import Pass
from tests.conftest import count_rows
from tests.integration.bulk_data import csv_file, vehicle_row
from tests.integration.pass_data import vehicle
from tests.integration.test_bulk import upload
from tests.integration.test_passes_pages import form

ZHANJIANG_CHIKAN, LIANJIANG = "440802", "440881"
HENG_XIAN = "450127"  # 横县, abolished in 2021: now 横州市 450181


def apply(client, clerk, data, lang="zh"):
    return client.post(f"/api/v1/passes?lang={lang}", json=data, headers=clerk.headers)


def stored_route(app) -> tuple[str, str]:
    with app.app_context():
        pass_ = db.session.scalar(select(Pass))
        return pass_.origin, pass_.destination


def test_api_issues_a_pass_from_a_guangdong_county(app, client, clerk):
    response = apply(client, clerk, vehicle(origin=ZHANJIANG_CHIKAN, destination=LIANJIANG))
    assert response.status_code == 201, response.text
    assert stored_route(app) == (ZHANJIANG_CHIKAN, LIANJIANG)


def test_api_refuses_an_abolished_code_naming_its_successor(app, client, clerk):
    response = apply(client, clerk, vehicle(origin=HENG_XIAN))
    assert response.status_code == 422
    message = response.json["error"]["fields"]["origin"]
    assert message == ("450127（广西壮族自治区南宁市横县）已撤销，"
                       "现为 450181 广西壮族自治区南宁市横州市。")
    assert list(response.json["error"]["fields"]) == ["origin"]
    assert count_rows(app, Pass) == 0


def test_abolished_code_is_explained_in_english_too(client, clerk):
    response = apply(client, clerk, vehicle(destination="451021"), lang="en")
    assert response.json["error"]["fields"]["destination"] == (
        "451021 (广西壮族自治区百色市田阳县) was abolished; "
        "it is now 451003 广西壮族自治区百色市田阳区.")


def test_abolished_code_without_a_successor_is_refused_as_abolished(client, clerk):
    response = apply(client, clerk, vehicle(origin="310119"))
    assert response.json["error"]["fields"]["origin"] == "310119（上海市南汇区）已撤销。"


@pytest.mark.parametrize("code", ["999999", "440800", "4408", "赤坎区"])
def test_api_refuses_what_is_no_county_code(app, client, clerk, code):
    response = apply(client, clerk, vehicle(origin=code), lang="en")
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["origin"]
    assert count_rows(app, Pass) == 0


def test_form_issues_a_pass_between_guangdong_counties(app, client, login, clerk):
    login(clerk.user)
    response = client.post("/passes/new", data=form(origin=ZHANJIANG_CHIKAN,
                                                    destination=LIANJIANG))
    assert response.status_code == 302, response.text
    assert stored_route(app) == (ZHANJIANG_CHIKAN, LIANJIANG)


def test_pass_page_names_a_municipality_county_with_its_city(client, login, clerk):
    login(clerk.user)
    response = client.post("/passes/new", data=form(origin="110105", destination="441900"),
                           follow_redirects=True)
    assert "北京市朝阳区" in response.text and "广东省东莞市" in response.text


def test_form_takes_an_unambiguous_county_name(app, client, login, clerk):
    login(clerk.user)
    response = client.post("/passes/new", data=form(origin="湛江市赤坎区", destination="廉江市"))
    assert response.status_code == 302, response.text
    assert stored_route(app) == (ZHANJIANG_CHIKAN, LIANJIANG)


def test_form_lists_the_candidates_of_an_ambiguous_name(app, client, login, clerk):
    login(clerk.user)
    response = client.post("/passes/new", data=form(origin="朝阳区", plate="桂E1234挂"))
    assert response.status_code == 422
    page = response.text
    assert "北京市朝阳区 110105" in page and "吉林省长春市朝阳区 220104" in page
    assert 'id="e-origin"' in page and 'id="e-plate"' in page  # and the other errors too
    assert count_rows(app, Pass) == 0


def test_form_refuses_an_abolished_code_naming_its_successor(client, login, clerk):
    login(clerk.user)
    response = client.post("/passes/new", data=form(destination=HENG_XIAN))
    assert response.status_code == 422
    assert "已撤销，现为 450181 广西壮族自治区南宁市横州市" in response.text


def test_form_shows_the_chosen_countys_full_name(client, login, clerk):
    login(clerk.user)
    page = client.post("/passes/new", data=form(origin=ZHANJIANG_CHIKAN, plate="x")).text
    assert "广东省湛江市赤坎区" in page and 'data-county-search="/api/v1/divisions"' in page


def bulk_messages(client, rows) -> list[tuple[int, str, str]]:
    response = upload(client, csv_file(rows))
    assert response.status_code == 200, response.text
    text = client.get(response.json["url"] + "/report.csv").text.lstrip("\ufeff")
    return [(int(row), column, message) for row, column, message
            in list(csv.reader(io.StringIO(text)))[1:]]


def test_bulk_takes_codes_and_unambiguous_names(app, client, login, clerk):
    login(clerk.user)
    rows = [vehicle_row(1, origin=ZHANJIANG_CHIKAN, destination=LIANJIANG),
            vehicle_row(2, origin="赤坎区", destination="广东省湛江市廉江市"),
            vehicle_row(3, origin="北京市朝阳区", destination="湛江市 赤坎区")]
    response = upload(client, csv_file(rows))
    url = response.json["url"]
    assert bulk_messages(client, rows) == []
    assert client.post(f"{url}/confirm").status_code == 302
    with app.app_context():
        routes = set(db.session.execute(select(Pass.origin, Pass.destination)))
    assert routes == {(ZHANJIANG_CHIKAN, LIANJIANG), ("110105", ZHANJIANG_CHIKAN)}


def test_bulk_report_names_the_column_and_lists_the_candidates(client, login, clerk):
    login(clerk.user)
    rows = [vehicle_row(1, origin="朝阳区"), vehicle_row(2, destination="没有这个县"),
            vehicle_row(3, origin=HENG_XIAN)]
    (first, second, third) = bulk_messages(client, rows)
    assert first[:2] == (2, "起点")
    assert "北京市朝阳区 110105" in first[2] and "吉林省长春市朝阳区 220104" in first[2]
    assert second[:2] == (3, "终点") and "没有名为「没有这个县」的区县" in second[2]
    assert third == (4, "起点", "450127（广西壮族自治区南宁市横县）已撤销，"
                                "现为 450181 广西壮族自治区南宁市横州市。")


def test_checkpoint_may_stand_in_any_county(app, client, make_user, token_for):
    headers = token_for(make_user("admin"))
    response = client.post("/api/v1/checkpoints", headers=headers, json={
        "code": "ZJ-1", "name": "湛江收费站", "kind": "highway_exit", "area": ZHANJIANG_CHIKAN})
    assert response.status_code == 201, response.text
    refused = client.post("/api/v1/checkpoints", headers=headers, json={
        "code": "HX-1", "name": "横县", "kind": "highway_exit", "area": HENG_XIAN})
    assert refused.status_code == 422
    assert "450181" in refused.json["error"]["fields"]["area"]
    assert count_rows(app, Checkpoint) == 1


def test_checkpoint_form_takes_a_county_name(app, client, make_user, login):
    login(make_user("admin"))
    data = {"code": "ZJ-2", "name": "赤坎检查站", "kind": "park_gate"}
    refused = client.post("/admin/checkpoints", data=data | {"area": "朝阳区"})
    assert refused.status_code == 422 and "吉林省长春市朝阳区 220104" in refused.text
    response = client.post("/admin/checkpoints", data=data | {"area": "湛江市赤坎区"})
    assert response.status_code == 302, response.text
    with app.app_context():
        assert db.session.scalar(select(Checkpoint.area)) == ZHANJIANG_CHIKAN


def search(client, query, **more):
    response = client.get("/api/v1/divisions", query_string={"q": query, **more})
    assert response.status_code == 200, response.text
    return response.json["divisions"]


def test_picker_finds_counties_by_prefecture_name_without_signing_in(client):
    found = search(client, "湛江")
    assert found[0] == {"code": ZHANJIANG_CHIKAN, "name": "赤坎区",
                        "full_name": "广东省湛江市赤坎区"}
    assert {"code": LIANJIANG, "name": "廉江市", "full_name": "广东省湛江市廉江市"} in found


def test_picker_finds_a_county_by_its_own_name_and_by_code(client):
    assert [d["code"] for d in search(client, "赤坎")] == [ZHANJIANG_CHIKAN]
    assert [d["full_name"] for d in search(client, "440881")] == ["广东省湛江市廉江市"]
    assert [d["code"] for d in search(client, "4408", limit=2)] == ["440802", "440803"]


def test_picker_answers_nothing_for_nothing_and_bounds_its_limit(client):
    assert search(client, "") == []
    assert search(client, "no such county") == []
    assert len(search(client, "区", limit=1000)) == 50
    assert len(search(client, "区", limit=-3)) == 1
