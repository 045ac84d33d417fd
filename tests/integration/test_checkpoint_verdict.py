"""Everyone sees what the checkpoint sees, one route, copies caught at the gate, and the
end-to-end scenarios of issue 12's first list that the verdict owns."""
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.db import db, utcnow
from notifications.models import Notification
from passes.revocation import revoke_key
from tests.integration.pass_data import (
    CST,
    make_clerk,
    personnel,
    resident_id,
    starts,
    vehicle,
)

ADMIN = type("Admin", (), {"username": "fixture", "role": "admin", "enterprise_id": None})()


def live_now(**overrides) -> dict:
    """A vehicle application whose window opens now, so checkpoints judge it at once."""
    start = starts() - timedelta(hours=1, minutes=1)
    return vehicle(valid_from=start.isoformat(),
                   valid_until=(start + timedelta(days=2)).isoformat()) | overrides


def apply(client, clerk, data) -> dict:
    response = client.post("/api/v1/passes", json=data, headers=clerk.headers)
    assert response.status_code == 201, response.text
    return response.json


def verify(client, headers, qr_text, checkpoint="CP-HAICHENG"):
    response = client.post("/api/v1/verify", json={"qr": qr_text, "checkpoint": checkpoint},
                           headers=headers)
    assert response.status_code == 200, response.text
    return response.json


def codes(result: dict) -> list[str]:
    return [reason["code"] for reason in result["reasons"]]


def turn_red(app, enterprise_code: str) -> None:
    from whitelist.inputs import NewColour
    from whitelist.service import set_colour

    with app.app_context():
        set_colour(enterprise_code, NewColour("red", "case found"), ADMIN)


def test_pass_api_gives_what_a_checkpoint_on_its_route_would_answer(client, clerk):
    issued = apply(client, clerk, live_now())
    assert issued["checkpoint_verdict"] == {"verdict": "pass", "reasons": []}
    early = apply(client, clerk, vehicle(plate="桂E22222", serial=124))
    assert early["checkpoint_verdict"] == {"verdict": "deny", "reasons": ["not_yet_valid"]}


def test_red_enterprise_turns_pass_api_holder_page_and_pass_page_to_refuse(
        app, client, clerk, login):
    issued = apply(client, clerk, live_now())
    turn_red(app, clerk.enterprise.code)
    body = client.get(f"/api/v1/passes/{issued['number']}", headers=clerk.headers).json
    assert body["checkpoint_verdict"] == {"verdict": "deny", "reasons": ["enterprise_red"]}
    holder = client.get(issued["holder_url"] + "?lang=en")
    assert 'data-verdict="deny"' in holder.text
    assert "Checkpoints will refuse this pass because the enterprise" in holder.text
    status = client.get(issued["holder_url"] + "/status.json?lang=en").json
    assert status["checkpoint_verdict"]["verdict"] == "deny"
    assert status["checkpoint_message"].startswith("Checkpoints will refuse this pass")
    page = login(clerk.user).get(f"/passes/{issued['number']}?lang=en")
    assert 'id="checkpoint-verdict" data-verdict="deny"' in page.text


def test_holder_page_speaks_chinese_by_default(app, client, clerk):
    issued = apply(client, clerk, live_now())
    turn_red(app, clerk.enterprise.code)
    page = client.get(issued["holder_url"])
    assert "卡口将不予认可本通行证，原因：企业为红色" in page.text


def test_revoked_key_turns_pass_api_holder_status_and_stats_to_not_valid(
        app, client, clerk, admin_headers):
    issued = apply(client, clerk, live_now())
    assert client.get("/api/v1/stats", headers=admin_headers).json["passes"]["valid"] == 1
    with app.app_context():
        revoke_key(issued["kid"], "admin")
    body = client.get(f"/api/v1/passes/{issued['number']}", headers=clerk.headers).json
    assert body["checkpoint_verdict"] == {"verdict": "deny", "reasons": ["key_revoked"]}
    status = client.get(issued["holder_url"] + "/status.json?lang=en").json
    assert "withdrawn" in status["checkpoint_message"]
    assert client.get("/api/v1/stats", headers=admin_headers).json["passes"]["valid"] == 0


def test_revoking_the_signing_key_publishes_the_next_one_at_once(app, client, clerk):
    issued = apply(client, clerk, live_now())
    with app.app_context():
        revoke_key(issued["kid"], "admin")
    published = [key["kid"] for key in client.get("/.well-known/jwks.json").json["keys"]]
    assert issued["kid"] not in published and len(published) == 1
    renewed = apply(client, clerk, live_now(plate="桂E33333"))
    assert renewed["kid"] == published[0]


def test_enterprise_is_told_when_its_passes_go_dead(app, client, clerk, make_user,
                                                   make_enterprise, token_for):
    issued = apply(client, clerk, live_now())
    other = make_clerk(make_user, make_enterprise, token_for)
    theirs = apply(client, other, live_now(plate="桂E44444", serial=200))
    turn_red(app, clerk.enterprise.code)
    with app.app_context():
        revoke_key(theirs["kid"], "admin")
        told = db.session.scalars(select(Notification).where(
            Notification.kind == "passes.refused").order_by(Notification.id)).all()
        by_enterprise = {(n.enterprise_id, n.params["cause"]): n.params for n in told}
    assert by_enterprise[(clerk.enterprise.id, "enterprise_red")]["numbers"] == [
        issued["number"]]
    # One key signed both enterprises' passes: each hears of its own.
    assert by_enterprise[(other.enterprise.id, "key_revoked")]["numbers"] == [theirs["number"]]


def test_handed_over_pass_is_not_counted_valid(app, client, officer_headers, admin_headers,
                                               make_pass):
    arriving = make_pass()
    counted = client.get("/api/v1/stats", headers=admin_headers).json["passes"]["valid"]
    from tests.security.test_relay_minting import body

    response = client.post("/api/v1/handovers", json=body(arriving.qr_text),
                           headers=officer_headers)
    assert response.status_code == 201, response.text
    # The arriving pass closes; its relay pass opens.
    assert client.get("/api/v1/stats", headers=admin_headers).json["passes"]["valid"] == counted


def test_three_counties_within_a_minute_give_possible_copy_at_the_gate(
        app, client, make_user, token_for, make_pass, checkpoints):
    headers = token_for(make_user("officer", checkpoints=checkpoints))
    issued = make_pass()
    first = verify(client, headers, issued.qr_text, "CP-HAICHENG")
    second = verify(client, headers, issued.qr_text, "CP-YINHAI")
    third = verify(client, headers, issued.qr_text, "CP-HEPU")
    assert (first["verdict"], first["earlier_scan"]) == ("pass", None)
    for result, before in ((second, "CP-HAICHENG"), (third, "CP-YINHAI")):
        assert result["verdict"] == "check" and "possible_copy" in codes(result)
        assert result["earlier_scan"]["checkpoint"] == before
        assert result["earlier_scan"]["name"]
    # CP-YINHAI (450503) is off this pass's route 450502 -> 450521.
    assert codes(second) == ["possible_copy", "off_route"]


def test_a_scan_again_at_the_same_checkpoint_is_no_copy(client, officer_headers, make_pass):
    issued = make_pass()
    verify(client, officer_headers, issued.qr_text)
    assert verify(client, officer_headers, issued.qr_text)["verdict"] == "pass"


def test_checkpoints_far_apart_catch_a_copy_after_the_copy_window(
        app, client, make_user, token_for, make_pass, admin_headers):
    from checkpoints.models import Checkpoint, Scan

    for code, area, place in (("CP-NORTH", "450502", (23.5, 109.1)),
                              ("CP-SOUTH", "450521", (21.5, 109.1))):
        response = client.post("/api/v1/checkpoints", headers=admin_headers, json={
            "code": code, "name": code, "kind": "highway_exit", "area": area,
            "latitude": place[0], "longitude": place[1]})
        assert response.status_code == 201, response.text
    headers = token_for(make_user("officer", checkpoints=["CP-NORTH", "CP-SOUTH"]))
    issued = make_pass()
    verify(client, headers, issued.qr_text, "CP-NORTH")
    with app.app_context():  # the first scan an hour ago: 220 km in an hour is too fast
        scan = db.session.scalar(select(Scan).where(Scan.pass_number == issued.number))
        scan.scanned_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        assert db.session.scalar(select(Checkpoint.latitude).where(
            Checkpoint.code == "CP-NORTH")) == 23.5
    result = verify(client, headers, issued.qr_text, "CP-SOUTH")
    assert codes(result) == ["possible_copy"]
    assert result["earlier_scan"]["distance_km"] > 200


@pytest.mark.parametrize("fields, bad", [
    ({"latitude": 21.5}, "longitude"),
    ({"latitude": 91, "longitude": 109}, "latitude"),
    ({"latitude": 21.5, "longitude": "east"}, "longitude"),
])
def test_checkpoint_coordinates_are_both_or_neither_and_in_range(client, admin_headers,
                                                                 fields, bad):
    response = client.post("/api/v1/checkpoints", headers=admin_headers, json={
        "code": "CP-X", "name": "X", "kind": "park_gate", "area": "450502"} | fields)
    assert response.status_code == 422
    assert bad in response.json["error"]["fields"]


def test_route_is_compared_with_the_checkpoint_county(client, clerk, make_user, token_for,
                                                      checkpoints):
    headers = token_for(make_user("officer", checkpoints=checkpoints))
    direct = apply(client, clerk, live_now())
    via = apply(client, clerk, live_now(plate="桂E55555", serial=125, via=["450503"]))
    assert via["via"] == ["450503"]
    assert codes(verify(client, headers, direct["qr_text"], "CP-YINHAI")) == ["off_route"]
    assert verify(client, headers, via["qr_text"], "CP-YINHAI")["verdict"] == "pass"
    assert verify(client, headers, via["qr_text"], "CP-HEPU")["verdict"] == "check"  # a copy?


@pytest.mark.parametrize("via, message_part", [
    ([f"4505{n:02d}" for n in (2, 3, 12, 21)] + ["450102", "450103", "450105", "450107",
                                                  "450108"], "8"),
    (["999999"], "999999"),
    ("450503, 450512", None),
])
def test_via_is_up_to_eight_known_county_codes(client, clerk, via, message_part):
    response = client.post("/api/v1/passes", json=live_now(via=via), headers=clerk.headers)
    if message_part is None:
        assert response.status_code == 201 and response.json["via"] == ["450503", "450512"]
    else:
        assert response.status_code == 422
        assert message_part in response.json["error"]["fields"]["via"]


def test_personnel_pass_has_no_via(client, clerk):
    response = client.post("/api/v1/passes", json=personnel(via=["450503"]),
                           headers=clerk.headers)
    assert response.status_code == 422 and "via" in response.json["error"]["fields"]


def renewed(client, clerk) -> tuple[dict, dict]:
    """A live pass and the pass its renewal with a fresh test issued."""
    old = apply(client, clerk, live_now())
    sampled = (starts() - timedelta(hours=2)).isoformat()
    response = client.post(f"/api/v1/passes/{old['number']}/renew", headers=clerk.headers,
                           json={"test": {"result": "negative", "sampled_at": sampled}})
    assert response.status_code == 201, response.text
    return old, response.json


def test_renewed_pass_scanned_names_the_pass_that_replaced_it(client, clerk, officer_headers):
    old, new = renewed(client, clerk)
    result = verify(client, officer_headers, old["qr_text"])
    assert codes(result) == ["revoked"] and result["replaced_by"] == new["number"]


def test_a_renewal_is_told_in_words_on_the_notifications_page(client, clerk, login):
    old, _ = renewed(client, clerk)
    page = login(clerk.user).get("/notifications").text
    assert f"通行证 {old['number']} 已作废。" in page
    assert "原因：已由换发的新通行证取代" in page and "renewed" not in page


def test_positive_latest_test_denies_at_the_gate_and_on_the_pass_api(
        app, client, officer_headers, make_pass):
    issued = make_pass(test_result="positive", holder_test_age_h=3)
    result = verify(client, officer_headers, issued.qr_text)
    assert (result["verdict"], codes(result)) == ("deny", ["test_positive"])
    assert result["reasons"][0]["message"] == "司机最近一次核酸检测为阳性。"


def test_application_form_takes_via_counties(app, client, clerk, login):
    from passes.models import Pass
    from tests.integration.test_passes_pages import form

    login(clerk.user)
    response = client.post("/passes/new", data=form(via="450503，450512"))
    assert response.status_code == 302, response.text
    with app.app_context():
        assert db.session.scalar(select(Pass.via)) == ["450503", "450512"]
    refused = client.post("/passes/new?lang=en", data=form(plate="桂E12346", via="123"))
    assert refused.status_code == 422 and "Not a known county-level division code" in refused.text


def test_bulk_file_may_add_a_via_column(app):
    from bulk.files import read_table
    from bulk.rows import to_application
    from tests.integration.bulk_data import HEADERS, as_lines, vehicle_row

    rows = as_lines([vehicle_row(1)], headers=HEADERS)
    lines = [HEADERS + ["途经(县级代码,逗号分隔)"], rows[1] + ["450503,450512"]]
    content = "\n".join(",".join(f'"{cell}"' for cell in line) for line in lines).encode()
    with app.app_context():
        table = read_table("fleet.csv", content)
        (number, cells), = table.rows
        data, errors = to_application(cells, {"生活物资": "daily"})
    assert (data["via"], errors) == ("450503,450512", {})
    # Files without the column still read: it is optional.
    with app.app_context():
        plain = read_table("fleet.csv", "\n".join(
            ",".join(f'"{cell}"' for cell in line) for line in rows).encode())
    assert "via" not in plain.rows[0][1]


def listed(page: str, number: str) -> str:
    """The list page's row of one pass."""
    row = page.split(f"№ {number}")[1]
    return row.split("</tr>")[0]


def test_pass_list_badge_and_valid_filter_agree_with_stats_after_a_key_revocation(
        app, client, clerk, login, make_user, admin_headers):
    dead = apply(client, clerk, live_now())
    with app.app_context():
        revoke_key(dead["kid"], "admin")
    live = apply(client, clerk, live_now(plate="桂E33333"))
    assert client.get("/api/v1/stats", headers=admin_headers).json["passes"]["valid"] == 1
    login(clerk.user)
    valid = client.get("/passes?status=valid&lang=en").text
    assert live["number"] in valid and dead["number"] not in valid
    row = listed(client.get("/passes?lang=en").text, dead["number"])
    assert "pass-closed" in row and "pass-valid" not in row
    assert "Checkpoints will refuse this pass because the key that signed it was withdrawn" in row
    assert dead["number"] in client.get("/passes?status=closed").text
    for status, number in (("valid", live["number"]), ("closed", dead["number"])):
        listed_by_api = client.get(f"/api/v1/passes?status={status}", headers=clerk.headers)
        assert [item["number"] for item in listed_by_api.json["items"]] == [number]
    admin = login(make_user("admin")).get("/admin/passes?status=valid&lang=en").text
    assert live["number"] in admin and dead["number"] not in admin


def test_pass_list_says_checkpoints_refuse_the_passes_of_a_red_enterprise(
        app, client, clerk, login):
    issued = apply(client, clerk, live_now())
    assert "Checkpoints will" not in listed(login(clerk.user).get("/passes?lang=en").text,
                                            issued["number"])
    turn_red(app, clerk.enterprise.code)
    row = listed(client.get("/passes?status=valid&lang=en").text, issued["number"])
    assert 'data-verdict="deny"' in row
    assert "Checkpoints will refuse this pass because the enterprise&#39;s status is red" in row


def test_pass_list_judges_its_page_in_one_registry_query(app, client, clerk, login):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    for serial, plate in enumerate(("桂E12345", "桂E33333", "桂E44444")):
        apply(client, clerk, live_now(plate=plate, serial=300 + serial))
    login(clerk.user)
    statements = []

    def count(conn, cursor, statement, *args):
        if "signing_keys" in statement and "colour_policy" in statement:
            statements.append(statement)

    # On every engine: a PostgreSQL test's connection is not the app's engine's own.
    event.listen(Engine, "before_cursor_execute", count)
    try:
        assert client.get("/passes").status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert len(statements) == 1


def refused_notices(app, cause: str) -> dict[int, list[str]]:
    """The passes.refused notifications of one cause: enterprise id -> numbers named."""
    with app.app_context():
        told = db.session.scalars(select(Notification).where(
            Notification.kind == "passes.refused").order_by(Notification.id)).all()
        return {n.enterprise_id: n.params["numbers"] for n in told if n.params["cause"] == cause}


def health_result(client, admin_headers, **fields):
    row = {"id_number": resident_id(123), "name": "张三明"} | fields
    response = client.post("/api/v1/health-results", json={"results": [row]},
                           headers=admin_headers)
    assert response.status_code == 200, response.text


def test_suspended_enterprise_is_told_which_passes_checkpoints_refuse(app, client, clerk, login):
    from whitelist.service import suspend

    issued = apply(client, clerk, live_now())
    with app.app_context():
        suspend(clerk.enterprise.code, "licence lapsed", ADMIN)
    assert refused_notices(app, "enterprise_not_whitelisted") == {
        clerk.enterprise.id: [issued["number"]]}
    inbox = login(clerk.user).get("/notifications?lang=en").text
    assert "because your enterprise was taken off the white list" in inbox
    assert "原因：贵企业已被移出白名单" in client.get("/notifications?lang=zh").text


def test_holder_turning_yellow_tells_every_enterprise_holding_their_live_passes(
        app, client, clerk, make_user, make_enterprise, token_for, admin_headers, login):
    ours = apply(client, clerk, live_now())
    other = make_clerk(make_user, make_enterprise, token_for)
    theirs = apply(client, other, live_now(plate="桂E44444"))
    health_result(client, admin_headers, health_code="yellow")
    assert refused_notices(app, "driver_not_green") == {
        clerk.enterprise.id: [ours["number"]], other.enterprise.id: [theirs["number"]]}
    inbox = login(clerk.user).get("/notifications?lang=en").text
    assert "because their holder's health code is not green" in inbox
    # The same colour again is no news.
    health_result(client, admin_headers, health_code="yellow")
    assert len(refused_notices(app, "driver_not_green")) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "passes.refused")) == 2


def test_positive_test_through_the_platform_tells_the_enterprise(app, client, clerk,
                                                                 admin_headers):
    issued = apply(client, clerk, live_now())
    sampled = (utcnow() - timedelta(minutes=10)).isoformat()
    health_result(client, admin_headers, test={"result": "positive", "sampled_at": sampled})
    assert refused_notices(app, "test_positive") == {clerk.enterprise.id: [issued["number"]]}


def test_positive_test_on_the_people_page_tells_the_enterprise(app, client, clerk, login):
    from passes.models import Person

    issued = apply(client, clerk, live_now())
    with app.app_context():
        person_id = db.session.scalar(select(Person.id))
    sampled = (datetime.now(CST) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    done = login(clerk.user).post(f"/people/{person_id}/health", data={
        "health_code": "green", "test.result": "positive", "test.sampled_at": sampled})
    assert done.status_code == 302, done.text
    assert refused_notices(app, "test_positive") == {clerk.enterprise.id: [issued["number"]]}
    assert "原因：其持证人或随车人员最近一次核酸检测为阳性" in client.get("/notifications").text


def test_verify_words_a_supply_staff_pass_for_its_holder_not_a_driver(
        client, officer_headers, make_pass):
    issued = make_pass(kind="personnel", health_code="yellow")
    result = verify(client, officer_headers, issued.qr_text)
    assert (result["verdict"], codes(result)) == ("deny", ["driver_not_green"])
    assert result["reasons"][0]["message"] == "持证人当前健康码非绿码。"
    vehicle_pass = make_pass(plate="桂E22222", health_code="yellow")
    assert verify(client, officer_headers, vehicle_pass.qr_text)["reasons"][0]["message"] == \
        "司机当前健康码不是绿码。"


def test_scanning_page_carries_the_supply_staff_words_for_offline_verdicts(
        client, login, officer):
    page = login(officer).get("/checkpoint/scan?lang=en").text
    texts = json.loads(re.search(r'id="scan-texts"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert texts["personnel_reasons"]["off_route"].startswith(
        "This checkpoint is not between the holder's home and work")
    assert texts["reasons"]["off_route"].startswith("This checkpoint is not on the pass's route")


def pass_api_verdict(client, clerk, number: str) -> dict:
    return client.get(f"/api/v1/passes/{number}", headers=clerk.headers).json[
        "checkpoint_verdict"]


def says_refuse(page: str) -> bool:
    """The holder page shows a deny verdict with the checkpoint's words."""
    return 'data-verdict="deny"' in page and "Checkpoints will refuse this pass" in page


def test_positive_latest_test_turns_pass_api_and_holder_page_to_refuse(
        client, clerk, admin_headers):
    issued = apply(client, clerk, live_now())
    sampled = (utcnow() - timedelta(minutes=10)).isoformat()
    health_result(client, admin_headers, test={"result": "positive", "sampled_at": sampled})
    assert pass_api_verdict(client, clerk, issued["number"]) == {
        "verdict": "deny", "reasons": ["test_positive"]}
    holder = client.get(issued["holder_url"] + "?lang=en").text
    assert says_refuse(holder) and "because the holder&#39;s latest test is positive" in holder


def test_driver_turning_yellow_turns_pass_api_holder_page_and_pass_page_to_refuse(
        client, clerk, admin_headers, login):
    issued = apply(client, clerk, live_now())
    health_result(client, admin_headers, health_code="yellow")
    assert pass_api_verdict(client, clerk, issued["number"]) == {
        "verdict": "deny", "reasons": ["driver_not_green"]}
    holder = client.get(issued["holder_url"] + "?lang=en").text
    assert says_refuse(holder) and "because the holder&#39;s health code is not green" in holder
    page = login(clerk.user).get(f"/passes/{issued['number']}?lang=en").text
    assert 'id="checkpoint-verdict" data-verdict="deny"' in page
    assert "because the holder&#39;s health code is not green" in page


def test_revoked_key_turns_holder_page_and_pass_page_to_refuse(app, client, clerk, login):
    issued = apply(client, clerk, live_now())
    with app.app_context():
        revoke_key(issued["kid"], "admin")
    holder = client.get(issued["holder_url"] + "?lang=en").text
    assert says_refuse(holder) and "the key that signed it was withdrawn" in holder
    page = login(clerk.user).get(f"/passes/{issued['number']}?lang=en").text
    assert 'id="checkpoint-verdict" data-verdict="deny"' in page
    assert "the key that signed it was withdrawn" in page


def test_admin_pass_page_shows_the_checkpoint_verdict(app, client, clerk, login, make_user):
    issued = apply(client, clerk, live_now())
    turn_red(app, clerk.enterprise.code)
    page = login(make_user("admin")).get(f"/passes/{issued['number']}?lang=en").text
    assert 'id="checkpoint-verdict" data-verdict="deny"' in page
    assert "Checkpoints will refuse this pass because the enterprise" in page
