"""A new account, read from the admin form or the command line, and an owner's password
change, read from its form, into typed values."""
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from accounts.models import ROLES
from core.errors import Message
from core.validation import Fields


@dataclass(frozen=True)
class NewAccount:
    username: str
    role: str
    password: str
    enterprise: str | None = None  # an enterprise clerk's credit code, upper case
    checkpoints: tuple[str, ...] = ()  # the codes of the checkpoints an officer staffs


def password_problem(password: object):
    """Why a password is too weak, or None."""
    if not isinstance(password, str) or len(password) < 8:
        return _l("At least 8 characters.")
    if password.isdigit() or password.isalpha():
        return _l("Mix letters with digits or symbols.")
    return None


def read_account(data: Mapping, errors: dict[str, Message] | None = None) -> NewAccount:
    """Every field of a new account checked at once, refused together with the `errors`
    already found in it (checkpoints.staffing.read_staff_account); whether the username is
    free and the enterprise exists is accounts.service.create_user's to say."""
    fields = Fields(data, errors=errors)
    username = fields.text("username", max_length=64)
    role = fields.choice("role", ROLES)
    password = data.get("password")
    if (problem := password_problem(password)) is not None:
        fields.error("password", problem)
    enterprise = fields.text("enterprise", required=False)
    checkpoints = data.get("checkpoints") or []
    if not isinstance(checkpoints, list) or not all(isinstance(c, str) for c in checkpoints):
        fields.error("checkpoints", _l("Must be a list of codes."))
    fields.raise_if_invalid()
    assert username and role and isinstance(password, str)  # nothing was refused
    return NewAccount(username=username, role=role, password=password,
                      enterprise=enterprise.upper() if enterprise else None,
                      checkpoints=tuple(checkpoints))


@dataclass(frozen=True)
class PasswordChange:
    """An owner's password change as typed; accounts.passwords.change_password judges the
    current password before the new one."""

    current: str = field(repr=False)
    new: str = field(repr=False)
    confirm: str = field(repr=False)


def read_password_change(data: Mapping) -> PasswordChange:
    """The three inputs as typed, never trimmed; one missing or not text reads as empty, which
    is no one's password and too short to be a new one."""

    def typed(name: str) -> str:
        value = data.get(name)
        return value if isinstance(value, str) else ""

    return PasswordChange(current=typed("current_password"), new=typed("new_password"),
                          confirm=typed("confirm_password"))
