"""Signing keys: one signs at a time; old public keys stay published until their passes expire."""
from collections.abc import Sequence
from datetime import datetime
from functools import cache

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import and_, or_, select

from audit.service import record
from core import crypto
from core.db import db, utcnow
from core.unit_of_work import unit_of_work
from passtokens.models import SigningKey


def _secret() -> bytes:
    return current_app.config["KEY_ENCRYPTION_SECRET"].encode()


@unit_of_work()
def create_key(actor: str) -> SigningKey:
    """Add a key that signs from now on; the previous one is retired but stays published."""
    private = crypto.generate_private_key()
    kid = crypto.new_kid()
    while db.session.get(SigningKey, kid) is not None:  # short ids: a clash is possible
        kid = crypto.new_kid()
    key = SigningKey(kid=kid, private_key=crypto.encrypt_private_key(private, _secret()),
                     public_jwk=crypto.public_jwk(private.public_key(), kid))
    now = utcnow()
    for previous in db.session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))):
        previous.retired_at = now
    db.session.add(key)
    record(actor, "key.rotate", kid)
    return key


def signing_key() -> SigningKey:
    """The key that signs new passes, made on first use."""
    key = db.session.scalar(
        select(SigningKey).where(SigningKey.retired_at.is_(None), SigningKey.revoked_at.is_(None))
        .order_by(SigningKey.created_at.desc()).limit(1)
    )
    return key if key is not None else create_key("system")


def private_key(key: SigningKey) -> ec.EllipticCurvePrivateKey:
    return _decrypted(key.kid, key.private_key, _secret())


@cache
def _decrypted(kid: str, blob: bytes, secret: bytes) -> ec.EllipticCurvePrivateKey:
    return crypto.decrypt_private_key(blob, secret)


def is_published(now):
    """SQL: the key is one a verifier needs: the signing one or one with unexpired passes,
    and not revoked. `now` is a datetime or a bound parameter."""
    columns = SigningKey.__table__.c
    return and_(columns.revoked_at.is_(None),
                or_(columns.retired_at.is_(None), columns.last_pass_expires_at > now))


def published_keys(now: datetime | None = None) -> Sequence[SigningKey]:
    return db.session.scalars(
        select(SigningKey).where(is_published(now or utcnow())).order_by(SigningKey.created_at)
    ).all()


def jwks(now: datetime | None = None) -> dict:
    return {"keys": [key.public_jwk for key in published_keys(now)]}


def verification_keys(now: datetime | None = None) -> dict[str, ec.EllipticCurvePublicKey]:
    return {key.kid: public_key(key.public_jwk) for key in published_keys(now)}


def public_key(jwk: dict) -> ec.EllipticCurvePublicKey:
    return _public(jwk["x"], jwk["y"])


@cache
def _public(x: str, y: str) -> ec.EllipticCurvePublicKey:
    return crypto.public_key_from_jwk({"kty": "EC", "crv": "P-256", "x": x, "y": y})


def revoked_kids() -> Sequence[str]:
    return db.session.scalars(
        select(SigningKey.kid).where(SigningKey.revoked_at.is_not(None)).order_by(SigningKey.kid)
    ).all()


def all_keys() -> Sequence[SigningKey]:
    return db.session.scalars(select(SigningKey).order_by(SigningKey.created_at)).all()
