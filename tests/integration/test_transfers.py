"""Handovers at transfer stations: a verified arriving pass, a linked relay pass, a sheet."""
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from accounts.models import User
from audit.models import AuditEntry
from checkpoints.service import NotAssigned
from core.db import db, utcnow
from core.errors import ValidationFailed
from passes.models import Pass
from passes.service import revoke_pass
from tests.conftest import count_rows
from tests.integration.pass_data import holder
from transfers.models import Handover
from transfers.service import (
    NotTransferStation,
    PassNotHonoured,
    create_handover,
    read_handover,
)

STATION = "CP-HEPU"


def handover_body(arriving, **overrides) -> dict:
    sampled = datetime.now(UTC) - timedelta(hours=6)
    body = {"checkpoint": STATION, "arriving": arriving, "seals": ["FZ-0001", "FZ-0002"],
            "relay": {"plate": "桂E54321", "driver": holder(77, "李四海", sampled_at=sampled)}}
    return body | overrides


def form_of(body: dict) -> dict:
    """The same handover as the page's form inputs."""
    driver = body["relay"]["driver"]
    return {"checkpoint": body["checkpoint"], "arriving": body["arriving"],
            "seals": "\n".join(body["seals"]), "relay.plate": body["relay"]["plate"],
            "relay.driver.name": driver["name"], "relay.driver.id_number": driver["id_number"],
            "relay.driver.phone": driver["phone"], "relay.driver.health_code": "green",
            "relay.driver.test.result": "negative",
            "relay.driver.test.sampled_at": _beijing_local(driver["test"]["sampled_at"])}


def _beijing_local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo("Asia/Shanghai")).strftime(
        "%Y-%m-%dT%H:%M")


@pytest.fixture
def station_officer(officer, login):
    return login(officer)


def only_handover(app) -> Handover:
    with app.app_context():
        (handover,) = db.session.scalars(select(Handover)).all()
        return handover.id


def test_the_officers_menu_names_the_form_it_opens(station_officer):
    page = station_officer.get("/checkpoint/scans").text
    assert re.search(r'<a href="/checkpoint/handovers/new"[^>]*>登记交接</a>', page)


def test_handover_issues_a_linked_relay_pass_and_audits_it(app, station_officer, make_pass):
    arriving = make_pass(plate="桂E12345", valid_until_h=100)
    response = station_officer.post("/checkpoint/handovers/new",
                                    data=form_of(handover_body(arriving.qr_text)))
    assert response.status_code == 302, response.text
    with app.app_context():
        handover = db.session.get(Handover, only_handover(app))
        relay, first = handover.relay_pass, handover.arriving_pass
        assert first.number == arriving.number and handover.arriving_verdict == "pass"
        assert handover.seals == ["FZ-0001", "FZ-0002"]
        assert (relay.plate, relay.holder_name, relay.enterprise_id) == (
            "桂E54321", "李*海", first.enterprise_id)
        assert (relay.origin, relay.destination) == ("450521", first.destination)
        assert relay.valid_until == first.valid_until and relay.cargo == first.cargo
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert "handover.create" in actions and "pass.issue" in actions
    page = station_officer.get(response.headers["Location"])
    assert arriving.number in page.text and "FZ-0002" in page.text


def test_arriving_pass_may_be_given_by_number_once_scanned_at_the_station(
        app, client, officer_headers, station_officer, make_pass):
    arriving = make_pass()
    scan = client.post("/api/v1/verify", json={"qr": arriving.qr_text, "checkpoint": STATION},
                       headers=officer_headers)
    assert scan.json["verdict"] == "pass"
    response = station_officer.post("/checkpoint/handovers/new",
                                    data=form_of(handover_body(arriving.number)))
    assert response.status_code == 302, response.text
    assert count_rows(app, Handover) == 1


def test_print_sheet_has_three_copies_and_the_relay_qr(app, station_officer, make_pass):
    arriving = make_pass()
    station_officer.post("/checkpoint/handovers/new", data=form_of(handover_body(arriving.qr_text)))
    handover_id = only_handover(app)
    sheet = station_officer.get(f"/checkpoint/handovers/{handover_id}/print")
    assert sheet.status_code == 200
    assert sheet.text.count('class="copy copy-') == 3
    for copy in ("arriving", "relay", "station"):
        assert f'data-copy="{copy}"' in sheet.text
    assert sheet.text.count("<svg") == 1  # the relay pass's code, on the relay driver's copy
    relay_part = sheet.text.split('data-copy="relay"')[1].split('data-copy="station"')[0]
    assert "<svg" in relay_part
    assert "style=" not in sheet.text.replace("<svg", "")  # strict CSP: no inline styles
    assert "<script>" not in sheet.text


def test_deny_pass_cannot_be_handed_over(app, station_officer, make_pass):
    revoked = make_pass(revoked=True)
    response = station_officer.post("/checkpoint/handovers/new",
                                    data=form_of(handover_body(revoked.qr_text)))
    assert response.status_code == 422
    assert 'id="e-arriving"' in response.text
    assert (count_rows(app, Handover), count_rows(app, Pass)) == (0, 1)


def test_a_pass_handed_over_already_is_refused_on_the_form_keeping_what_was_typed(
        app, station_officer, make_pass):
    arriving = make_pass()
    first = station_officer.post("/checkpoint/handovers/new",
                                 data=form_of(handover_body(arriving.qr_text)))
    assert first.status_code == 302, first.text
    again = form_of(handover_body(arriving.qr_text)) | {"relay.plate": "桂E77777"}
    response = station_officer.post("/checkpoint/handovers/new?lang=en", data=again)
    assert response.status_code == 409
    assert ('<p class="error" id="e-arriving">This pass was already handed over: its load '
            'travels on a relay pass now.</p>') in response.text
    assert 'value="桂E77777"' in response.text
    assert (count_rows(app, Handover), count_rows(app, Pass)) == (1, 2)


RELAY_FIELDS = ["relay.plate", "relay.driver.name", "relay.driver.id_number",
                "relay.driver.phone", "relay.driver.test.sampled_at"]


def test_an_empty_handover_form_marks_every_field_at_once(app, station_officer):
    blank = {name: "" for name in ["arriving", "seals", *RELAY_FIELDS]}
    response = station_officer.post("/checkpoint/handovers/new",
                                    data={"checkpoint": STATION} | blank)
    assert response.status_code == 422
    for name in ["arriving", "seals", *RELAY_FIELDS]:
        assert f'id="e-{name.replace(".", "-")}"' in response.text, name
    assert count_rows(app, Handover) == 0


def test_a_refused_arriving_pass_is_reported_with_the_relay_legs_errors(client, officer_headers,
                                                                        make_pass):
    revoked = make_pass(revoked=True)
    body = handover_body(revoked.qr_text)
    body["relay"] = {"plate": "桂E1234", "driver": body["relay"]["driver"] | {"phone": "123"}}
    response = client.post("/api/v1/handovers", json=body, headers=officer_headers)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "pass_not_honoured"
    assert set(response.json["error"]["fields"]) == {"arriving", "relay.plate",
                                                     "relay.driver.phone"}


def test_a_pass_revoked_after_the_handover_was_read_is_not_relayed(app, officer, make_user,
                                                                   make_pass):
    arriving = make_pass(plate="桂E12345", valid_until_h=100)
    admin = make_user("admin")
    with app.app_context():
        new = read_handover(handover_body(arriving.qr_text), _user(officer.id), utcnow())
        revoke_pass(arriving.number, "recalled", _user(admin.id))
        with pytest.raises(PassNotHonoured) as refused:
            create_handover(new, _user(officer.id), utcnow())
    assert "arriving" in refused.value.fields
    assert (count_rows(app, Handover), count_rows(app, Pass)) == (0, 1)


def test_forged_code_is_refused(app, client, officer, token_for, make_pass):
    with app.app_context(), pytest.raises(PassNotHonoured) as refused:
        officer_row = _user(officer.id)
        read_handover(handover_body("LP:/1234"), officer_row, utcnow())
    assert "arriving" in refused.value.fields


def _user(user_id):
    return db.session.get(User, user_id)


def test_officer_at_a_non_transfer_checkpoint_is_refused(app, client, make_user, login,
                                                         checkpoints, make_pass):
    gate_officer = make_user("officer", checkpoints=["CP-HAICHENG"])
    login(gate_officer)
    page = client.get("/checkpoint/handovers/new")
    assert "no-station" in page.text and "<form method=\"post\" class=\"form\"" not in page.text
    arriving = make_pass()
    response = client.post("/checkpoint/handovers/new",
                           data=form_of(handover_body(arriving.qr_text, checkpoint="CP-HAICHENG")))
    assert response.status_code == 403
    assert count_rows(app, Handover) == 0


def test_officer_not_assigned_to_the_station_is_refused(app, make_user, make_pass, checkpoints):
    other = make_user("officer", checkpoints=["CP-YINHAI"])
    arriving = make_pass()
    with app.app_context():
        with pytest.raises(NotAssigned):
            read_handover(handover_body(arriving.qr_text), _user(other.id), utcnow())
        with pytest.raises(NotTransferStation):
            read_handover(handover_body(arriving.qr_text, checkpoint="CP-YINHAI"),
                          _user(other.id), utcnow())


def test_bad_relay_driver_and_seals_are_named_and_nothing_is_stored(app, station_officer,
                                                                    make_pass):
    arriving = make_pass()
    form = form_of(handover_body(arriving.qr_text))
    form |= {"relay.driver.id_number": "450502198503121230", "seals": "",
             "relay.plate": "桂E1234挂"}
    response = station_officer.post("/checkpoint/handovers/new", data=form)
    assert response.status_code == 422
    for name in ("e-relay-driver-id_number", "e-seals", "e-relay-plate"):
        assert f'id="{name}"' in response.text
    assert (count_rows(app, Handover), count_rows(app, Pass)) == (0, 1)


def test_duplicate_seal_numbers_are_refused(app, officer, make_pass):
    arriving = make_pass()
    with app.app_context(), pytest.raises(ValidationFailed) as refused:
        read_handover(handover_body(arriving.qr_text, seals=["A1", "a1"]), _user(officer.id),
                      utcnow())
    assert list(refused.value.fields) == ["seals"]


def test_admin_lists_handovers_and_other_officers_cannot_see_them(app, client, station_officer,
                                                                  make_pass, make_user, login):
    arriving = make_pass()
    station_officer.post("/checkpoint/handovers/new", data=form_of(handover_body(arriving.qr_text)))
    handover_id = only_handover(app)
    client.post("/logout")
    login(make_user("officer", checkpoints=["CP-YINHAI"]))
    assert client.get(f"/checkpoint/handovers/{handover_id}").status_code == 404
    assert client.get(f"/checkpoint/handovers/{handover_id}/print").status_code == 404
    client.post("/logout")
    login(make_user("admin"))
    listing = client.get("/admin/handovers")
    assert listing.status_code == 200 and arriving.number in listing.text
    assert client.get(f"/checkpoint/handovers/{handover_id}/print").status_code == 200


def test_api_records_a_handover_and_refuses_a_deny_pass(app, client, officer_headers,
                                                        make_pass, make_user, token_for):
    arriving, revoked = make_pass(), make_pass(revoked=True)
    response = client.post("/api/v1/handovers", json=handover_body(arriving.qr_text),
                           headers=officer_headers)
    assert response.status_code == 201, response.text
    body = response.json
    assert (body["arriving_pass"], body["seals"]) == (arriving.number, ["FZ-0001", "FZ-0002"])
    assert body["relay_pass"] != arriving.number and body["sheet_url"].endswith("/print")
    refused = client.post("/api/v1/handovers", json=handover_body(revoked.qr_text, seals=[]),
                          headers=officer_headers)
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == {"arriving", "seals"}
    assert client.get(f"/api/v1/handovers/{body['id']}",
                      headers=officer_headers).json["relay_pass"] == body["relay_pass"]
    outsider = token_for(make_user("officer", checkpoints=["CP-YINHAI"]))
    assert client.get(f"/api/v1/handovers/{body['id']}", headers=outsider).status_code == 404
