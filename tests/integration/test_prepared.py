"""Statements run on the driver (core/prepared.py) read and write what SQLAlchemy would, on
both databases: types converted both ways, constants the statement binds itself, errors as
SQLAlchemy's."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError, ProgrammingError

from checkpoints.models import Checkpoint, Scan
from core.db import UTCDateTime, db
from core.prepared import Prepared

AT = datetime(2026, 12, 7, 8, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def checkpoint_id(app, checkpoints):
    from checkpoints.service import find

    with app.app_context():
        return find("CP-HAICHENG").id


def scan_insert() -> Prepared:
    scans = Scan.__table__
    columns = ("checkpoint_id", "officer_id", "verdict", "reasons", "reason_bits",
               "scanned_at", "received_at", "offline")
    return Prepared(insert(scans).values({name: bindparam(name) for name in columns})
                    .returning(scans.c.id, scans.c.scanned_at, scans.c.reasons))


def scan_row(checkpoint_id, officer_id, **changes):
    return {"checkpoint_id": checkpoint_id, "officer_id": officer_id, "verdict": "check",
            "reasons": ["enterprise_yellow"], "reason_bits": 4, "scanned_at": AT,
            "received_at": AT, "offline": False} | changes


def test_an_insert_converts_its_values_and_returns_them_typed(app, checkpoint_id, officer):
    with app.app_context(), db.engine.begin() as connection:
        row = scan_insert().first(connection, scan_row(checkpoint_id, officer.id))
    assert row.scanned_at == AT  # aware UTC back, though SQLite stores it naive
    assert row.reasons == ["enterprise_yellow"]  # JSON both ways
    with app.app_context():
        stored = db.session.get(Scan, row.id)
        assert (stored.scanned_at, stored.reasons, stored.offline) == (
            AT, ["enterprise_yellow"], False)


def test_a_select_reads_what_sqlalchemy_reads(app, checkpoint_id, officer):
    checkpoints = Checkpoint.__table__
    statement = (select(checkpoints.c.code, checkpoints.c.latitude, checkpoints.c.active,
                        checkpoints.c.created_at)
                 .where(checkpoints.c.id == bindparam("id"))
                 .where(checkpoints.c.created_at < bindparam("now", type_=UTCDateTime))
                 .limit(1))
    params = {"id": checkpoint_id, "now": datetime.now(UTC) + timedelta(hours=1)}
    with app.app_context(), db.engine.connect() as connection:
        prepared = Prepared(statement)
        rows = prepared.rows(connection, params)
        again = prepared.first(connection, params)  # compiled once, run twice
        expected = connection.execute(statement, params).all()
    assert [tuple(row) for row in rows] == [tuple(row) for row in expected]
    assert again == rows[0]
    assert again.active is True and again.created_at.tzinfo is not None
    assert again._asdict()["code"] == "CP-HAICHENG"


def test_no_row_is_none(app):
    checkpoints = Checkpoint.__table__
    statement = select(checkpoints.c.id).where(checkpoints.c.code == bindparam("code"))
    with app.app_context(), db.engine.connect() as connection:
        assert Prepared(statement).first(connection, {"code": "NOWHERE"}) is None


def test_a_value_left_to_a_column_default_is_refused_by_name(app, checkpoint_id, officer):
    row = scan_row(checkpoint_id, officer.id)
    del row["reason_bits"]
    # Refused before the statement runs, or by psycopg, which takes the values by name.
    with app.app_context(), db.engine.begin() as connection, \
            pytest.raises((ValueError, ProgrammingError), match="reason_bits"):
        scan_insert().first(connection, row)


def test_a_driver_error_is_raised_as_sqlalchemys(app, checkpoint_id, officer):
    with app.app_context(), pytest.raises(IntegrityError), db.engine.begin() as connection:
        # No such user: the foreign key refuses it.
        scan_insert().first(connection, scan_row(checkpoint_id, 10**9))
    with app.app_context():
        assert db.session.scalar(select(Scan.id)) is None
