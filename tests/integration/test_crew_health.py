"""A crew member's positive test stops the vehicle as the driver's would (DESIGN, rule 9: a
positive result stops that person at every checkpoint): at the gate, on the pass API and the
holder page, in the offline bundle, in the issuer's feed, when offline scans are judged
again, and in the enterprise's notices."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from checkpoints.models import Scan
from core.db import db, utcnow
from federation.feed import feed_payload
from passes.models import Pass
from passtokens.models import SigningKey
from tests.integration.pass_data import CST, holder, resident_id, starts, vehicle
from tests.integration.test_checkpoint_verdict import codes, refused_notices, verify
from tests.integration.test_verify_offline_bundle import read_bundle

ESCORT = resident_id(201)


@pytest.fixture
def issued(client, clerk) -> dict:
    """A vehicle pass valid since an hour ago, with an escort whose test is negative."""
    start = starts() - timedelta(hours=2)
    data = vehicle(valid_from=start.isoformat(),
                   valid_until=(start + timedelta(days=2)).isoformat(),
                   crew=[holder(201, name="李四海")])
    response = client.post("/api/v1/passes", json=data, headers=clerk.headers)
    assert response.status_code == 201, response.text
    return response.json


def record_test(client, admin_headers, result: str, minutes_ago: int = 10) -> None:
    sampled = (utcnow() - timedelta(minutes=minutes_ago)).isoformat()
    response = client.post("/api/v1/health-results", json={"results": [
        {"id_number": ESCORT, "name": "李四海",
         "test": {"result": result, "sampled_at": sampled}}]}, headers=admin_headers)
    assert response.status_code == 200, response.text


def test_a_positive_crew_member_stops_the_vehicle_at_the_gate(client, officer_headers, issued,
                                                              admin_headers):
    assert verify(client, officer_headers, issued["qr_text"])["verdict"] == "pass"
    record_test(client, admin_headers, "positive")
    result = verify(client, officer_headers, issued["qr_text"])
    assert (result["verdict"], codes(result)) == ("deny", ["test_positive"])
    assert result["reasons"][0]["message"] == "随车人员最近一次核酸检测为阳性。"
    record_test(client, admin_headers, "negative", minutes_ago=5)  # a later negative clears
    assert verify(client, officer_headers, issued["qr_text"])["verdict"] == "pass"


def test_the_pass_api_and_the_holder_page_say_a_crew_member_is_positive(
        client, clerk, issued, admin_headers):
    record_test(client, admin_headers, "positive")
    body = client.get(f"/api/v1/passes/{issued['number']}", headers=clerk.headers).json
    assert body["checkpoint_verdict"] == {"verdict": "deny", "reasons": ["test_positive"]}
    page = client.get(issued["holder_url"] + "?lang=en").text
    assert "a crew member&#39;s latest test is positive" in page
    assert "the holder&#39;s latest test is positive" not in page


def test_the_offline_bundle_and_the_feed_hold_the_pass(app, client, officer_headers, issued,
                                                       admin_headers):
    _, bundle = read_bundle(client, officer_headers)
    assert "crew_test_positive" not in bundle["people"][issued["number"]]
    record_test(client, admin_headers, "positive")
    _, bundle = read_bundle(client, officer_headers)
    assert bundle["people"][issued["number"]] | {"test_sampled_at": 0} == {
        "health_code": "green", "test_sampled_at": 0, "test_positive": False,
        "crew_test_positive": True}
    with app.app_context():
        assert issued["number"] in feed_payload(utcnow())["holds"]


def test_offline_scans_are_judged_by_the_crews_tests_as_they_stood_then(
        app, client, officer_headers, issued, admin_headers):
    hour_ago = utcnow() - timedelta(hours=1)
    with app.app_context():  # issued and signed before the scans below
        db.session.execute(update(Pass).values(created_at=hour_ago))
        db.session.execute(update(SigningKey).values(created_at=hour_ago))
        db.session.commit()
    record_test(client, admin_headers, "positive", minutes_ago=30)
    scans = [{"id": str(uuid.uuid4()), "qr": issued["qr_text"], "checkpoint": "CP-HAICHENG",
              "verdict": "pass", "reasons": [],
              "scanned_at": (utcnow() - timedelta(minutes=minutes)).isoformat()}
             for minutes in (40, 20)]
    response = client.post("/api/v1/scans", json={"scans": scans}, headers=officer_headers)
    assert response.json == {"accepted": 2, "duplicates": 0}
    with app.app_context():
        judged = db.session.execute(select(Scan.verdict, Scan.reasons).where(Scan.offline)
                                    .order_by(Scan.scanned_at)).all()
    assert [tuple(row) for row in judged] == [("pass", []), ("deny", ["test_positive"])]


def test_the_enterprise_is_told_its_pass_is_refused(app, client, clerk, issued, admin_headers):
    record_test(client, admin_headers, "positive")
    assert refused_notices(app, "test_positive") == {clerk.enterprise.id: [issued["number"]]}


def test_a_renewal_refused_for_the_crew_says_whose_test_and_what_to_do(
        client, clerk, login, issued, admin_headers):
    record_test(client, admin_headers, "positive")
    sampled = (utcnow() - timedelta(hours=1)).astimezone(CST).strftime("%Y-%m-%dT%H:%M")
    response = login(clerk.user).post(f"/passes/{issued['number']}/renew", data={
        "renew.health_code": "green", "renew.test.result": "negative",
        "renew.test.sampled_at": sampled})
    assert response.status_code == 422
    assert "随车人员 1：该人员最近一次登记的核酸结果为阳性" in response.text
    assert "阴性方可申领" not in response.text  # one line for the one person
    assert "换发沿用原随车人员：如需不带此人出行，请重新申请通行证。" in response.text
