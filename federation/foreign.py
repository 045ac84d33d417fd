"""Another city's pass at this city's checkpoint: its issuer's keys from the trust list in
force, its live facts from the issuer's latest status feed, judged by checkpoints/rules.py.

The pass number's first six digits name the issuer; a kid is only unique inside one issuer,
so the keys are looked up by area first, then kid.
"""
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from checkpoints import rules
from core import crypto
from core.db import db
from federation.models import IssuerFeed, TrustedIssuer
from federation.trust import jwks_keys
from passes.standing import Issuer, PassStatus
from passtokens.tokens import PassFacts

# A holder the issuer does not clear now is told apart from a cleared one only by the feed's
# `holds`; their health code stands for "not cleared", as a local holder's would.
HELD = "not_cleared"


@dataclass(frozen=True)
class ForeignReading:
    """What a foreign pass's token and its issuer's feed say: facts for the rules and the pass
    to show, or the one reason it cannot be read."""

    unreadable: str | None = None
    facts: rules.Facts | None = None
    pass_: PassStatus | None = None


def issuer_area(number: str | None, own_area: str) -> str | None:
    """The area of a pass number that is not this deployment's, else None."""
    if number and len(number) == 12 and number.isdigit() and number[:6] != own_area:
        return number[:6]
    return None


def read_foreign(jws: str, area: str, now: datetime) -> ForeignReading:
    """Verify a foreign pass with its issuer's keys and add the issuer's live status."""
    issuer = db.session.get(TrustedIssuer, area)
    if issuer is None:
        return ForeignReading("unknown_issuer")
    return read_with(jws, issuer.name, issuer.jwks, latest_feed(area), now, area=area)


def latest_feed(area: str) -> dict | None:
    """The issuer's latest feed payload, read from JSON once per sync that stored it."""
    fetched_at = db.session.scalar(select(IssuerFeed.fetched_at).where(IssuerFeed.area == area))
    if fetched_at is None:
        return None
    return _feed_fetched_at(db.engine.url.render_as_string(), area, fetched_at)


@lru_cache(maxsize=64)
def _feed_fetched_at(database: str, area: str, fetched_at: datetime) -> dict:
    # A city's feed (10,000 enterprises) takes ~10 ms to parse: more than the rest of a verify.
    # Callers only read it.
    return db.session.execute(
        select(IssuerFeed.payload).where(IssuerFeed.area == area)).scalar_one()


def read_with(jws: str, issuer_name: str, jwks: dict, feed: dict | None, now: datetime, *,
              area: str) -> ForeignReading:
    """The pure part of read_foreign: the issuer's JWK set and feed payload given."""
    revoked_kids = set(feed["revoked_kids"]) if feed else set()
    try:
        if crypto.read_header(jws).get("kid") in revoked_kids:
            return ForeignReading("key_revoked")
        claims = crypto.verify(jws, _keys(jwks), check_time=False, deflate=True)
        facts = PassFacts.from_claims(claims)
    except crypto.UnknownKey:
        return ForeignReading("unknown_key")
    except crypto.BadSignature:
        return ForeignReading("bad_signature")
    except (crypto.TokenError, KeyError, TypeError, ValueError):
        return ForeignReading("malformed")
    if not facts.number.startswith(area):
        return ForeignReading("malformed")
    foreign = _foreign_pass(facts, claims, area, issuer_name, feed)
    return ForeignReading(facts=_rule_facts(foreign, facts, feed, now), pass_=foreign)


def with_scene(reading: ForeignReading, plate_seen: str | None, checkpoint_area: str | None,
               earlier: rules.EarlierScan | None) -> rules.Facts:
    """The reading's facts with what the officer sees and where."""
    if reading.facts is None:  # unreadable: the reason alone decides
        return rules.Facts(unreadable=reading.unreadable)
    return replace(reading.facts, plate_seen=plate_seen, checkpoint_area=checkpoint_area,
                   earlier_scan=earlier)


def _keys(jwks: dict) -> dict[str, ec.EllipticCurvePublicKey]:
    try:
        return jwks_keys(jwks)
    except ValueError:
        return {}


def _foreign_pass(facts: PassFacts, claims: dict, area: str, issuer_name: str,
                  feed: dict | None) -> PassStatus:
    colour = (feed or {}).get("colours", {}).get(facts.enterprise)
    via = (feed or {}).get("routes", {}).get(facts.number, [])
    return PassStatus(
        number=facts.number, kind=facts.kind, plate=facts.plate,
        holder_name=facts.holder_name, id_last4=facts.id_last4, origin=facts.origin,
        via=list(via), destination=facts.destination, valid_from=facts.valid_from,
        valid_until=facts.valid_until, cargo=None, enterprise_code=facts.enterprise,
        colour=colour, issuer=Issuer(area, issuer_name))


def _rule_facts(foreign: PassStatus, facts: PassFacts, feed: dict | None,
                now: datetime) -> rules.Facts:
    """The rules' facts. Without a feed only the token speaks; a stale feed's facts still
    count (a revocation or a red colour does not get better with age)."""
    base = rules.Facts(kind=foreign.kind, plate=foreign.plate, valid_from=foreign.valid_from,
                       valid_until=foreign.valid_until, route=foreign.route,
                       issuer_stale=feed is None or is_stale(feed, now))
    if feed is None:
        return replace(base, status_known=False)
    number = facts.number
    return replace(
        base, revoked=number in feed["revoked"],
        handed_over=number in feed.get("handed_over", ()),
        enterprise_state=feed["states"].get(facts.enterprise), colour=foreign.colour,
        health_code=HELD if number in feed["holds"] else "green")


def is_stale(feed: dict, now: datetime) -> bool:
    """Older than its own allowed age; exactly max_age_s old is still fresh."""
    generated_at = datetime.fromisoformat(feed["generated_at"])
    return (now - generated_at).total_seconds() > feed["max_age_s"]
