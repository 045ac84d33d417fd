"""What a pass signs (shared/CONTRACT.md, "The QR text") and how it is read back."""
from dataclasses import dataclass
from datetime import UTC, datetime

from core import crypto
from passes import keys, qr
from passes.models import Pass, SigningKey

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
    pass_.kid = key.kid
    pass_.token = crypto.sign(claims_for(pass_, cargo_position), keys.private_key(key), key.kid,
                              deflate=True)
    if key.last_pass_expires_at is None or key.last_pass_expires_at < pass_.valid_until:
        key.last_pass_expires_at = pass_.valid_until
    return pass_.token


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
    def from_claims(cls, claims: dict) -> "PassFacts":
        """Raises KeyError, TypeError or ValueError on claims that do not fit the contract."""
        return cls(
            number=str(claims["jti"]),
            kind=KIND_NAMES[claims["k"]],
            enterprise=str(claims["e"]),
            holder_name=str(claims["n"]),
            id_last4=str(claims["i"]),
            plate=_optional(claims, "p", str),
            cargo_position=_optional(claims, "c", int),
            origin=_county(claims["o"]),
            destination=_county(claims["d"]),
            valid_from=_utc(claims["nbf"]),
            valid_until=_utc(claims["exp"]),
            test_sampled_at=_utc(claims["t"]),
        )


def _integer(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer claim")
    return value


def _optional(claims: dict, name: str, kind: type):
    value = claims.get(name)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise TypeError(f"claim {name} is not a {kind.__name__}")
    return value


def _county(code) -> str:
    if not 0 < _integer(code) < 1_000_000:
        raise ValueError("county codes have six digits")
    return f"{code:06d}"


def _utc(seconds) -> datetime:
    try:
        return datetime.fromtimestamp(_integer(seconds), UTC)
    except (OverflowError, OSError) as error:  # beyond the calendar or the platform's time_t
        raise ValueError("time claim out of range") from error
