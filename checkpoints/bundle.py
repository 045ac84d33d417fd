"""The signed status snapshot a checkpoint page verifies against when the network drops."""
from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select

from checkpoints.models import Checkpoint
from core import crypto
from core.db import db, utcnow
from federation.peers import bundle_issuers
from passes.models import Pass, PassCrew
from passes.standing import latest_test_positive, with_positive_crew
from passtokens import keys
from people.models import Person
from whitelist.models import Enterprise
from whitelist.service import colour_policy


def offline_bundle(now: datetime | None = None) -> str:
    """The snapshot as a compact JWS signed with the current pass key."""
    key = keys.signing_key()
    return crypto.sign(bundle_payload(now or utcnow()), keys.private_key(key), key.kid)


def bundle_payload(now: datetime) -> dict:
    """shared/CONTRACT.md's offline-bundle payload, plus what the offline rules need.

    Column selects only: 10,000 enterprises and 100,000 revoked passes take well under a
    second.
    """
    # Core rows rather than the ORM's: building 100,000 ORM rows costs more than the query.
    connection = db.session.connection()
    enterprises = connection.execute(
        select(Enterprise.code, Enterprise.state, Enterprise.colour, Enterprise.name)).all()
    unexpired, live = ~Pass.expired_at(now), Pass.live_at(now)
    revoked = connection.execute(
        select(Pass.number).where(Pass.revoked, unexpired).order_by(Pass.number)
    ).scalars().all()
    handed_over = connection.execute(
        select(Pass.number).where(Pass.handed_over_at.is_not(None), unexpired)
        .order_by(Pass.number)).scalars().all()
    holders = connection.execute(
        select(Pass.number, Person.health_code, latest_test_positive(),
               Person.test_sampled_at, Pass.via)
        .join(Person, Pass.person_id == Person.id).where(live)
    ).all()
    crew_people = Person.__table__.alias("crew_people")
    crew = connection.execute(
        select(Pass.number, PassCrew.name, PassCrew.id_last4, latest_test_positive(crew_people))
        .join(Pass, PassCrew.pass_id == Pass.id)
        .join(crew_people, crew_people.c.id == PassCrew.person_id).where(live)
        .order_by(PassCrew.pass_id, PassCrew.position)).all()
    crew_positive = {number for number, _, _, positive in crew if positive}
    checkpoints = connection.execute(
        select(Checkpoint.code, Checkpoint.area).where(Checkpoint.active)).all()
    return {
        "generated_at": now.isoformat(timespec="seconds"),
        "max_age_s": current_app.config["OFFLINE_MAX_AGE_SECONDS"],
        "colours": {code: colour for code, _, colour, _ in enterprises if colour},
        "states": {code: state for code, state, _, _ in enterprises},
        "revoked": revoked,
        "revoked_kids": keys.revoked_kids(),
        "jwks": keys.jwks(now),
        # Beyond the contract, so that offline verdicts agree with online ones: the colour
        # rules are policy data, not code in the page; driver_not_green and test_expired
        # need the deployment's test window and the holder's current status (test time in
        # epoch seconds, as the token's `t`); and the verdict screen names the enterprise
        # (only those ever white-listed: no other can have passes).
        "test_window_s": current_app.config["TEST_WINDOW_HOURS"] * 3600,
        "names": {code: name for code, _, colour, name in enterprises if colour},
        "colour_policy": {colour: {"verdict": policy.verdict, "reason_code": policy.reason_code,
                                   "action_zh": policy.action_zh, "action_en": policy.action_en}
                          for colour, policy in colour_policy().items()},
        # test_positive: the holder's latest test (passes/standing.py reads it the same
        # way), and crew_test_positive, only where true: a crew member's; routes: the via
        # counties of passes that have them; checkpoints: each one's county, for off_route;
        # handed_over: passes closed by a handover, final as revoked.
        "people": {number: {"health_code": health_code,
                            "test_sampled_at": int(sampled_at.timestamp()),
                            "test_positive": bool(positive)}
                   | ({"crew_test_positive": True} if number in crew_positive else {})
                   for number, health_code, positive, sampled_at, _ in holders},
        "routes": {number: via for number, _, _, _, via in holders if via},
        "checkpoints": dict(checkpoints),
        # crew: the co-drivers and escorts of the passes that have them, masked as issued.
        "crew": _by_number(crew),
        "handed_over": handed_over,
        # The other cities on the trust list in force, so that their passes are judged
        # offline as online: {area: {"name", "jwks", "feed": summary or None}}; `area` tells
        # this city's own pass numbers from theirs.
        "area": current_app.config["AREA_CODE"],
        "issuers": bundle_issuers(current_app.config["AREA_CODE"]),
    }


def held_passes(now: datetime) -> list[str]:
    """The numbers of live passes whose holder is not cleared now, or whose crew has someone
    with a positive latest test."""
    live = Pass.live_at(now)
    return list(db.session.scalars(
        select(Pass.number).join(Person, Pass.person_id == Person.id)
        .where(live, or_(~Person.cleared_at(now), Pass.number.in_(with_positive_crew(live))))
        .order_by(Pass.number)))


def _by_number(crew_rows) -> dict[str, list[dict]]:
    crew: dict[str, list[dict]] = {}
    for number, name, last4, _ in crew_rows:
        crew.setdefault(number, []).append({"name": name, "id_last4": last4})
    return crew
