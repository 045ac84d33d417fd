"""The signed status snapshot a checkpoint page verifies against when the network drops."""
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from core import crypto
from core.db import db, utcnow
from passes import keys
from passes.models import Pass
from passes.people import holders_of_live_passes
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
    unexpired = Pass.valid_until > now
    revoked = connection.execute(
        select(Pass.number).where(Pass.revoked_at.is_not(None), unexpired).order_by(Pass.number)
    ).scalars().all()
    holders = holders_of_live_passes(connection, now)
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
        "people": {number: {"health_code": holder.health_code,
                            "test_result": holder.test_result,
                            "test_sampled_at": int(holder.test_sampled_at.timestamp())}
                   for number, holder in holders.items()},
    }
