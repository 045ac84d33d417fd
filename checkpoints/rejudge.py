"""Uploaded offline scans judged again by the server, as of the moment they were made.

A handheld's verdict is its own: the server decides with the same rules (checkpoints/rules.py)
against what it knew at `scanned_at`: keys and revocations made by then, the handover, the
enterprise's colour then (its colour history), the holder's latest test sampled by then, and
the pass's scans elsewhere before it (possible_copy). The enterprise's white-list state and
the holder's health code have no history here, so their current values stand in. Another
city's pass is judged against its issuer's latest feed, the only one kept.
"""
from dataclasses import replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from checkpoints import rules, scans
from checkpoints.judging import facts_of, horizon, policy_with
from checkpoints.reading import jws_of, read_jws
from core import crypto
from core.db import db
from federation import foreign
from passes.standing import standing
from passtokens import keys, qr
from whitelist.models import ColourChange, Enterprise
from whitelist.service import colour_policy


def judge_at(qr_text: str, checkpoint, plate_seen: str | None,
             at: datetime) -> tuple[rules.Decision, str | None, str | None]:
    """The server's decision on a scan made at `at`, with the pass number and enterprise
    code when the pass is genuine (None for anything else)."""
    policy = policy_with({colour: rules.ColourRule(row.verdict, row.reason_code)
                          for colour, row in colour_policy().items()})

    def unreadable(code: str):
        return rules.decide(rules.Facts(unreadable=code), at, policy), None, None

    try:
        jws = jws_of(qr_text)
    except qr.BadQrText:
        return unreadable("malformed")
    kid, number = crypto.peek(jws)
    issuer = foreign.issuer_area(number, current_app.config["AREA_CODE"])
    if issuer is not None:
        return _judge_foreign_at(jws, issuer, checkpoint, plate_seen, at, policy)
    known, revoked = _keys_at(at)
    if kid in revoked:
        return unreadable("key_revoked")
    reading = read_jws(jws, at, known)
    if reading.facts is None:
        return unreadable(reading.reasons[0])
    status = standing(reading.facts.number, at)
    # A handheld's clock may run a little behind the server's.
    skew = timedelta(seconds=current_app.config["CLOCK_SKEW_SECONDS"])
    if (status is None or status.token != reading.jws or status.created_at is None
            or status.created_at > at + skew):
        return unreadable("not_found")
    earlier = scans.last_seen_elsewhere(status.number, checkpoint, at, horizon())
    tested_by_then = status.test_sampled_at is not None and status.test_sampled_at <= at
    crew_positive_by_then = status.crew_test_positive and (
        status.crew_positive_sampled_at is None or status.crew_positive_sampled_at <= at)
    facts = replace(
        facts_of(status, plate_seen, checkpoint.area, earlier),
        revoked=status.revoked_at is not None and status.revoked_at <= at,
        handed_over=status.handed_over_at is not None and status.handed_over_at <= at,
        colour=_colour_at(status.enterprise_code, at),
        test_sampled_at=status.test_sampled_at if tested_by_then
        else reading.facts.test_sampled_at,
        latest_test_positive=(tested_by_then and status.latest_test_positive)
        or crew_positive_by_then)
    return rules.decide(facts, at, policy), status.number, status.enterprise_code


def _judge_foreign_at(jws: str, issuer: str, checkpoint, plate_seen: str | None, at: datetime,
                      policy: rules.Policy) -> tuple[rules.Decision, str | None, str | None]:
    reading = foreign.read_foreign(jws, issuer, at)
    if reading.unreadable or reading.pass_ is None:
        return rules.decide(rules.Facts(unreadable=reading.unreadable), at, policy), None, None
    number = reading.pass_.number
    earlier = scans.last_seen_elsewhere(number, checkpoint, at, horizon())
    facts = foreign.with_scene(reading, plate_seen, checkpoint.area,
                               earlier.as_fact() if earlier else None)
    return rules.decide(facts, at, policy), number, reading.pass_.enterprise_code


def _keys_at(at: datetime) -> tuple[dict, set[str]]:
    """The keys that existed at `at` and were honoured then, and those revoked by then."""
    existing = [key for key in keys.all_keys() if key.created_at <= at]
    revoked = {key.kid for key in existing if key.revoked_at is not None
               and key.revoked_at <= at}
    return ({key.kid: keys.public_key(key.public_jwk) for key in existing
             if key.kid not in revoked}, revoked)


def _colour_at(enterprise_code: str, at: datetime) -> str | None:
    return db.session.scalar(
        select(ColourChange.to_colour).join(Enterprise)
        .where(Enterprise.code == enterprise_code, ColourChange.at <= at)
        .order_by(ColourChange.at.desc(), ColourChange.id.desc()).limit(1))
