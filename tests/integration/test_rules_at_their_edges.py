"""The pass and holder rules judged at their exact edges, the clock stopped: the Python and
SQL forms of each rule (passes/models.py, people/models.py) agree, and so do the scans."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import db
from passes.models import Pass, Person
from passtokens.models import SigningKey
from people import recheck

SECOND = timedelta(seconds=1)


def standing(app, number, now) -> tuple[str, str]:
    """The pass's standing at `now` read from the loaded pass and from SQL."""
    with app.app_context():
        pass_ = db.session.scalar(select(Pass).where(Pass.number == number))
        in_sql = db.session.scalar(select(Pass.standing_at(now)).where(Pass.number == number))
        return pass_.standing_at(now), in_sql


def valid(app, number, now) -> tuple[bool, bool]:
    with app.app_context():
        pass_ = db.session.scalar(select(Pass).where(Pass.number == number))
        in_sql = db.session.scalar(select(Pass.id).where(Pass.number == number,
                                                         Pass.valid_at(now))) is not None
        return pass_.valid_at(now), in_sql


def cleared(app, person_id, now) -> tuple[bool, bool]:
    """Whether the person is cleared at `now`, from the loaded person and from SQL."""
    with app.app_context():
        in_sql = db.session.scalar(select(Person.id).where(Person.id == person_id,
                                                           Person.cleared_at(now))) is not None
        return db.session.get(Person, person_id).cleared_at(now), in_sql


def test_every_standing_reads_the_same_in_python_and_sql(app, frozen_clock, make_pass):
    made = {"valid": make_pass(), "not_yet_valid": make_pass(valid_from_h=1),
            "expired": make_pass(valid_from_h=-48, valid_until_h=-1),
            "revoked": make_pass(revoked=True), "closed": make_pass(handed_over=True)}
    now = frozen_clock.now
    assert {name: standing(app, made[name].number, now) for name in made} == {
        name: (name, name) for name in made}
    assert {name: valid(app, made[name].number, now) for name in made} == {
        name: (name == "valid",) * 2 for name in made}


def test_a_pass_is_valid_from_its_first_second(app, frozen_clock, make_pass):
    starting = make_pass(valid_from_h=0)
    assert standing(app, starting.number, frozen_clock.now) == ("valid", "valid")
    assert standing(app, starting.number, frozen_clock.now - SECOND) == ("not_yet_valid",) * 2


def test_a_pass_has_expired_at_its_valid_until(app, frozen_clock, make_pass):
    ending = make_pass(valid_until_h=0)
    assert standing(app, ending.number, frozen_clock.now) == ("expired", "expired")
    assert standing(app, ending.number, frozen_clock.now - SECOND) == ("valid", "valid")


def test_a_pass_whose_key_is_revoked_is_closed(app, frozen_clock, make_pass):
    signed = make_pass()
    with app.app_context():
        db.session.get(SigningKey, signed.kid).revoked_at = frozen_clock.now
        db.session.commit()
    assert standing(app, signed.number, frozen_clock.now) == ("closed", "closed")
    assert valid(app, signed.number, frozen_clock.now) == (False, False)


def test_a_test_sampled_exactly_48_hours_ago_still_clears_its_holder(app, frozen_clock,
                                                                     make_pass):
    holder = make_pass(holder_test_age_h=48).person_id
    assert cleared(app, holder, frozen_clock.now) == (True, True)
    assert cleared(app, holder, frozen_clock.now + SECOND) == (False, False)


@pytest.mark.parametrize("missing", ["health_code", "test_result", "test_sampled_at"])
def test_a_holder_missing_a_fact_is_not_cleared_and_the_recheck_drops_them(
        app, frozen_clock, make_pass, missing):
    holder = make_pass().person_id
    with app.app_context():
        setattr(db.session.get(Person, holder), missing, None)
        db.session.commit()
    assert cleared(app, holder, frozen_clock.now) == (False, False)
    with app.app_context():
        assert recheck.recheck("cron").dropped_total == 1


def test_the_recheck_keeps_a_holder_at_48_hours_and_drops_them_a_second_later(
        app, frozen_clock, make_pass):
    holder = make_pass(holder_test_age_h=48).person_id
    with app.app_context():
        assert recheck.recheck("cron").dropped_total == 0
    frozen_clock.advance(seconds=1)
    with app.app_context():
        assert recheck.recheck("cron").dropped_total == 1
        assert db.session.get(Person, holder).delisted_at == frozen_clock.now


def scan(client, officer_headers, qr_text) -> tuple[str, list[str]]:
    body = client.post("/api/v1/verify", json={"qr": qr_text, "checkpoint": "CP-HAICHENG"},
                       headers=officer_headers).json
    return body["verdict"], [reason["code"] for reason in body["reasons"]]


def test_a_scan_at_the_first_second_passes_and_one_before_is_not_yet_valid(
        client, officer_headers, frozen_clock, make_pass):
    starting = make_pass(valid_from_h=0)
    assert scan(client, officer_headers, starting.qr_text) == ("pass", [])
    frozen_clock.advance(seconds=-1)
    assert scan(client, officer_headers, starting.qr_text)[1] == ["not_yet_valid"]


def test_a_scan_at_valid_until_is_expired_and_one_before_passes(
        client, officer_headers, frozen_clock, make_pass):
    ending = make_pass(valid_until_h=0)
    assert scan(client, officer_headers, ending.qr_text)[1] == ["expired"]
    frozen_clock.advance(seconds=-1)
    assert scan(client, officer_headers, ending.qr_text) == ("pass", [])
