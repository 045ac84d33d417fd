"""Signed trust lists: which issuing cities to recognise, signed by a province or the nation.

Pure functions over tokens and keys; storing what was accepted is service.py's business.
"""
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from core import crypto

AREA = re.compile(r"[1-9][0-9]{5}")


class TrustListRefused(Exception):
    """The list does not verify against the anchor, has expired or is malformed."""


@dataclass(frozen=True)
class Issuer:
    area: str
    name: str
    jwks: dict
    feed_url: str


@dataclass(frozen=True)
class TrustListContent:
    issued_at: datetime
    expires_at: datetime
    issuers: tuple[Issuer, ...]


def jwks_keys(jwks: dict) -> dict[str, ec.EllipticCurvePublicKey]:
    """The P-256 keys of a JWK set by kid; ValueError if the set is not one."""
    keys = {}
    for jwk in jwks.get("keys", []) if isinstance(jwks, dict) else []:
        if not (isinstance(jwk, dict) and jwk.get("kty") == "EC" and jwk.get("crv") == "P-256"
                and isinstance(jwk.get("kid"), str)):
            raise ValueError("not a P-256 JWK with a kid")
        keys[jwk["kid"]] = crypto.public_key_from_jwk(jwk)
    if not keys:
        raise ValueError("no keys")
    return keys


def load_anchor(path: str | Path) -> dict[str, ec.EllipticCurvePublicKey]:
    """The trust-list operator's public keys, from the JWK set file LP_TRUST_ANCHOR names."""
    return jwks_keys(json.loads(Path(path).read_text()))


def sign_trust_list(issued_at: datetime, expires_at: datetime, issuers: list[dict],
                    private_key: ec.EllipticCurvePrivateKey, kid: str) -> str:
    """The operator's side: a trust list as a compact JWS."""
    payload = {"issued_at": issued_at.isoformat(timespec="seconds"),
               "expires_at": expires_at.isoformat(timespec="seconds"), "issuers": issuers}
    return crypto.sign(payload, private_key, kid)


def read_trust_list(token: str, anchor: dict[str, ec.EllipticCurvePublicKey],
                    now: datetime) -> TrustListContent:
    """Verify a trust list against the anchor and return what it says."""
    try:
        payload = crypto.verify(token.strip(), anchor, check_time=False)
    except crypto.TokenError as error:
        raise TrustListRefused(f"signature: {error}") from None
    try:
        issued_at, expires_at = (_moment(payload[name]) for name in ("issued_at", "expires_at"))
        issuers = tuple(_issuer(entry) for entry in payload["issuers"])
    except (KeyError, TypeError, ValueError) as error:
        raise TrustListRefused(f"malformed: {error}") from None
    if expires_at <= now:
        raise TrustListRefused(f"expired at {expires_at.isoformat()}")
    if issued_at > now:
        raise TrustListRefused(f"issued in the future ({issued_at.isoformat()})")
    if len({issuer.area for issuer in issuers}) != len(issuers):
        raise TrustListRefused("malformed: an area is listed twice")
    return TrustListContent(issued_at, expires_at, issuers)


def _issuer(entry: dict) -> Issuer:
    area, name, feed_url = entry["area"], entry["name"], entry["feed_url"]
    if not (isinstance(area, str) and AREA.fullmatch(area)):
        raise ValueError(f"area {area!r}")
    if not (isinstance(name, str) and name and isinstance(feed_url, str)
            and feed_url.startswith(("https://", "http://"))):
        raise ValueError(f"issuer {area}: name or feed_url")
    jwks_keys(entry["jwks"])
    return Issuer(area, name, entry["jwks"], feed_url)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no offset")
    return moment
