"""Applying for a pass: the contract's result, every refusal with its field, nothing stored."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from audit.models import AuditEntry
from core.db import db
from passes import service
from passes.application import EnterpriseRed, read_application
from passes.models import Pass, PassSerial, Person
from tests.conftest import count_rows
from tests.integration.pass_data import (
    DELETE,
    make_clerk,
    personnel,
    resident_id,
    starts,
    vehicle,
    with_value,
)
from whitelist.models import Enterprise

RESULT_KEYS = {"number", "qr_text", "qr_png_url", "holder_url", "status", "valid_from",
               "valid_until"}


def apply(client, clerk, data):
    return client.post("/api/v1/passes", json=data, headers=clerk.headers)


def test_vehicle_pass_is_issued_with_the_contract_result(client, clerk):
    response = apply(client, clerk, vehicle())
    assert response.status_code == 201, response.text
    body = response.json
    assert body.keys() >= RESULT_KEYS
    assert body["number"] == "450500000001"
    assert body["qr_text"].startswith("LP:/") and body["qr_text"][4:].isdigit()
    assert body["qr_png_url"] == "http://passes.test/api/v1/passes/450500000001/qr.png"
    assert body["holder_url"].startswith("http://passes.test/h/")
    assert len(body["holder_url"].rsplit("/", 1)[1]) == 43
    assert body["status"] == "not_yet_valid"
    assert body["plate"] == "桂E12345"
    assert body["holder"] == {"name": "张*明", "id_last4": resident_id()[-4:],
                              "test_lapsed": False}
    assert response.headers["Location"].endswith("/api/v1/passes/450500000001")


def test_personnel_pass_is_issued_without_plate_or_cargo(client, clerk):
    response = apply(client, clerk, personnel())
    assert response.status_code == 201, response.text
    assert response.json["kind"] == "personnel"
    assert response.json["plate"] is None and response.json["cargo"] is None
    assert response.json["holder"]["name"] == "欧*明"


def test_pass_starting_now_is_valid(client, clerk):
    start = starts() - timedelta(hours=1, minutes=1)
    data = vehicle(valid_from=start.isoformat(),
                   valid_until=(start + timedelta(days=2)).isoformat())
    assert apply(client, clerk, data).json["status"] == "valid"


def test_plate_is_normalised_before_checking(client, clerk):
    response = apply(client, clerk, vehicle(plate=" 桂e·d12345 "))
    assert response.status_code == 201, response.text
    assert response.json["plate"] == "桂ED12345"


def test_issuing_is_audited(app, client, clerk):
    number = apply(client, clerk, vehicle()).json["number"]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "pass.issue"))
    assert entry.subject == number and entry.actor == clerk.user.username


def test_the_same_driver_is_one_record_with_the_latest_test(app, client, clerk):
    first = vehicle()
    sampled = starts() - timedelta(hours=2)
    later = with_value(vehicle(plate="桂E54321"), "driver.test.sampled_at", sampled.isoformat())
    assert apply(client, clerk, first).status_code == 201
    assert apply(client, clerk, later).status_code == 201
    with app.app_context():
        people = db.session.scalars(select(Person)).all()
    assert len(people) == 1
    assert people[0].test_sampled_at == sampled


REFUSALS = [
    ("plate", "桂E1234", "plate"),
    ("plate", "桂IO1234", "plate"),
    ("plate", 12345, "plate"),
    ("driver.id_number", resident_id()[:17] + ("0" if resident_id()[-1] != "0" else "1"),
     "driver.id_number"),
    ("driver.id_number", "45050219850312123", "driver.id_number"),
    ("driver.phone", "12345", "driver.phone"),
    ("driver.health_code", "yellow", "driver.health_code"),
    ("driver.health_code", "blue", "driver.health_code"),
    ("driver.test.result", "positive", "driver.test.result"),
    ("driver.test.sampled_at", "2022-07-20 08:00", "driver.test.sampled_at"),
    ("driver.test.sampled_at", "2022-07-20T08:00:00", "driver.test.sampled_at"),
    ("driver.name", "张" * 51, "driver.name"),
    ("driver.name", DELETE, "driver.name"),
    ("driver", DELETE, "driver"),
    ("driver", "张三明", "driver"),
    ("cargo", "medical", "cargo"),
    ("cargo", "weapons", "cargo"),
    ("origin", "450599", "origin"),
    ("destination", "450500", "destination"),
    ("destination", 450521, "destination"),
    ("kind", "bicycle", "kind"),
    ("valid_from", DELETE, "valid_from"),
    ("person", {"name": "李四"}, "person"),
]


@pytest.mark.parametrize(("path", "value", "field"), REFUSALS)
def test_bad_field_is_refused_naming_it_and_nothing_is_stored(app, client, clerk, path, value,
                                                              field):
    response = apply(client, clerk, with_value(vehicle(), path, value))
    assert response.status_code == 422, response.text
    assert field in response.json["error"]["fields"], response.json
    assert count_rows(app, Pass) == count_rows(app, Person) == 0


@pytest.mark.parametrize(("cargo", "says"), [
    ("daily", None),
    ("medical", "Your enterprise is not approved for this category."),
    ("weapons", "Not a cargo category. Your enterprise is approved for: Production materials, "
                "Daily necessities."),
])
def test_cargo_is_one_of_the_enterprises_categories(client, clerk, cargo, says):
    response = client.post("/api/v1/passes?lang=en", json=vehicle(cargo=cargo),
                           headers=clerk.headers)
    if says is None:
        assert response.status_code == 201, response.text
        assert response.json["cargo"] == cargo
    else:
        assert response.status_code == 422
        assert response.json["error"]["fields"]["cargo"].startswith(says)


def test_trailer_plate_is_refused_asking_for_the_tractor(client, clerk):
    response = client.post("/api/v1/passes?lang=en", json=vehicle(plate="桂E1234挂"),
                           headers=clerk.headers)
    assert response.status_code == 422
    assert "tractor" in response.json["error"]["fields"]["plate"]


@pytest.mark.parametrize("field", ["plate", "driver", "cargo"])
def test_personnel_pass_refuses_vehicle_fields(client, clerk, field):
    data = personnel() | {field: vehicle()[field]}
    response = apply(client, clerk, data)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == [field]


def test_every_bad_field_is_reported_at_once(client, clerk):
    data = with_value(vehicle(plate="桂E1"), "driver.health_code", "red")
    data = with_value(data, "driver.test.result", "positive") | {"origin": "999999"}
    fields = apply(client, clerk, data).json["error"]["fields"]
    assert {"plate", "driver.health_code", "driver.test.result", "origin"} <= fields.keys()


def test_test_sampled_in_the_future_is_refused(client, clerk):
    future = starts()  # an hour from now
    response = apply(client, clerk, with_value(vehicle(), "driver.test.sampled_at",
                                               future.isoformat()))
    assert "driver.test.sampled_at" in response.json["error"]["fields"]


def test_sample_time_within_clock_skew_is_accepted(client, clerk):
    skewed = starts() - timedelta(minutes=56)  # four minutes ahead of the server
    response = apply(client, clerk, with_value(vehicle(), "driver.test.sampled_at",
                                               skewed.isoformat()))
    assert response.status_code == 201, response.text


def test_test_sampled_more_than_48_hours_before_the_start_is_refused(client, clerk):
    old = starts() - timedelta(hours=48, minutes=1)
    response = apply(client, clerk, with_value(vehicle(), "driver.test.sampled_at",
                                               old.isoformat()))
    assert list(response.json["error"]["fields"]) == ["driver.test.sampled_at"]


def test_test_sampled_exactly_48_hours_before_the_start_is_accepted(client, clerk):
    data = vehicle()
    edge = datetime.fromisoformat(data["valid_from"]) - timedelta(hours=48)
    response = apply(client, clerk, with_value(data, "driver.test.sampled_at", edge.isoformat()))
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("days", [0, -1, 16])
def test_window_empty_or_too_long_is_refused(client, clerk, days):
    start = starts()
    data = vehicle(valid_until=(start + timedelta(days=days)).isoformat())
    response = apply(client, clerk, data)
    assert list(response.json["error"]["fields"]) == ["valid_until"]


def test_window_of_exactly_the_maximum_is_accepted(client, clerk):
    assert apply(client, clerk, vehicle(days=15)).status_code == 201


@pytest.mark.parametrize(("state", "colour", "code"), [
    ("pending", None, "enterprise_not_approved"),
    ("rejected", None, "enterprise_not_approved"),
    ("suspended", "green", "enterprise_not_approved"),
    ("approved", "red", "enterprise_red"),
])
def test_enterprise_not_whitelisted_or_red_is_forbidden(app, client, make_user, make_enterprise,
                                                        token_for, state, colour, code):
    clerk = make_clerk(make_user, make_enterprise, token_for, state=state, colour=colour)
    response = apply(client, clerk, vehicle())
    assert response.status_code == 403
    assert response.json["error"]["code"] == code
    assert count_rows(app, Pass) == 0


def test_enterprise_turned_red_after_the_application_was_read_is_refused(app, clerk):
    """The enterprise is judged again in the write turn: the session still holds it as it
    was when the application was read."""
    with app.app_context():
        enterprise = service.applicant(clerk.actor)  # referenced: the session keeps this copy
        application = read_application(vehicle(), enterprise, datetime.now(UTC))
        with db.engine.begin() as elsewhere:  # another writer, between reading and issuing
            elsewhere.execute(update(Enterprise).where(Enterprise.id == clerk.enterprise.id)
                              .values(colour="red"))
        with pytest.raises(EnterpriseRed):
            service.apply_for_pass(application, clerk.actor)
    assert count_rows(app, Pass) == 0


def test_yellow_enterprise_may_still_apply(client, make_user, make_enterprise, token_for):
    clerk = make_clerk(make_user, make_enterprise, token_for, colour="yellow")
    assert apply(client, clerk, vehicle()).status_code == 201


def test_clerk_without_an_enterprise_is_forbidden(client, make_user, token_for):
    headers = token_for(make_user("enterprise"))
    response = client.post("/api/v1/passes", json=vehicle(), headers=headers)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "no_enterprise"


def test_refused_applications_consume_no_serial(app, client, clerk):
    for bad in (vehicle(plate="bad"), with_value(vehicle(), "driver.health_code", "red")):
        assert apply(client, clerk, bad).status_code == 422
    assert count_rows(app, PassSerial) == 0
    assert apply(client, clerk, vehicle()).json["number"] == "450500000001"
    assert apply(client, clerk, personnel()).json["number"] == "450500000002"


def test_shorter_test_window_from_configuration(app, client, clerk):
    app.config["TEST_WINDOW_HOURS"] = 24  # read per request, as from LP_TEST_WINDOW_HOURS
    old = starts() - timedelta(hours=30)
    response = apply(client, clerk, with_value(vehicle(), "driver.test.sampled_at",
                                               old.isoformat()))
    assert list(response.json["error"]["fields"]) == ["driver.test.sampled_at"]


def test_body_that_is_not_json_is_refused(client, clerk):
    response = client.post("/api/v1/passes", data="plate=1", headers=clerk.headers,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
