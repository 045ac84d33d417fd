"""Who calls the verify API, without a database round trip on every scan.

A checkpoint sends a verify for every truck with the same bearer token, so the hot path
keeps what the token says (the officer's id, name and role) in a short per-process cache
instead of loading the ORM user each time. The bound is what makes this safe: a token
revoked, or an account deactivated or signed out, is refused by every worker and instance
once its entry is older than CACHE_SECONDS (tests/integration/test_caller_cache.py). Only
live tokens are kept, so an unknown token is asked of the database every time.
"""
import time
from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import Select, bindparam, select

from accounts.models import ApiToken, User
from core.db import UTCDateTime, autocommit_reads, utcnow

CACHE_SECONDS = 1.0
# Entries older than the bound are dropped when the cache grows past this many.
PRUNE_AT = 10_000


@dataclass(frozen=True)
class Caller:
    """An API caller as the verify path needs them: no enterprise, no checkpoints."""

    id: int
    username: str
    role: str


def caller_for_token(digest: str) -> Caller | None:
    """The caller of a live token (by its SHA-256 digest), at most CACHE_SECONDS stale."""
    cached = _cache().get(digest)
    now = time.monotonic()
    if cached is not None and now - cached[1] < CACHE_SECONDS:
        return cached[0]
    # Not on the session: the verify path never opens one (checkpoints/verify.py).
    with autocommit_reads() as connection:
        row = connection.execute(_live_token(), {"digest": digest, "now": utcnow()}).first()
    if row is None:
        _cache().pop(digest, None)
        return None
    caller = Caller(row.id, row.username, row.role)
    _remember(digest, caller, now)
    return caller


def _cache() -> dict[str, tuple[Caller, float]]:
    """One per app: two apps in one process are two instances, each with its own cache."""
    return current_app.extensions.setdefault("callers", {})


def _remember(digest: str, caller: Caller, now: float) -> None:
    entries = _cache()
    if len(entries) >= PRUNE_AT:
        for stale in [key for key, (_, at) in list(entries.items())
                      if now - at >= CACHE_SECONDS]:
            entries.pop(stale, None)
    entries[digest] = (caller, now)


def live_token(*columns) -> Select:
    """Select columns of the user whose token (bound as `digest`) is live at `now`: not
    revoked or expired, the account active, its sessions not ended since it was issued."""
    return (
        select(*columns)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None),
               ApiToken.expires_at > bindparam("now", type_=UTCDateTime), User.active,
               ApiToken.session_generation == User.session_generation)
    )


@cache
def _live_token():
    """Built once: plain columns, no ORM user."""
    return live_token(User.id, User.username, User.role)
