"""Scans from many officers at once share commits, and none is lost, merged or misnumbered."""
import threading
from concurrent.futures import Future

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from checkpoints.models import REASON_BITS, Scan
from core.db import db, utcnow
from core.group_commit import GroupCommit, group_commit
from tests.conftest import count_rows

THREADS = 12
SCANS_PER_THREAD = 5


@pytest.mark.commits
def test_concurrent_verifies_each_get_their_own_durable_scan(app, officer_headers, make_pass,
                                                             make_enterprise):
    genuine = make_pass()
    yellow = make_pass(make_enterprise(colour="yellow"))
    texts = [genuine.qr_text, yellow.qr_text, "LP:/garbage"]
    start = threading.Barrier(THREADS)
    answers, failures = [], []

    def officer(n):
        client = app.test_client()
        start.wait()
        for i in range(SCANS_PER_THREAD):
            qr = texts[(n + i) % len(texts)]
            response = client.post("/api/v1/verify", headers=officer_headers,
                                   json={"qr": qr, "checkpoint": "CP-HAICHENG"})
            if response.status_code == 200:
                answers.append((qr, response.json))
            else:
                failures.append(response.text)

    threads = [threading.Thread(target=officer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(answers) == THREADS * SCANS_PER_THREAD
    scan_ids = [body["scan_id"] for _, body in answers]
    assert len(set(scan_ids)) == len(scan_ids)
    assert count_rows(app, Scan) == len(answers)
    with app.app_context():
        stored = {scan.id: scan for scan in db.session.scalars(select(Scan))}
    for qr, body in answers:
        scan = stored[body["scan_id"]]
        codes = [reason["code"] for reason in body["reasons"]]
        assert (scan.verdict, scan.reasons) == (body["verdict"], codes)
        assert scan.reason_bits == sum(REASON_BITS[code] for code in codes)
        expected = {genuine.qr_text: genuine.number, yellow.qr_text: yellow.number}.get(qr)
        assert scan.pass_number == expected


def _row(checkpoint_id, officer_id):
    now = utcnow()
    return {"checkpoint_id": checkpoint_id, "officer_id": officer_id, "verdict": "pass",
            "reasons": [], "reason_bits": 0, "pass_number": None, "enterprise_code": None,
            "plate_seen": None, "scanned_at": now, "received_at": now, "offline": False}


@pytest.fixture
def scan_row(app, officer, checkpoints):
    from checkpoints.service import find

    with app.app_context():
        return _row(find("CP-HAICHENG").id, officer.id)


def test_a_failed_batch_fails_every_waiter_and_stores_nothing(app, scan_row):
    writer = GroupCommit(Scan.__table__)
    good, bad = Future(), Future()
    broken = scan_row | {"officer_id": 10**9}  # no such user: the foreign key refuses it
    with app.app_context():
        writer._write([(scan_row, good), (broken, bad)])
    for waiter in (good, bad):
        assert isinstance(waiter.exception(), IntegrityError)
    assert count_rows(app, Scan) == 0


def test_appends_after_a_failure_are_written(app, scan_row):
    with app.app_context():
        writer = group_commit(Scan.__table__)
        assert group_commit(Scan.__table__) is writer  # one per app and table
        with pytest.raises(IntegrityError):
            writer.append(scan_row | {"checkpoint_id": 10**9})
        first, second = writer.append(scan_row), writer.append(scan_row)
    assert second > first
    assert count_rows(app, Scan) == 2
