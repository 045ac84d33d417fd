"""The white list over the API: registration, review, colours and their history."""
import pytest
from sqlalchemy import select

from audit.models import AuditEntry
from core.db import db
from tests.conftest import count_rows, make_uscc
from whitelist.models import Enterprise


def registration(**fields):
    return {"code": make_uscc(), "name": "北海测试物流有限公司", "categories": ["daily"],
            "contact_name": "张三", "contact_phone": "13812345678",
            "address": "广西北海市海城区北部湾中路1号"} | fields


def test_registration_is_stored_pending_with_no_colour(client, admin_headers):
    body = registration()
    response = client.post("/api/v1/enterprises", json=body, headers=admin_headers)
    assert response.status_code == 201
    assert response.json["state"] == "pending"
    assert response.json["colour"] is None
    assert response.json["categories"] == ["daily"]
    assert response.headers["Location"].endswith(f"/api/v1/enterprises/{body['code']}")


@pytest.mark.parametrize("field, value", [
    ("code", "91450500MA5KA10010"),  # wrong check character
    ("code", "91450500MA5KA1001"),  # 17 characters
    ("code", 915000),
    ("categories", ["daily", "weapons"]),
    ("categories", []),
    ("contact_phone", "12345"),
    ("name", ""),
    ("name", "x" * 101),
])
def test_registration_names_the_bad_field_and_stores_nothing(app, client, admin_headers, field,
                                                             value):
    audited = count_rows(app, AuditEntry)
    response = client.post("/api/v1/enterprises", json=registration(**{field: value}),
                           headers=admin_headers)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == [field]
    assert count_rows(app, Enterprise) == 0
    assert count_rows(app, AuditEntry) == audited


def test_registration_reports_every_bad_field_at_once(client, admin_headers):
    response = client.post("/api/v1/enterprises", json={"code": "bad"}, headers=admin_headers)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {
        "code", "name", "categories", "contact_name", "contact_phone", "address"}


def test_duplicate_credit_code_is_refused(app, client, admin_headers):
    body = registration()
    assert client.post("/api/v1/enterprises", json=body, headers=admin_headers).status_code == 201
    again = client.post("/api/v1/enterprises", json=registration(code=body["code"]),
                        headers=admin_headers)
    assert again.status_code == 422
    assert "code" in again.json["error"]["fields"]
    assert count_rows(app, Enterprise) == 1


def test_lower_case_credit_code_is_accepted_and_stored_upper_case(client, admin_headers):
    code = make_uscc()
    response = client.post("/api/v1/enterprises", json=registration(code=code.lower()),
                           headers=admin_headers)
    assert response.status_code == 201
    assert response.json["code"] == code


def test_non_json_body_is_415_and_bad_json_is_400(client, admin_headers):
    as_form = client.post("/api/v1/enterprises", data={"code": "x"}, headers=admin_headers)
    assert as_form.status_code == 415
    assert as_form.json["error"]["code"] == "unsupported_media_type"
    broken = client.post("/api/v1/enterprises", data="{not json",
                         content_type="application/json", headers=admin_headers)
    assert broken.status_code == 400
    array = client.post("/api/v1/enterprises", json=[1, 2], headers=admin_headers)
    assert array.status_code == 422


def test_body_over_one_mebibyte_is_413(client, admin_headers):
    huge = registration(address="北" * (600 * 1024))
    response = client.post("/api/v1/enterprises", json=huge, headers=admin_headers)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "request_entity_too_large"


def test_enterprise_clerk_registers_its_own_and_only_once(client, make_user, token_for):
    clerk = make_user("enterprise")
    headers = token_for(clerk)
    body = registration()
    assert client.post("/api/v1/enterprises", json=body, headers=headers).status_code == 201
    own = client.get(f"/api/v1/enterprises/{body['code']}", headers=headers)
    assert own.status_code == 200
    second = client.post("/api/v1/enterprises", json=registration(), headers=headers)
    assert second.status_code == 409


def test_clerk_cannot_read_another_enterprise(client, make_user, make_enterprise, token_for):
    mine, theirs = make_enterprise(), make_enterprise()
    headers = token_for(make_user("enterprise", enterprise=mine.code))
    response = client.get(f"/api/v1/enterprises/{theirs.code}", headers=headers)
    assert response.status_code == 404
    assert theirs.name not in response.text


def test_approval_whitelists_green_and_colour_changes_build_history(
        client, admin_headers, make_enterprise):
    code = make_enterprise(state="pending").code
    approved = client.post(f"/api/v1/enterprises/{code}/approve", headers=admin_headers)
    assert approved.json["state"] == "approved"
    assert approved.json["colour"] == "green"
    for colour, reason in [("yellow", "密接员工"), ("red", "发现病例")]:
        response = client.put(f"/api/v1/enterprises/{code}/colour",
                              json={"colour": colour, "reason": reason}, headers=admin_headers)
        assert response.status_code == 200
    history = client.get(f"/api/v1/enterprises/{code}", headers=admin_headers).json
    assert history["colour"] == "red"
    assert [(h["from"], h["to"], h["reason"]) for h in history["colour_history"]] == [
        ("yellow", "red", "发现病例"), ("green", "yellow", "密接员工"),
        (None, "green", "列入白名单")]
    assert all(h["by"].startswith("admin") for h in history["colour_history"][:2])


@pytest.mark.parametrize("body, field", [
    ({"colour": "blue", "reason": "x"}, "colour"),
    ({"colour": "red"}, "reason"),
    ({"colour": "red", "reason": "   "}, "reason"),
])
def test_colour_change_needs_one_of_three_colours_and_a_reason(
        app, client, admin_headers, make_enterprise, body, field):
    code = make_enterprise().code
    response = client.put(f"/api/v1/enterprises/{code}/colour", json=body, headers=admin_headers)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == [field]
    stored = client.get(f"/api/v1/enterprises/{code}", headers=admin_headers)
    assert stored.json["colour"] == "green"


def test_colour_cannot_be_set_before_approval(client, admin_headers, make_enterprise):
    code = make_enterprise(state="pending").code
    response = client.put(f"/api/v1/enterprises/{code}/colour",
                          json={"colour": "yellow", "reason": "x"}, headers=admin_headers)
    assert response.status_code == 409


def test_rejection_suspension_and_reinstatement_need_reasons(client, admin_headers,
                                                             make_enterprise):
    pending, approved = make_enterprise(state="pending").code, make_enterprise().code
    assert client.post(f"/api/v1/enterprises/{pending}/reject", json={},
                       headers=admin_headers).status_code == 422
    rejected = client.post(f"/api/v1/enterprises/{pending}/reject", json={"reason": "材料不全"},
                           headers=admin_headers)
    assert rejected.json["state"] == "rejected"
    assert rejected.json["state_reason"] == "材料不全"
    suspended = client.post(f"/api/v1/enterprises/{approved}/suspend",
                            json={"reason": "资质过期"}, headers=admin_headers)
    assert suspended.json["state"] == "suspended"
    back = client.post(f"/api/v1/enterprises/{approved}/reinstate", json={"reason": "已补正"},
                       headers=admin_headers)
    assert back.json["state"] == "approved"
    assert back.json["colour"] == "green"


def test_state_changes_out_of_order_are_409(client, admin_headers, make_enterprise):
    code = make_enterprise().code
    assert client.post(f"/api/v1/enterprises/{code}/reinstate", json={"reason": "x"},
                       headers=admin_headers).status_code == 409
    assert client.post(f"/api/v1/enterprises/{code}/approve",
                       headers=admin_headers).status_code == 409


def test_every_state_change_is_audited_with_actor(app, client, admin_headers, make_enterprise):
    code = make_enterprise(state="pending").code
    client.post(f"/api/v1/enterprises/{code}/approve", headers=admin_headers)
    client.put(f"/api/v1/enterprises/{code}/colour", json={"colour": "red", "reason": "病例"},
               headers=admin_headers)
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).filter_by(subject=code).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == [
        "enterprise.register", "enterprise.approve", "enterprise.colour", "enterprise.colour"]
    assert entries[-1].details == {"from": "green", "to": "red", "reason": "病例"}
    assert entries[-1].actor.startswith("admin")


def test_unknown_enterprise_is_404(client, admin_headers):
    response = client.get(f"/api/v1/enterprises/{make_uscc()}", headers=admin_headers)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_list_pages_and_filters(client, admin_headers, make_enterprise):
    for colour in ("green", "yellow", "yellow"):
        make_enterprise(colour=colour)
    make_enterprise(state="pending")
    yellow = client.get("/api/v1/enterprises?colour=yellow&per_page=1", headers=admin_headers)
    assert yellow.json["total"] == 2
    assert len(yellow.json["items"]) == 1
    pending = client.get("/api/v1/enterprises?state=pending", headers=admin_headers)
    assert [e["state"] for e in pending.json["items"]] == ["pending"]


@pytest.mark.parametrize(("lang", "shown", "hidden"), [
    ("zh", ("生活物资", "正常生产运输"), ("Daily necessities", "Normal production")),
    ("en", ("Daily necessities", "Normal production"), ("生活物资", "正常生产运输")),
])
def test_enterprise_page_names_categories_and_colour_rules_in_the_pages_language(
        client, login, make_user, make_enterprise, lang, shown, hidden):
    firm = make_enterprise()
    login(make_user("admin"))
    page = client.get(f"/admin/enterprises/{firm.code}?lang={lang}").text
    assert all(words in page for words in shown)
    assert not any(words in page for words in hidden)
