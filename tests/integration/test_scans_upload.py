"""POST /api/v1/scans: offline scans uploaded later, each stored exactly once."""
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from checkpoints.models import Scan
from core.db import db, utcnow
from tests.conftest import count_rows

URL = "/api/v1/scans"


def offline_scan(qr_text="LP:/12", **fields) -> dict:
    scanned_at = (utcnow() - timedelta(minutes=30)).isoformat()
    return {"id": str(uuid.uuid4()), "qr": qr_text, "checkpoint": "CP-HEPU",
            "verdict": "deny", "reasons": ["malformed"], "scanned_at": scanned_at} | fields


@pytest.fixture
def upload(client, officer_headers):
    def post(*scans):
        return client.post(URL, json={"scans": list(scans)}, headers=officer_headers)

    return post


def stored(app) -> list[Scan]:
    with app.app_context():
        scans = db.session.scalars(select(Scan).order_by(Scan.id)).all()
        db.session.expunge_all()
        return scans


def test_upload_stores_each_scan_as_offline_with_the_client_id(app, upload, officer):
    scan = offline_scan(verdict="check", reasons=["status_unknown"], plate="桂E12345")
    response = upload(scan)
    assert response.status_code == 200
    assert response.json == {"accepted": 1, "duplicates": 0}
    (row,) = stored(app)
    assert row.client_id == scan["id"] and row.offline is True
    # The handheld's verdict is kept as its own; the server's (LP:/12 is no pass) counts.
    assert (row.client_verdict, row.client_reasons) == ("check", ["status_unknown"])
    assert (row.verdict, row.reasons, row.plate_seen) == ("deny", ["malformed"], "桂E12345")
    assert row.disputed
    assert row.officer_id == officer.id and row.checkpoint.code == "CP-HEPU"
    assert row.scanned_at.isoformat() == scan["scanned_at"]
    assert row.received_at > row.scanned_at


def test_the_same_scan_sent_twice_is_stored_once(app, upload):
    scan = offline_scan()
    assert upload(scan).json == {"accepted": 1, "duplicates": 0}
    assert upload(scan, offline_scan()).json == {"accepted": 1, "duplicates": 1}
    assert count_rows(app, Scan) == 2


def test_a_scan_repeated_in_one_upload_is_stored_once(app, upload):
    scan = offline_scan()
    assert upload(scan, scan | {"id": scan["id"].upper()}).json == {"accepted": 1,
                                                                   "duplicates": 1}
    assert count_rows(app, Scan) == 1


def test_pass_number_comes_from_the_verified_token_never_the_raw_token(app, upload,
                                                                       make_pass):
    issued = make_pass()
    # Scanned after the pass was issued: the server judges as of the scan's time.
    upload(offline_scan(issued.qr_text, verdict="pass", reasons=[],
                        scanned_at=utcnow().isoformat()),
           offline_scan("LP:/" + issued.qr_text[4:-2], scanned_at=utcnow().isoformat()))
    genuine, truncated = stored(app)
    assert (genuine.verdict, genuine.disputed) == ("pass", False)
    assert (genuine.pass_number, genuine.enterprise_code) == (issued.number,
                                                             issued.enterprise_code)
    assert (truncated.pass_number, truncated.enterprise_code) == (None, None)
    columns = [column.key for column in Scan.__table__.columns]
    assert not any(issued.qr_text[4:60] in str(getattr(genuine, key)) for key in columns)


@pytest.mark.parametrize("index, field, value", [
    (1, "id", "not-a-uuid"),
    (1, "id", None),
    (1, "verdict", "maybe"),
    (1, "reasons", ["malformed", "nope"]),
    (1, "reasons", "malformed"),
    (1, "scanned_at", "2022-07-20T08:00:00"),
    (1, "scanned_at", "yesterday"),
    (1, "checkpoint", "CP-YINHAI"),
    (1, "checkpoint", "NOWHERE"),
    (1, "qr", ""),
])
def test_a_bad_item_is_named_and_nothing_is_stored(app, upload, index, field, value):
    bad = offline_scan() | {field: value}
    response = upload(offline_scan(), bad)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == [f"scans.{index}.{field}"]
    assert count_rows(app, Scan) == 0


def test_a_scan_from_the_future_is_refused(upload):
    future = (utcnow() + timedelta(hours=1)).isoformat()
    response = upload(offline_scan(scanned_at=future))
    assert list(response.json["error"]["fields"]) == ["scans.0.scanned_at"]


@pytest.mark.parametrize("body, field", [
    ({}, "scans"), ({"scans": []}, "scans"), ({"scans": "x"}, "scans"),
    ({"scans": ["x"]}, "scans.0"), ({"scans": [{}] * 501}, "scans"),
])
def test_a_malformed_upload_is_refused(client, officer_headers, body, field):
    response = client.post(URL, json=body, headers=officer_headers)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_only_officers_upload(client, make_user, token_for):
    assert client.post(URL, json={"scans": [offline_scan()]},
                       headers=token_for(make_user("admin"))).status_code == 403


@pytest.mark.commits
def test_racing_uploads_of_one_scan_store_it_once(app, officer_headers):
    scan = offline_scan()
    barrier = threading.Barrier(6)
    results = []

    def send():
        client = app.test_client()
        barrier.wait()
        results.append(client.post(URL, json={"scans": [scan]}, headers=officer_headers).json)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result["accepted"] for result in results) == [0, 0, 0, 0, 0, 1]
    assert count_rows(app, Scan) == 1
