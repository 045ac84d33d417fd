"""A person is one person: one record per ID number, health facts from any source."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from audit.models import AuditEntry
from checkpoints.bundle import bundle_payload
from core.db import db
from people.models import EnterprisePerson, HealthResult, Person
from tests.conftest import count_rows
from tests.integration.pass_data import make_clerk, resident_id, vehicle

DRIVER = resident_id(123)


@pytest.fixture
def other_clerk(make_user, make_enterprise, token_for):
    return make_clerk(make_user, make_enterprise, token_for)


def hours_ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).replace(microsecond=0).isoformat()


def result_row(id_number=DRIVER, name="张三明", **fields) -> dict:
    return {"id_number": id_number, "name": name} | fields


def post_results(client, headers, *rows):
    return client.post("/api/v1/health-results", json={"results": list(rows)}, headers=headers)


def issue(client, clerk, data=None) -> dict:
    response = client.post("/api/v1/passes", json=data or vehicle(), headers=clerk.headers)
    assert response.status_code == 201, response.text
    return response.json


def test_person_is_one_record_shared_by_every_enterprise(app, client, clerk, other_clerk):
    issue(client, clerk)
    issue(client, other_clerk, vehicle(plate="桂E54321"))
    with app.app_context():
        assert db.session.scalar(select(Person.id_number)) == DRIVER
        assert len(db.session.scalars(select(Person)).all()) == 1
        assert len(db.session.scalars(select(EnterprisePerson)).all()) == 2
    for someone in (clerk, other_clerk):
        roster = client.get("/api/v1/people", headers=someone.headers).json["items"]
        assert [person["id_number"] for person in roster] == [DRIVER]


def test_health_results_are_recorded_for_anyone_by_the_authority(app, client, admin_headers):
    response = post_results(client, admin_headers,
                            result_row(health_code="yellow", observed_at=hours_ago(1)),
                            result_row(resident_id(5), "李四海",
                                       test={"result": "positive", "sampled_at": hours_ago(3)}))
    assert response.status_code == 200, response.text
    assert response.json["accepted"] == 2
    with app.app_context():
        people = {p.id_number: p for p in db.session.scalars(select(Person))}
        assert people[DRIVER].health_code == "yellow"
        assert people[resident_id(5)].test_result == "positive"


def test_same_health_result_sent_twice_is_stored_once(app, client, admin_headers):
    row = result_row(health_code="green", observed_at=hours_ago(2),
                     test={"result": "negative", "sampled_at": hours_ago(5)})
    for _ in range(2):
        assert post_results(client, admin_headers, row).status_code == 200
    assert count_rows(app, HealthResult) == 2  # one code, one test


def test_bad_health_result_row_is_named_and_nothing_of_the_batch_is_stored(
        app, client, admin_headers):
    response = post_results(
        client, admin_headers, result_row(health_code="green"),
        result_row(resident_id(6), "李四海", test={"result": "negative",
                                                 "sampled_at": "yesterday"}),
        result_row(DRIVER[:-1] + ("0" if DRIVER[-1] != "0" else "1"), health_code="green"),
        result_row(resident_id(7), "王五", health_code="blue"))
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {
        "results.1.test.sampled_at", "results.2.id_number", "results.3.health_code"}
    assert count_rows(app, HealthResult) == 0 and count_rows(app, Person) == 0


def test_health_result_under_another_name_is_refused_without_the_name_in_full(
        client, admin_headers):
    assert post_results(client, admin_headers, result_row(health_code="green")).status_code \
        == 200
    response = post_results(client, admin_headers, result_row(name="李四海",
                                                              health_code="green"))
    assert response.status_code == 422
    message = response.json["error"]["fields"]["results.0.id_number"]
    assert "张*明" in message and "张三明" not in message


@pytest.mark.parametrize("role", [None, "enterprise", "officer"])
def test_health_results_are_for_the_authority_only(client, make_user, token_for, role):
    headers = token_for(make_user(role)) if role else {}
    response = post_results(client, headers, result_row(health_code="green"))
    assert response.status_code == (401 if role is None else 403)


def test_latest_sample_wins_whoever_sent_it(app, client, clerk, admin_headers):
    post_results(client, admin_headers,
                 result_row(test={"result": "negative", "sampled_at": hours_ago(2)}))
    issue(client, clerk)  # quotes a test sampled earlier (starts() - 8 h)
    with app.app_context():
        assert db.session.scalar(select(Person.test_sampled_at)) > datetime.now(UTC) - \
            timedelta(hours=2, minutes=1)
    post_results(client, admin_headers,
                 result_row(test={"result": "positive", "sampled_at": hours_ago(1)}))
    with app.app_context():
        assert db.session.scalar(select(Person.test_result)) == "positive"


def test_every_health_change_is_audited_with_its_source(app, client, clerk, admin_headers):
    issue(client, clerk)
    post_results(client, admin_headers,
                 result_row(test={"result": "positive", "sampled_at": hours_ago(1)}))
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "person.health").order_by(AuditEntry.id)).all()
        sources = [(entry.details["kind"], entry.details["source"]) for entry in entries]
        stored = db.session.scalars(select(HealthResult.source)).all()
    code = f"enterprise:{clerk.enterprise.code}"
    assert sources == [("health_code", code), ("test", code), ("test", "platform")]
    assert sorted(stored) == sorted([code, code, "platform"])


def test_an_application_for_a_known_driver_makes_its_facts_current_and_restores_them(
        app, client, clerk):
    issue(client, clerk)
    with app.app_context():
        person = db.session.scalar(select(Person))
        # As the daily re-check drops someone; the driver has since changed phones.
        person.whitelisted, person.delisted_at = False, datetime.now(UTC)
        person.phone = "13900000000"
        db.session.commit()
    data = vehicle(plate="桂E54321")
    data["driver"]["test"]["sampled_at"] = hours_ago(1)
    issue(client, clerk, data)
    with app.app_context():
        person = db.session.scalar(select(Person))
        assert person.whitelisted and person.delisted_at is None
        assert person.phone == "13800000000"
        assert person.test_sampled_at == datetime.fromisoformat(
            data["driver"]["test"]["sampled_at"])
        facts = db.session.execute(select(HealthResult.kind, HealthResult.value)
                                   .order_by(HealthResult.id)).all()
        audited = db.session.scalars(select(AuditEntry.details["kind"].as_string()).where(
            AuditEntry.action == "person.health").order_by(AuditEntry.id)).all()
    # The same colour again is no new result, only a later "as of".
    assert facts == [("health_code", "green"), ("test", "negative"), ("test", "negative")]
    assert audited == ["health_code", "test", "test"]


def test_enterprise_health_update_is_kept_in_the_persons_history(app, client, clerk):
    issue(client, clerk)
    person_id = client.get("/api/v1/people", headers=clerk.headers).json["items"][0]["id"]
    body = {"health_code": "yellow", "test": {"result": "negative",
                                              "sampled_at": hours_ago(1)}}
    assert client.put(f"/api/v1/people/{person_id}/health", json=body,
                      headers=clerk.headers).status_code == 200
    with app.app_context():
        facts = db.session.execute(select(HealthResult.kind, HealthResult.value)
                                   .order_by(HealthResult.id)).all()
    assert facts == [("health_code", "green"), ("test", "negative"),
                     ("health_code", "yellow"), ("test", "negative")]


def test_drivers_whitelisted_drops_a_driver_whose_latest_test_is_positive(
        client, clerk, other_clerk, admin_headers):
    issue(client, clerk)
    issue(client, other_clerk, vehicle(plate="桂E54321"))
    assert client.get("/api/v1/stats", headers=admin_headers).json["drivers_whitelisted"] == 1
    post_results(client, admin_headers,
                 result_row(test={"result": "positive", "sampled_at": hours_ago(1)}))
    assert client.get("/api/v1/stats", headers=admin_headers).json["drivers_whitelisted"] == 0


def test_the_bundle_gives_the_pass_holders_current_code_and_latest_test(
        app, client, clerk, admin_headers):
    number = issue(client, clerk)["number"]
    post_results(client, admin_headers, result_row(
        health_code="yellow", test={"result": "positive", "sampled_at": hours_ago(1)}))
    with app.app_context():
        sampled_at = db.session.scalar(select(Person.test_sampled_at))
        bundled = bundle_payload(datetime.now(UTC))["people"][number]
    assert bundled == {"health_code": "yellow", "test_positive": True,
                       "test_sampled_at": int(sampled_at.timestamp())}


def test_health_results_keep_the_roster_pages_working(client, clerk, admin_headers, login):
    issue(client, clerk)
    post_results(client, admin_headers, result_row(health_code="red"))
    login(clerk.user)
    page = client.get("/people")
    assert page.status_code == 200 and "张三明" in page.text


def test_the_roster_marks_a_positive_test(client, clerk, admin_headers, login):
    issue(client, clerk)
    login(clerk.user)
    assert "test-positive" not in client.get("/people").text
    post_results(client, admin_headers, result_row(
        test={"result": "positive", "sampled_at": hours_ago(1)}))
    roster = client.get("/people").text
    assert '<span class="badge colour-red test-positive">✖ 阳性</span>' in roster


def test_a_late_report_of_an_older_code_does_not_take_over(app, client, admin_headers):
    post_results(client, admin_headers, result_row(health_code="green", observed_at=hours_ago(9)))
    post_results(client, admin_headers, result_row(health_code="green", observed_at=hours_ago(1)))
    post_results(client, admin_headers, result_row(health_code="yellow",
                                                   observed_at=hours_ago(5)))
    with app.app_context():
        assert db.session.scalar(select(Person.health_code)) == "green"
        assert count_rows(app, HealthResult) == 2  # green, and the yellow kept as history


def test_verify_reads_the_persons_current_code_whoever_reported_it(
        client, clerk, admin_headers, officer_headers):
    issued = issue(client, clerk)
    post_results(client, admin_headers, result_row(health_code="yellow"))
    response = client.post("/api/v1/verify", json={"qr": issued["qr_text"],
                                                   "checkpoint": "CP-HAICHENG"},
                           headers=officer_headers)
    assert response.json["verdict"] == "deny"
    assert "driver_not_green" in [reason["code"] for reason in response.json["reasons"]]
