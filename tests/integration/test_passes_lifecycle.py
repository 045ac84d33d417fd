"""Revocation, renewal, listing, isolation between enterprises and the people records."""
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update

from audit.models import AuditEntry
from core.db import db, utcnow
from core.errors import Conflict
from passes.models import Pass, Person
from passes.plates import PlateTaken
from passes.renewal import read_renewal, renew_pass
from passes.service import get_pass
from people.roster import whitelisted_drivers
from tests.integration.pass_data import (
    make_clerk,
    personnel,
    resident_id,
    starts,
    vehicle,
    with_value,
)
from whitelist.inputs import NewColour
from whitelist.service import set_colour


@pytest.fixture
def other_clerk(make_user, make_enterprise, token_for):
    return make_clerk(make_user, make_enterprise, token_for)


def issue(client, clerk, data=None) -> dict:
    response = client.post("/api/v1/passes", json=data or vehicle(), headers=clerk.headers)
    assert response.status_code == 201, response.text
    return response.json


def url(number: str, tail: str = "") -> str:
    return f"/api/v1/passes/{number}{tail}"


# Revocation

def test_clerk_revokes_own_pass_with_a_reason(app, client, clerk):
    number = issue(client, clerk)["number"]
    response = client.post(url(number, "/revoke"), json={"reason": "车辆故障"},
                           headers=clerk.headers)
    assert response.status_code == 200, response.text
    assert response.json["status"] == "revoked"
    assert response.json["revoked"]["reason"] == "车辆故障"
    assert client.get(url(number), headers=clerk.headers).json["status"] == "revoked"
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "pass.revoke"))
    assert entry.subject == number and entry.details["reason"] == "车辆故障"


def test_revocation_needs_a_reason(client, clerk):
    number = issue(client, clerk)["number"]
    response = client.post(url(number, "/revoke"), json={"reason": " "}, headers=clerk.headers)
    assert response.status_code == 422
    assert "reason" in response.json["error"]["fields"]
    assert client.get(url(number), headers=clerk.headers).json["status"] != "revoked"


def test_revoking_twice_is_a_conflict(client, clerk):
    number = issue(client, clerk)["number"]
    client.post(url(number, "/revoke"), json={"reason": "x"}, headers=clerk.headers)
    again = client.post(url(number, "/revoke"), json={"reason": "x"}, headers=clerk.headers)
    assert again.status_code == 409


def test_admin_may_revoke_any_pass(client, clerk, admin_headers):
    number = issue(client, clerk)["number"]
    response = client.post(url(number, "/revoke"), json={"reason": "企业转红"},
                           headers=admin_headers)
    assert response.json["revoked"]["by"].startswith("admin")


# Isolation

@pytest.mark.parametrize(("method", "tail", "body"), [
    ("GET", "", None), ("GET", "/qr.png", None), ("POST", "/revoke", {"reason": "x"}),
    ("POST", "/renew", {"test": {"result": "negative", "sampled_at": "2022-07-20T08:00:00+08:00"}}),
])
def test_another_enterprise_cannot_reach_a_pass(client, clerk, other_clerk, method, tail, body):
    number = issue(client, clerk)["number"]
    response = client.open(url(number, tail), method=method, json=body,
                           headers=other_clerk.headers)
    assert response.status_code == 404
    assert client.get(url(number), headers=clerk.headers).json["status"] != "revoked"


def test_list_shows_an_enterprise_only_its_own_passes(client, clerk, other_clerk, admin_headers):
    mine = issue(client, clerk)["number"]
    theirs = issue(client, other_clerk, vehicle(plate="桂E54321"))["number"]
    listed = client.get("/api/v1/passes", headers=clerk.headers).json
    assert [item["number"] for item in listed["items"]] == [mine]
    everything = client.get("/api/v1/passes", headers=admin_headers).json
    assert {item["number"] for item in everything["items"]} == {mine, theirs}
    by_firm = client.get(f"/api/v1/passes?enterprise={other_clerk.enterprise.code}",
                         headers=admin_headers).json
    assert [item["number"] for item in by_firm["items"]] == [theirs]


def test_officer_may_not_read_passes(client, clerk, make_user, token_for):
    number = issue(client, clerk)["number"]
    officer = token_for(make_user("officer"))
    assert client.get(url(number), headers=officer).status_code == 403


# Listing

def test_list_filters_by_status_and_pages(client, clerk):
    numbers = [issue(client, clerk, vehicle(plate=f"桂E1234{i}"))["number"] for i in range(3)]
    client.post(url(numbers[0], "/revoke"), json={"reason": "x"}, headers=clerk.headers)
    revoked = client.get("/api/v1/passes?status=revoked", headers=clerk.headers).json
    assert [item["number"] for item in revoked["items"]] == [numbers[0]]
    waiting = client.get("/api/v1/passes?status=not_yet_valid", headers=clerk.headers).json
    assert waiting["total"] == 2
    page = client.get("/api/v1/passes?per_page=2&page=2", headers=clerk.headers).json
    assert page["total"] == 3 and [item["number"] for item in page["items"]] == [numbers[0]]


def test_pass_of_a_driver_whose_test_lapsed_is_flagged(app, client, clerk):
    number = issue(client, clerk)["number"]
    with app.app_context():
        db.session.execute(update(Person).values(
            test_sampled_at=starts() - timedelta(days=3)))
        db.session.commit()
    item = client.get("/api/v1/passes", headers=clerk.headers).json["items"][0]
    assert item["number"] == number and item["holder"]["test_lapsed"] is True


# Renewal

def renewal(hours_ago: float = 1) -> dict:
    sampled = starts() - timedelta(hours=1 + hours_ago)
    return {"test": {"result": "negative", "sampled_at": sampled.isoformat()}}


def test_renewal_reissues_the_pass_and_revokes_the_old_one(app, client, clerk):
    old = issue(client, clerk)
    response = client.post(url(old["number"], "/renew"), json=renewal(), headers=clerk.headers)
    assert response.status_code == 201, response.text
    new = response.json
    assert new["number"] == "450500000002" and new["qr_text"] != old["qr_text"]
    assert new["renewed_from"] == old["number"]
    assert (new["plate"], new["origin"], new["destination"], new["valid_until"]) == (
        old["plate"], old["origin"], old["destination"], old["valid_until"])
    assert new["holder_url"] != old["holder_url"]
    previous = client.get(url(old["number"]), headers=clerk.headers).json
    assert previous["status"] == "revoked" and previous["revoked"]["reason"] == "renewed"
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["pass.renew", "pass.revoke"]


def test_renewal_may_set_a_new_window(client, clerk):
    old = issue(client, clerk, personnel())
    until = (starts() + timedelta(days=10)).isoformat()
    new = client.post(url(old["number"], "/renew"), json=renewal() | {"valid_until": until},
                      headers=clerk.headers).json
    assert new["valid_until"] != old["valid_until"] and new["kind"] == "personnel"


def test_renewal_names_the_bad_test_field(app, client, clerk):
    old = issue(client, clerk)
    body = with_value(renewal(), "test.result", "positive")
    response = client.post(url(old["number"], "/renew"), json=body, headers=clerk.headers)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["test.result"]
    missing = client.post(url(old["number"], "/renew"), json={}, headers=clerk.headers)
    assert list(missing.json["error"]["fields"]) == ["test"]
    with app.app_context():
        assert db.session.scalar(select(Pass.revoked_at).where(Pass.number == old["number"])) \
            is None


@pytest.mark.commits
def test_a_renewal_read_before_another_renewal_of_the_pass_is_refused(app, client, clerk):
    number = issue(client, clerk, personnel())["number"]  # no plate to be taken by the first
    with app.app_context():  # one request (the renewal form's) holds the pass and reads...
        shown = get_pass(number, clerk.actor)
        late = read_renewal(number, renewal(), clerk.actor, utcnow())
        with app.app_context():  # ...while another reads and renews the pass
            renew_pass(read_renewal(number, renewal(), clerk.actor, utcnow()), clerk.actor)
        with pytest.raises(Conflict) as refusal:
            renew_pass(late, clerk.actor)
        assert shown.revoked and not isinstance(refusal.value, PlateTaken)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Pass.renewed_from_id.is_not(None))) \
            == 1


def test_revoked_pass_cannot_be_renewed(client, clerk):
    number = issue(client, clerk)["number"]
    client.post(url(number, "/revoke"), json={"reason": "x"}, headers=clerk.headers)
    response = client.post(url(number, "/renew"), json=renewal(), headers=clerk.headers)
    assert response.status_code == 409


def test_red_enterprise_cannot_renew(app, client, clerk):
    number = issue(client, clerk)["number"]
    authority = SimpleNamespace(username="authority", role="admin", enterprise_id=None)
    with app.app_context():
        set_colour(clerk.enterprise.code, NewColour("red", "阳性病例"), authority)
    response = client.post(url(number, "/renew"), json=renewal(), headers=clerk.headers)
    assert response.status_code == 403 and response.json["error"]["code"] == "enterprise_red"


# People

def test_people_are_listed_and_their_health_updated(app, client, clerk):
    issue(client, clerk)
    people = client.get("/api/v1/people", headers=clerk.headers).json["items"]
    assert [(p["name"], p["cleared"]) for p in people] == [("张三明", True)]
    person_id = people[0]["id"]
    body = {"health_code": "yellow",
            "test": {"result": "negative", "sampled_at": (starts() - timedelta(hours=1.5))
                     .isoformat()}}
    response = client.put(f"/api/v1/people/{person_id}/health", json=body,
                          headers=clerk.headers)
    assert response.status_code == 200, response.text
    assert response.json["health_code"] == "yellow" and response.json["cleared"] is False
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())
                                 .limit(1)) == "person.health"


def test_health_update_refuses_an_older_test_and_a_future_one(client, clerk):
    issue(client, clerk)
    person_id = client.get("/api/v1/people", headers=clerk.headers).json["items"][0]["id"]
    for sampled in (starts() - timedelta(days=5), starts() + timedelta(hours=1)):
        body = {"health_code": "green",
                "test": {"result": "negative", "sampled_at": sampled.isoformat()}}
        response = client.put(f"/api/v1/people/{person_id}/health", json=body,
                              headers=clerk.headers)
        assert list(response.json["error"]["fields"]) == ["test.sampled_at"]


def test_another_enterprise_cannot_reach_a_person(client, clerk, other_clerk):
    issue(client, clerk)
    person_id = client.get("/api/v1/people", headers=clerk.headers).json["items"][0]["id"]
    assert client.get(f"/api/v1/people/{person_id}", headers=other_clerk.headers).status_code \
        == 404
    assert client.get("/api/v1/people", headers=other_clerk.headers).json["items"] == []


def test_whitelisted_drivers_counts_cleared_drivers_of_vehicle_passes(app, client, clerk):
    issue(client, clerk)
    issue(client, clerk, vehicle(plate="桂E54321", serial=124))
    issue(client, clerk, personnel())
    with app.app_context():
        assert whitelisted_drivers() == 2
        db.session.execute(update(Person).where(Person.id_number == resident_id(124))
                           .values(test_sampled_at=starts() - timedelta(days=3)))
        db.session.commit()
        assert whitelisted_drivers() == 1


def test_a_renewed_pass_says_so_in_words_not_as_a_code(client, clerk):
    """Issue 15 #3: "已作废：renewed" on the holder page."""
    old = issue(client, clerk)
    client.post(url(old["number"], "/renew"), json=renewal(), headers=clerk.headers)
    page = client.get(urlsplit(old["holder_url"]).path).text
    assert "已由换发的新通行证取代" in page and "renewed" not in page
