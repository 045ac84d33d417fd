"""Accounts: creation, password checks and API bearer tokens."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import defaultload
from werkzeug.security import check_password_hash, generate_password_hash

from accounts import callers
from accounts.callers import Caller
from accounts.inputs import NewAccount
from accounts.models import ApiToken, User, fold_username
from audit.service import record
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Message, NotFound, ValidationFailed
from core.unit_of_work import unit_of_work
from core.validation import storable
from whitelist.models import Enterprise

if TYPE_CHECKING:  # assignment to checkpoints is checkpoints.staffing's
    from checkpoints.models import Checkpoint

# Checked against when the account does not exist, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not a real password")


class BadCredentials(DomainError):
    status = 401
    code = "bad_credentials"
    message = _l("Wrong username or password.")


@unit_of_work()
def create_user(account: NewAccount, actor_name: str, *, errors: dict[str, Message] | None = None,
                checkpoints: Sequence[Checkpoint] = ()) -> User:
    """Add an account; enterprise clerks may be tied to an enterprise. Officers' checkpoints
    are named by checkpoints.staffing.create_account, with `errors` already found in them."""
    errors = {} if errors is None else errors
    if find_user(account.username) is not None:
        errors["username"] = _l("This username is taken.")
    enterprise = None
    if account.enterprise:
        enterprise = db.session.scalar(select(Enterprise)
                                       .where(Enterprise.code == account.enterprise))
        if enterprise is None:
            errors["enterprise"] = _l("No enterprise with this code.")
        elif account.role != "enterprise":
            errors["enterprise"] = _l("Only enterprise accounts belong to an enterprise.")
    if errors:
        raise ValidationFailed(errors)

    method = current_app.config["PASSWORD_HASH_METHOD"]
    user = User(username=account.username, role=account.role, enterprise=enterprise,
                password_hash=generate_password_hash(account.password, method=method))
    user.checkpoints = list(checkpoints)
    db.session.add(user)
    record(actor_name, "user.create", account.username, role=account.role,
           enterprise=enterprise.code if enterprise else None,
           checkpoints=[c.code for c in checkpoints])
    return user


@unit_of_work()
def set_active(username: str, active: bool, actor_name: str) -> User:
    """Allow or stop an account's sign-in; its bearer tokens stop working with it."""
    user = find_user(username)
    if user is None:
        raise NotFound()
    if user.username == actor_name:
        raise Conflict(_l("You cannot deactivate your own account."))
    user.active = active
    if not active:
        end_sessions(user)
    record(actor_name, "user.activate" if active else "user.deactivate", user.username)
    return user


def find_user(username: str) -> User | None:
    """The account of this name, whatever the case it is typed in."""
    return db.session.scalar(select(User).where(User.username_key == fold_username(username)))


def authenticate(username: str | None, password: str | None) -> User:
    """The active user with these credentials, or BadCredentials (same for unknown users)."""
    user = find_user(username) if isinstance(username, str) and storable(username) else None
    if not isinstance(password, str):
        password = ""
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        raise BadCredentials()
    if not check_password_hash(user.password_hash, password):
        raise BadCredentials()
    with unit_of_work():  # after the password check: hashing holds no write turn
        user.last_login_at = utcnow()
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@unit_of_work()
def issue_token(user: User, ttl_seconds: int) -> str:
    """A new bearer token for the user; only its digest is kept."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(token_hash=token_digest(token), user=user,
                            session_generation=user.session_generation,
                            expires_at=utcnow() + timedelta(seconds=ttl_seconds)))
    return token


@cache
def user_load_options() -> tuple:
    """Whoever calls is loaded on every request: with the enterprise (joined), but not the
    enterprise's categories, which few views need (they load when asked). Built on first use:
    the mappers are complete only once every package's models are imported."""
    return (defaultload(User.enterprise).lazyload(Enterprise.categories),)


def user_for_token(token: str) -> User | None:
    """The user a live token belongs to, or None."""
    return db.session.scalar(_user_for_token(), {"digest": token_digest(token), "now": utcnow()})


def caller_for_token(token: str) -> Caller | None:
    """Who holds a live token, from a cache at most callers.CACHE_SECONDS stale."""
    return callers.caller_for_token(token_digest(token))


@cache
def _user_for_token():
    """Built once: every API call asks it."""
    return callers.live_token(User).options(*user_load_options())


@unit_of_work()
def revoke_token(token: str) -> None:
    found = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if found is not None and found.revoked_at is None:
        found.revoked_at = utcnow()


def end_sessions(user: User) -> None:
    """End every session cookie and bearer token of the account, wherever they are."""
    # In SQL, so that two concurrent ends both count; the caller commits.
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_generation=User.session_generation + 1))
    db.session.refresh(user)


@unit_of_work()
def sign_out(user: User) -> None:
    """Sign the account out everywhere: this browser, its others and its API tokens."""
    end_sessions(user)
    record(user.username, "user.logout", user.username)
