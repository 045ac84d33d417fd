"""Status feeds: an issuer's live facts about its passes, signed with its own pass keys.

A feed is the offline bundle's facts without personal data: colours and states of the
issuer's enterprises, revoked passes and keys, and the passes whose holder is not cleared.
"""
from datetime import datetime

from flask import current_app

from checkpoints import bundle
from core import crypto
from federation.trust import jwks_keys
from passtokens import keys

FEED_FIELDS = ("colours", "states", "revoked", "revoked_kids", "holds")


class FeedRefused(Exception):
    """A peer's feed that does not verify against its keys on the trust list, or is malformed."""


def status_feed(now: datetime) -> str:
    """This deployment's feed as a compact JWS signed with its current pass key."""
    key = keys.signing_key()
    return crypto.sign(feed_payload(now), keys.private_key(key), key.kid)


def feed_payload(now: datetime) -> dict:
    facts = bundle.bundle_payload(now)
    return {
        "issuer": current_app.config["AREA_CODE"],
        "generated_at": facts["generated_at"],
        "max_age_s": current_app.config["FEED_MAX_AGE_SECONDS"],
        **{name: facts[name] for name in FEED_FIELDS if name != "holds"},
        "holds": bundle.held_passes(now),
        # Beyond the contract, so that a peer judges route and handover as this city does:
        # the via counties of passes that have them, and passes closed by a handover.
        "routes": facts["routes"],
        "handed_over": facts["handed_over"],
    }


def read_feed(token: str, area: str, jwks: dict) -> dict:
    """Verify a peer's feed with the keys its trust-list entry gives; return its payload."""
    try:
        payload = crypto.verify(token, jwks_keys(jwks), check_time=False)
    except (crypto.TokenError, ValueError) as error:
        raise FeedRefused(f"signature: {error}") from None
    if payload.get("issuer") != area:
        raise FeedRefused(f"the feed is {payload.get('issuer')!r}'s, not {area}'s")
    try:
        generated_at = datetime.fromisoformat(payload["generated_at"])
        max_age = payload["max_age_s"]
        missing = [name for name in FEED_FIELDS if name not in payload]
    except (KeyError, TypeError, ValueError) as error:
        raise FeedRefused(f"malformed: {error}") from None
    if generated_at.tzinfo is None or not isinstance(max_age, int) or missing:
        raise FeedRefused(f"malformed: offset, max_age_s or {missing}")
    return payload
