"""Passwords: changed by their owners, reset by an admin to a temporary one."""
import secrets
import string

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from accounts.inputs import PasswordChange, password_problem
from accounts.models import User
from accounts.service import end_sessions, find_user
from audit.service import record
from core.errors import Conflict, Message, NotFound, ValidationFailed
from core.unit_of_work import unit_of_work

# No 0/O, 1/l/I: a temporary password is read out or copied off a screen.
_TEMPORARY_ALPHABET = "".join(set(string.ascii_letters + string.digits) - set("0O1lI"))


class WrongCurrentPassword(ValidationFailed):
    """A refused change whose current password was wrong: a guess, counted as a failed
    sign-in."""


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _set_password(user: User, password_hash: str) -> None:
    user.password_hash = password_hash
    end_sessions(user)


def change_password(user: User, change: PasswordChange) -> None:
    """The owner's change: the current password, then the new one twice. Every other session
    and API token of the account ends; the caller signs this browser in again."""
    errors: dict[str, Message] = {}
    if not check_password_hash(user.password_hash, change.current):
        errors["current_password"] = _l("This is not your current password.")
    if (problem := password_problem(change.new)) is not None:
        errors["new_password"] = problem
    elif change.new == change.current:
        errors["new_password"] = _l("Choose a password other than the current one.")
    elif change.confirm != change.new:
        errors["confirm_password"] = _l("The two new passwords differ.")
    if "current_password" in errors:
        raise WrongCurrentPassword(errors)
    if errors:
        raise ValidationFailed(errors)
    password_hash = _hash(change.new)  # before the write turn: hashing is slow
    with unit_of_work():
        _set_password(user, password_hash)
        user.must_change_password = False
        record(user.username, "user.password_change", user.username)


def reset_password(username: str, actor_name: str) -> str:
    """An admin's reset: a temporary password, returned once and never stored in clear, that
    must be changed at the next sign-in. Every session and API token of the account ends."""
    user = find_user(username)
    if user is None:
        raise NotFound()
    if user.username == actor_name:
        raise Conflict(_l("Change your own password on your password page."))
    while True:
        temporary = "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(12))
        if password_problem(temporary) is None:
            break
    password_hash = _hash(temporary)
    with unit_of_work():
        _set_password(user, password_hash)
        user.must_change_password = True
        record(actor_name, "user.password_reset", user.username)
    return temporary

