"""Reading a scanned QR text: its token's verified facts, or why it cannot be read."""
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec

from core import crypto
from passtokens import keys, qr
from passtokens.tokens import MalformedClaims, PassFacts

# A QR symbol holds at most 7,089 digits; anything longer was never read from one.
MAX_QR_TEXT = 7089 + len(qr.QR_PREFIX)


@dataclass
class Reading:
    """What the token alone says: its verified facts, or the reason it cannot be read."""

    jws: str | None = None
    facts: PassFacts | None = None
    reasons: list[str] = field(default_factory=list)


def read_pass(qr_text: str, now: datetime,
              verification_keys: dict[str, ec.EllipticCurvePublicKey] | None = None) -> Reading:
    """Decode and verify a QR text; a late or early pass still yields its facts.

    Without verification_keys, every published key is tried.
    """
    try:
        jws = jws_of(qr_text)
    except qr.BadQrText:
        return Reading(reasons=["malformed"])
    return read_jws(jws, now, verification_keys)


def read_jws(jws: str, now: datetime,
             verification_keys: dict[str, ec.EllipticCurvePublicKey] | None = None) -> Reading:
    if verification_keys is None:
        verification_keys = keys.verification_keys(now)
    time_reasons = []
    try:
        claims = crypto.verify(jws, verification_keys, now=int(now.timestamp()), deflate=True)
    except crypto.TokenExpired as late:
        claims, time_reasons = late.claims, ["expired"]
    except crypto.TokenNotYetValid as early:
        claims, time_reasons = early.claims, ["not_yet_valid"]
    except crypto.UnknownKey:
        # Revoked keys leave the JWKS, so they look unknown until we ask why.
        revoked = crypto.read_header(jws).get("kid") in keys.revoked_kids()
        return Reading(reasons=["key_revoked" if revoked else "unknown_key"])
    except crypto.BadSignature:
        return Reading(reasons=["bad_signature"])
    except crypto.MalformedToken:
        return Reading(reasons=["malformed"])
    try:
        facts = PassFacts.from_claims(claims)
    except MalformedClaims:
        return Reading(reasons=["malformed"])
    return Reading(jws, facts, time_reasons)


def token_in(qr_text: str) -> str | None:
    """The token a QR text holds; None if it holds none (judged malformed)."""
    try:
        return jws_of(qr_text)
    except qr.BadQrText:
        return None


def jws_of(qr_text: str) -> str:
    if len(qr_text) > MAX_QR_TEXT:
        raise qr.BadQrText("longer than any QR symbol holds")
    return qr.from_qr_text(qr_text)
