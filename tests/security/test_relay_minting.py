"""Issue 14 #7: a transfer-station officer cannot mint relay passes by typing numbers.

The arriving pass must be presented: its QR text, or a number scanned at that station in
the last hour. A pass once handed over is closed: a second handover is 409 and scans deny it.
"""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.db import db
from passes.models import Pass
from tests.integration.pass_data import holder
from transfers.models import Handover

STATION = "CP-HEPU"
URL = "/api/v1/handovers"


def body(arriving: str, relay_plate: str = "桂E54321", serial: int = 77) -> dict:
    sampled = datetime.now(UTC) - timedelta(hours=6)
    return {"checkpoint": STATION, "arriving": arriving, "seals": ["FZ-0001"],
            "relay": {"plate": relay_plate, "driver": holder(serial, "李四海",
                                                             sampled_at=sampled)}}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_typed_numbers_never_scanned_at_the_station_mint_nothing(
        app, client, officer_headers, make_pass):
    passes = [make_pass(plate=f"桂E1000{i}") for i in range(3)]
    before = count(app, Pass)
    for pass_ in passes:
        response = client.post(URL, json=body(pass_.number), headers=officer_headers)
        assert response.status_code == 422
        assert "arriving" in response.json["error"]["fields"]
    assert (count(app, Pass), count(app, Handover)) == (before, 0)


def test_a_number_scanned_at_another_checkpoint_is_not_enough(
        app, client, officer_headers, make_pass):
    arriving = make_pass()
    client.post("/api/v1/verify", json={"qr": arriving.qr_text, "checkpoint": "CP-HAICHENG"},
                headers=officer_headers)
    response = client.post(URL, json=body(arriving.number), headers=officer_headers)
    assert response.status_code == 422 and count(app, Handover) == 0


def test_second_handover_of_one_pass_is_409_and_mints_nothing(
        app, client, officer_headers, make_pass):
    arriving = make_pass()
    first = client.post(URL, json=body(arriving.qr_text), headers=officer_headers)
    assert first.status_code == 201, first.text
    before = count(app, Pass)
    again = client.post(URL, json=body(arriving.qr_text, "桂E54322", 78),
                        headers=officer_headers)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "already_handed_over"
    assert (count(app, Pass), count(app, Handover)) == (before, 1)


def test_handed_over_pass_verifies_deny_handed_over(app, client, officer_headers, make_pass):
    arriving = make_pass()
    relay = client.post(URL, json=body(arriving.qr_text), headers=officer_headers)
    assert relay.status_code == 201, relay.text
    scan = client.post("/api/v1/verify", json={"qr": arriving.qr_text,
                                               "checkpoint": "CP-HAICHENG"},
                       headers=officer_headers)
    assert scan.json["verdict"] == "deny"
    assert scan.json["reasons"][0]["code"] == "handed_over"


@pytest.mark.parametrize("closed_by", ["scan", "number"])
def test_closed_pass_cannot_be_handed_over_by_its_number_either(
        app, client, officer_headers, make_pass, closed_by):
    arriving = make_pass()
    client.post("/api/v1/verify", json={"qr": arriving.qr_text, "checkpoint": STATION},
                headers=officer_headers)
    first = client.post(URL, json=body(arriving.qr_text if closed_by == "scan"
                                       else arriving.number), headers=officer_headers)
    assert first.status_code == 201, first.text
    again = client.post(URL, json=body(arriving.number, "桂E54322", 78), headers=officer_headers)
    assert again.status_code == 409


@pytest.mark.commits
def test_racing_handovers_of_one_pass_issue_one_relay(app, client, officer_headers, make_pass):
    from concurrent.futures import ThreadPoolExecutor

    # The first handover's key and serial exist already: the threads race only to close.
    warm = make_pass(plate="桂E10009")
    assert client.post(URL, json=body(warm.qr_text), headers=officer_headers).status_code == 201
    arriving = make_pass()

    def hand_over(worker: int) -> int:
        with app.test_client() as own:
            return own.post(URL, json=body(arriving.qr_text, f"桂E6543{worker}", 80 + worker),
                            headers=officer_headers).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(hand_over, range(4)))
    assert statuses == [201, 409, 409, 409]
    with app.app_context():
        relays = db.session.scalar(select(func.count()).select_from(Handover).where(
            Handover.arriving_number == arriving.number))
    assert relays == 1
