"""What a pass signs (shared/CONTRACT.md, "The QR text") and how it is read back."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Update, bindparam, or_, update

from core import crypto
from core.db import UTCDateTime, db
from passtokens import keys, qr
from passtokens.models import SigningKey, signing_keys_table

if TYPE_CHECKING:  # a pass is signed, but this package depends on no pass code
    from passes.models import Pass

KIND_CODES = {"vehicle": 1, "personnel": 2}
KIND_NAMES = {code: name for name, code in KIND_CODES.items()}


def claims_for(pass_: Pass, cargo_position: int | None) -> dict:
    """The signed facts: only what does not change, in short names and integer codes."""
    claims = {
        "jti": pass_.number,
        "nbf": int(pass_.valid_from.timestamp()),
        "exp": int(pass_.valid_until.timestamp()),
        "k": KIND_CODES[pass_.kind],
        "e": pass_.enterprise.code,
        "n": pass_.holder_name,
        "i": pass_.id_last4,
        "t": int(pass_.test_sampled_at.timestamp()),
        "o": int(pass_.origin),
        "d": int(pass_.destination),
    }
    if pass_.kind == "vehicle":
        claims |= {"p": pass_.plate, "c": cargo_position}
    return claims


def sign_pass(pass_: Pass, cargo_position: int | None, key: SigningKey | None = None) -> str:
    """Sign with the current key; record which key and how long it must stay published."""
    key = key or keys.signing_key()
    pass_.kid, pass_.key = key.kid, key  # the key at hand: the answer asks if it is revoked
    pass_.token = crypto.sign(claims_for(pass_, cargo_position), keys.private_key(key), key.kid,
                              deflate=True)
    _keep_published_until(key, pass_.valid_until)
    return pass_.token


def _keep_published_until(key: SigningKey, valid_until: datetime) -> None:
    """Move the key's last expiry later, never earlier: in the database, not from the copy
    loaded before the issue's locks, which a concurrent issue may have moved on since (the
    key would then leave the JWKS while a pass it signed is still valid)."""
    db.session.execute(_extend_publication(), {"key_id": key.kid, "valid_until": valid_until})
    db.session.expire(key, ["last_pass_expires_at"])


@cache
def _extend_publication() -> Update:
    """Built once, on the table: every issue runs it."""
    columns = signing_keys_table.c
    valid_until = bindparam("valid_until", type_=UTCDateTime)
    return (update(signing_keys_table)
            .where(columns.kid == bindparam("key_id"),
                   or_(columns.last_pass_expires_at.is_(None),
                       columns.last_pass_expires_at < valid_until))
            .values(last_pass_expires_at=valid_until))


def qr_text(pass_: Pass) -> str:
    return qr.to_qr_text(pass_.token)


@dataclass(frozen=True)
class PassFacts:
    """The facts read from a verified token, for the officer to compare."""

    number: str
    kind: str
    enterprise: str
    holder_name: str
    id_last4: str
    plate: str | None
    cargo_position: int | None
    origin: str
    destination: str
    valid_from: datetime
    valid_until: datetime
    test_sampled_at: datetime

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> PassFacts:
        """The facts of verified claims; raises MalformedClaims when they do not fit."""
        check_claims(claims)
        return cls(
            number=claims["jti"],
            kind=KIND_NAMES[claims["k"]],
            enterprise=claims["e"],
            holder_name=claims["n"],
            id_last4=claims["i"],
            plate=claims.get("p"),
            cargo_position=_int_or_none(claims.get("c")),
            origin=f"{int(claims['o']):06d}",
            destination=f"{int(claims['d']):06d}",
            valid_from=_utc(claims["nbf"]),
            valid_until=_utc(claims["exp"]),
            test_sampled_at=_utc(claims["t"]),
        )


class MalformedClaims(ValueError):
    """Genuinely signed claims that do not fit the contract: the token is malformed."""


# The one definition of well-formed pass claims (shared/CONTRACT.md, "The QR text";
# conformance/README.md lists them). Its twin is checkClaims in static/js/scan/rules.js:
# the same checks in the same order, so both rule engines refuse the same tokens. Change both.
PASS_NUMBER = re.compile(r"[0-9]{12}")  # the issuer's area (6 digits), then a serial (6)
LATEST_TIME_S = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime holds
MAX_SAFE_INTEGER = 2**53 - 1  # beyond it JavaScript reads a JSON number inexactly
_ABSENT = object()


def check_claims(claims: Mapping[str, Any]) -> None:
    """Raise MalformedClaims naming the first claim that does not fit the contract."""
    _require(claims, "jti", _is_pass_number)
    for name in ("nbf", "exp", "t"):
        _require(claims, name, _is_time)
    _require(claims, "k", _is_kind)
    for name in ("e", "n", "i"):
        _require(claims, name, _is_text)
    vehicle = claims["k"] == KIND_CODES["vehicle"]
    _require(claims, "p", _is_text if vehicle else _is_absent)
    _require(claims, "c", _is_cargo if vehicle else _is_absent)
    for name in ("o", "d"):
        _require(claims, name, _is_county)


def _require(claims: Mapping[str, Any], name: str, fits: Callable[[Any], bool]) -> None:
    if not fits(claims.get(name, _ABSENT)):
        raise MalformedClaims(f"claim {name} does not fit the contract")


def _is_integer(value: Any, low: int, high: int) -> bool:
    """An integral JSON number from low to high. 7.0 counts as 7: JavaScript's JSON.parse
    cannot tell them apart, so neither may this."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return low <= value <= high and value == int(value)  # NaN and infinities fail the range


def _is_pass_number(value: Any) -> bool:
    return isinstance(value, str) and PASS_NUMBER.fullmatch(value) is not None


def _is_time(value: Any) -> bool:
    return _is_integer(value, 0, LATEST_TIME_S)


def _is_kind(value: Any) -> bool:
    return _is_integer(value, min(KIND_NAMES), max(KIND_NAMES))


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_absent(value: Any) -> bool:
    return value is _ABSENT


def _is_cargo(value: Any) -> bool:
    return _is_integer(value, 1, MAX_SAFE_INTEGER)


def _is_county(value: Any) -> bool:
    return _is_integer(value, 1, 999_999)  # six digits, leading zeros and all


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)
