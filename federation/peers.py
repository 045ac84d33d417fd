"""The other issuers as the offline bundle carries them: keys and feed summary of each."""
from sqlalchemy import select

from core.db import db
from federation.models import IssuerFeed, TrustedIssuer

# What a checkpoint page needs of a feed to judge that issuer's passes as the server does.
SUMMARY_FIELDS = ("generated_at", "max_age_s", "colours", "states", "revoked", "revoked_kids",
                  "holds", "routes", "handed_over")


def bundle_issuers(own_area: str) -> dict[str, dict]:
    """Each other issuer on the trust list in force, by area: its name, JWK set and its latest
    feed's facts (None before the first sync)."""
    feeds = {feed.area: feed.payload for feed in db.session.scalars(select(IssuerFeed))}
    issuers = {}
    for issuer in db.session.scalars(select(TrustedIssuer).order_by(TrustedIssuer.area)):
        if issuer.area == own_area:
            continue
        feed = feeds.get(issuer.area)
        summary = {name: feed[name] for name in SUMMARY_FIELDS if name in feed} if feed else None
        issuers[issuer.area] = {"name": issuer.name, "jwks": issuer.jwks, "feed": summary}
    return issuers
