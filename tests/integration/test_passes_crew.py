"""Co-drivers and escorts (随车人员) on a vehicle pass: held to the driver's rules, shown masked
on the pass, at the checkpoint and in the offline bundle."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.db import db
from passes.models import Pass, PassCrew, Person
from people.models import EnterprisePerson
from tests.conftest import count_rows
from tests.integration.pass_data import (
    holder,
    personnel,
    resident_id,
    vehicle,
    with_value,
)
from tests.integration.test_verify_offline_bundle import read_bundle

ESCORT = resident_id(201)
CO_DRIVER = resident_id(202)


def member(serial: int, name: str) -> dict:
    return holder(serial, name=name)


def with_crew(*members) -> dict:
    return vehicle(crew=list(members))


def apply(client, clerk, data):
    return client.post("/api/v1/passes", json=data, headers=clerk.headers)


def two_crew() -> dict:
    return with_crew(member(201, "李四海"), member(202, "欧阳小红"))


def test_crew_is_stored_on_the_roster_with_their_health_facts(app, client, clerk):
    response = apply(client, clerk, two_crew())
    assert response.status_code == 201, response.text
    assert response.json["crew"] == [{"name": "李*海", "id_last4": ESCORT[-4:]},
                                     {"name": "欧*红", "id_last4": CO_DRIVER[-4:]}]
    with app.app_context():
        seats = db.session.scalars(select(PassCrew).order_by(PassCrew.position)).all()
        assert [seat.person.id_number for seat in seats] == [ESCORT, CO_DRIVER]
        escort = seats[0].person
        assert (escort.name, escort.health_code, escort.test_result) == (
            "李四海", "green", "negative")
        roster = db.session.scalars(select(EnterprisePerson.person_id).where(
            EnterprisePerson.enterprise_id == clerk.enterprise.id)).all()
        assert {seat.person_id for seat in seats} <= set(roster)


def test_pass_api_shows_the_crew_masked(client, clerk):
    number = apply(client, clerk, two_crew()).json["number"]
    shown = client.get(f"/api/v1/passes/{number}", headers=clerk.headers).json
    assert shown["crew"] == [{"name": "李*海", "id_last4": ESCORT[-4:]},
                             {"name": "欧*红", "id_last4": CO_DRIVER[-4:]}]
    listed = client.get("/api/v1/passes", headers=clerk.headers).json["items"]
    assert listed[0]["crew"] == shown["crew"]


def test_pass_without_crew_shows_an_empty_crew(client, clerk):
    number = apply(client, clerk, vehicle()).json["number"]
    assert client.get(f"/api/v1/passes/{number}", headers=clerk.headers).json["crew"] == []


def test_verify_names_the_crew_masked(client, clerk, officer_headers):
    issued = apply(client, clerk, with_crew(member(201, "李四海"))).json
    response = client.post("/api/v1/verify", json={"qr": issued["qr_text"],
                                                   "checkpoint": "CP-HAICHENG"},
                           headers=officer_headers)
    assert response.status_code == 200
    assert response.json["pass"]["number"] == issued["number"]  # not yet valid: still shown
    assert response.json["pass"]["crew"] == [{"name": "李*海", "id_last4": ESCORT[-4:]}]


def test_verify_of_a_pass_without_crew_names_none(client, clerk, officer_headers):
    issued = apply(client, clerk, vehicle()).json
    response = client.post("/api/v1/verify", json={"qr": issued["qr_text"],
                                                   "checkpoint": "CP-HAICHENG"},
                           headers=officer_headers)
    assert response.json["pass"]["crew"] == []


def test_bundle_carries_the_crew_of_passes_that_have_one(client, clerk, officer_headers):
    with_escort = apply(client, clerk, with_crew(member(201, "李四海"))).json["number"]
    alone = apply(client, clerk, vehicle(plate="桂E54321", serial=124)).json["number"]
    _, payload = read_bundle(client, officer_headers)
    assert payload["crew"] == {with_escort: [{"name": "李*海", "id_last4": ESCORT[-4:]}]}
    assert alone in payload["people"]


def test_pass_pages_list_the_crew(client, clerk, login):
    number = apply(client, clerk, with_crew(member(201, "李四海"))).json["number"]
    shown = client.get(f"/api/v1/passes/{number}", headers=clerk.headers).json
    login(clerk.user)
    detail = client.get(f"/passes/{number}").get_data(as_text=True)
    assert "随车人员" in detail and "李四海" in detail and ESCORT[-4:] in detail
    holder_page = client.get(shown["holder_url"]).get_data(as_text=True)
    assert "随车人员" in holder_page and "李*海" in holder_page and "李四海" not in holder_page
    printed = client.get(shown["holder_url"].rstrip("/") + "/print").get_data(as_text=True)
    assert "随车人员" in printed and "李*海" in printed


def test_renewal_keeps_the_crew(client, clerk):
    number = apply(client, clerk, with_crew(member(201, "李四海"))).json["number"]
    sampled = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    renewed = client.post(f"/api/v1/passes/{number}/renew",
                          json={"test": {"result": "negative", "sampled_at": sampled}},
                          headers=clerk.headers)
    assert renewed.status_code == 201, renewed.text
    assert renewed.json["crew"] == [{"name": "李*海", "id_last4": ESCORT[-4:]}]


def two_crew_with(index: int, path: str, value) -> dict:
    """Two crew members, one field of one of them changed."""
    data = two_crew()
    data["crew"][index] = with_value(data["crew"][index], path, value)
    return data


def _refused(app, client, clerk, data, field):
    passes, people = count_rows(app, Pass), count_rows(app, Person)
    response = apply(client, clerk, data)
    assert response.status_code == 422, response.text
    assert field in response.json["error"]["fields"], response.json
    assert (count_rows(app, Pass), count_rows(app, Person)) == (passes, people)
    assert count_rows(app, PassCrew) == 0


@pytest.mark.parametrize("data, field", [
    (two_crew_with(1, "id_number", CO_DRIVER[:-1] + ("0" if CO_DRIVER[-1] != "0" else "1")),
     "crew.1.id_number"),
    (two_crew_with(0, "health_code", "yellow"), "crew.0.health_code"),
    (two_crew_with(1, "test.result", "positive"), "crew.1.test.result"),
    (with_crew(member(201, "李四海"), member(201, "李四海")), "crew.1.id_number"),
    (with_crew(holder(123)), "crew.0.id_number"),
    (with_crew(member(201, "李四海"), member(202, "欧阳小红"), member(203, "王五")), "crew"),
    (vehicle(crew={"name": "李四海"}), "crew"),
    (with_crew("李四海"), "crew.0"),
    (personnel(crew=[member(201, "李四海")]), "crew"),
])
def test_crew_that_breaks_a_rule_is_refused_and_nothing_is_stored(app, client, clerk, data,
                                                                  field):
    _refused(app, client, clerk, data, field)


def test_crew_member_under_18_is_refused(app, client, clerk):
    minor = member(201, "李小海") | {"id_number": resident_id(201, born="20100101")}
    _refused(app, client, clerk, with_crew(minor), "crew.0.id_number")


def test_crew_member_whose_latest_recorded_test_is_positive_is_refused(
        app, client, clerk, admin_headers):
    positive = {"result": "positive",
                "sampled_at": (datetime.now(UTC) - timedelta(hours=2)).replace(
                    microsecond=0).isoformat()}
    recorded = client.post("/api/v1/health-results", json={"results": [
        {"id_number": ESCORT, "name": "李四海", "test": positive}]}, headers=admin_headers)
    assert recorded.status_code == 200, recorded.text
    passes = count_rows(app, Pass)
    response = apply(client, clerk, with_crew(member(201, "李四海")))
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["crew.0.test"]
    assert count_rows(app, Pass) == passes


def test_crew_member_on_record_under_another_name_is_refused_masked(app, client, clerk):
    assert apply(client, clerk, with_crew(member(201, "李四海"))).status_code == 201
    response = apply(client, clerk, vehicle(plate="桂E54321", serial=124,
                                            crew=[member(201, "李四")]))
    assert response.status_code == 422
    message = response.json["error"]["fields"]["crew.0.id_number"]
    assert "李*海" in message and "李四海" not in message


def test_verify_pass_facts_are_as_documented(client, clerk, officer_headers):
    from core.openapi import document

    issued = apply(client, clerk, with_crew(member(201, "李四海"))).json
    facts = client.post("/api/v1/verify", json={"qr": issued["qr_text"],
                                                "checkpoint": "CP-HAICHENG"},
                        headers=officer_headers).json["pass"]
    schemas = document()["components"]["schemas"]
    assert set(facts) == set(schemas["PassFacts"]["properties"])
    assert "crew" in schemas["Pass"]["properties"]
    assert "crew" in schemas["PassApplication"]["properties"]
