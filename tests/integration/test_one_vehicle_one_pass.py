"""One vehicle, one live pass (一车一证): on every path that issues, and under concurrency."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bulk import service as bulk_service
from bulk.service import RowsNoLongerValid
from core.db import db, utcnow
from passes.application import read_application
from passes.models import Pass
from passes.plates import PlateTaken
from passes.service import applicant, apply_for_pass
from tests.integration.bulk_data import csv_file, read_report, vehicle_row
from tests.integration.pass_data import holder, make_clerk, vehicle
from tests.integration.test_bulk import upload
from tests.integration.test_transfers import form_of, handover_body

PLATE = "桂E12345"


@pytest.fixture
def other_clerk(make_user, make_enterprise, token_for):
    return make_clerk(make_user, make_enterprise, token_for)


def apply(client, clerk, **overrides):
    return client.post("/api/v1/passes", json=vehicle(serial=overrides.pop("serial", 123),
                                                      **overrides), headers=clerk.headers)


def test_api_refuses_a_second_live_pass_for_the_same_plate_with_409(client, clerk,
                                                                     other_clerk):
    assert apply(client, clerk).status_code == 201
    response = apply(client, other_clerk, serial=124)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "plate_taken"
    assert list(response.json["error"]["fields"]) == ["plate"]


def test_windows_that_do_not_overlap_may_share_a_plate(client, clerk):
    first = apply(client, clerk, days=1).json
    later = datetime.fromisoformat(first["valid_until"])
    response = apply(client, clerk, valid_from=later.isoformat(),
                     valid_until=(later + timedelta(days=2)).isoformat())
    assert response.status_code == 201, response.text


def test_revoked_or_expired_passes_do_not_hold_the_plate(app, client, clerk):
    expired = apply(client, clerk).json["number"]
    with app.app_context():
        now = datetime.now(UTC)
        db.session.execute(update(Pass).where(Pass.number == expired).values(
            valid_from=now - timedelta(days=2), valid_until=now - timedelta(hours=1)))
        db.session.commit()
    number = apply(client, clerk).json["number"]
    client.post(f"/api/v1/passes/{number}/revoke", json={"reason": "车辆更换"},
                headers=clerk.headers)
    assert apply(client, clerk).status_code == 201


def test_form_refuses_the_same_plate_in_chinese_on_the_plate_field(client, clerk, login):
    assert apply(client, clerk).status_code == 201
    login(clerk.user)
    data = vehicle()
    form = {"kind": "vehicle", "plate": PLATE, "cargo": "daily", "origin": "450502",
            "destination": "450521", "valid_from": data["valid_from"][:16],
            "valid_until": data["valid_until"][:16],
            "person.name": "李四海", "person.id_number": holder(124)["id_number"],
            "person.phone": "13800000000", "person.health_code": "green",
            "person.test.result": "negative",
            "person.test.sampled_at": data["driver"]["test"]["sampled_at"][:16]}
    response = client.post("/passes/new", data=form)
    assert response.status_code == 409
    assert "一车一证" in response.text


def test_bulk_check_reports_a_plate_that_already_has_a_live_pass(client, clerk, login):
    assert apply(client, clerk, plate="桂E00001").status_code == 201
    login(clerk.user)
    response = upload(client, csv_file([vehicle_row(1), vehicle_row(2)]))
    assert response.status_code == 200, response.text
    report = read_report(client.get(f"{response.json['url']}/report.csv").text)
    assert report == [(2, "车牌号")]


def test_bulk_confirm_refuses_a_plate_taken_since_the_check(app, client, clerk, login):
    login(clerk.user)
    url = upload(client, csv_file([vehicle_row(1)])).json["url"]
    assert apply(client, clerk, plate="桂E00001", serial=124).status_code == 201
    batch_id = int(url.rstrip("/").split("/")[-1])
    with app.app_context(), pytest.raises(RowsNoLongerValid):
        bulk_service.confirm(batch_id, clerk.actor)
    with app.app_context():
        assert len(db.session.scalars(select(Pass.number)).all()) == 1


def test_renewal_replaces_its_own_pass_without_conflict(client, clerk):
    number = apply(client, clerk).json["number"]
    body = {"test": {"result": "negative",
                     "sampled_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}}
    response = client.post(f"/api/v1/passes/{number}/renew", json=body, headers=clerk.headers)
    assert response.status_code == 201, response.text


def test_renewal_refuses_a_window_another_live_pass_of_the_plate_holds(app, client, clerk):
    number = apply(client, clerk, days=1).json["number"]
    later = datetime.now(UTC) + timedelta(days=3)
    other = apply(client, clerk, plate="桂E54321", serial=124).json["number"]
    with app.app_context():  # as if issued before the rule: the same plate, a later window
        db.session.execute(update(Pass).where(Pass.number == other).values(
            plate=PLATE, valid_from=later, valid_until=later + timedelta(days=2)))
        db.session.commit()
    body = {"test": {"result": "negative",
                     "sampled_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()},
            "valid_until": (datetime.now(UTC) + timedelta(days=6)).isoformat()}
    response = client.post(f"/api/v1/passes/{number}/renew", json=body, headers=clerk.headers)
    assert response.status_code == 409
    assert list(response.json["error"]["fields"]) == ["plate"]


def test_relay_refuses_a_relay_vehicle_that_has_a_live_pass(client, officer_headers,
                                                            make_pass):
    arriving = make_pass(plate=PLATE, valid_until_h=100)
    make_pass(plate="桂E54321")
    response = client.post("/api/v1/handovers", json=handover_body(arriving.qr_text),
                           headers=officer_headers)
    assert response.status_code == 409
    assert list(response.json["error"]["fields"]) == ["relay.plate"]


@pytest.mark.commits
def test_two_concurrent_applications_for_one_plate_exactly_one_wins(app, client, clerk,
                                                                     other_clerk):
    # The first pass makes the signing key, so the threads race only for the plate.
    assert apply(client, clerk, plate="桂E99999").status_code == 201
    barrier = threading.Barrier(2)

    def race(worker: int) -> str:
        actor = (clerk, other_clerk)[worker].actor
        with app.app_context():
            barrier.wait()
            try:
                application = read_application(vehicle(serial=200 + worker), applicant(actor),
                                               utcnow())
                return apply_for_pass(application, actor).number
            except PlateTaken:
                db.session.rollback()
                return "refused"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(race, range(2)))
    assert outcomes[-1] == "refused" and outcomes[0] != "refused"
    with app.app_context():
        assert len(db.session.scalars(select(Pass).where(Pass.plate == PLATE)).all()) == 1


def test_relay_form_shows_the_taken_plate_on_the_relay_plate_field(client, officer, login,
                                                                   make_pass):
    arriving = make_pass(plate=PLATE, valid_until_h=100)
    make_pass(plate="桂E54321")
    login(officer)
    response = client.post("/checkpoint/handovers/new",
                           data=form_of(handover_body(arriving.qr_text)))
    assert response.status_code == 409
    assert "一车一证" in response.text
