"""Signing keys: one signs at a time; old public keys stay published until their passes expire."""
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import cache

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from audit.service import record
from core import crypto, events
from core.db import db, utcnow
from core.errors import Conflict, NotFound
from core.unit_of_work import unit_of_work
from passes.models import Pass, SigningKey


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


def _revocable(kid: str) -> SigningKey:
    key = db.session.get(SigningKey, kid)
    if key is None:
        raise NotFound()
    if key.revoked_at is not None:
        raise Conflict(_l("This key is already revoked."))
    return key


def _unexpired_passes(kid: str, now: datetime) -> Sequence[tuple[str, int]]:
    """(number, enterprise id) of each unexpired, unrevoked pass the key signed."""
    return db.session.execute(
        select(Pass.number, Pass.enterprise_id).where(
            Pass.kid == kid, Pass.revoked_at.is_(None), Pass.valid_until > now)
        .order_by(Pass.number)).all()


def passes_refused_by_revoking(kid: str) -> int:
    """How many unexpired, unrevoked passes the key signed: every checkpoint would refuse them."""
    _revocable(kid)
    return len(_unexpired_passes(kid, utcnow()))


@unit_of_work()
def revoke_key(kid: str, actor: str) -> list[str]:
    """Stop honouring a key at once; return the numbers of its passes to re-issue.

    Revoking the key that signs now publishes the next one at once, so that checkpoints
    and other verifiers have it before the first pass it signs. Each enterprise with live
    passes under the key is told (events.passes_refused).
    """
    key = _revocable(kid)
    was_signing = key.retired_at is None
    key.revoked_at = key.retired_at = utcnow()
    affected = _unexpired_passes(kid, key.revoked_at)
    by_enterprise = defaultdict(list)
    for number, enterprise_id in affected:
        by_enterprise[enterprise_id].append(number)
    for enterprise_id, numbers in by_enterprise.items():
        events.passes_refused.send(enterprise_id, cause="key_revoked", numbers=numbers)
    record(actor, "key.revoke", kid, passes_to_reissue=len(affected))
    if was_signing:
        create_key(actor)
    return [number for number, _ in affected]


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
