"""The authority's changes to the registry: a checkpoint's details, and who staffs what."""
from collections.abc import Mapping
from dataclasses import asdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.inputs import NewAccount, read_account
from accounts.models import User
from accounts.service import create_user
from audit.service import record
from checkpoints.inputs import CheckpointDetails
from checkpoints.models import Checkpoint
from checkpoints.service import find, get_checkpoint
from core.access import Actor
from core.db import db
from core.errors import Message, NotFound, ValidationFailed
from core.unit_of_work import unit_of_work

EDITABLE = ("name", "kind", "area", "active")  # the fields of CheckpointDetails


@unit_of_work()
def update_checkpoint(code: str, details: CheckpointDetails, actor: Actor) -> Checkpoint:
    """Change a checkpoint's name, kind, area or whether it is in use; its code stays."""
    checkpoint = get_checkpoint(code)
    changed = {name: value for name, value in asdict(details).items()
               if getattr(checkpoint, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(checkpoint, name, value)
        record(actor.username, "checkpoint.update", code, **changed)
    return checkpoint


def read_staff_account(data: Mapping) -> NewAccount:
    """A new account (accounts.inputs.read_account) whose checkpoints, for an officer, are
    open to staff: all refused together."""
    errors: dict[str, Message] = {}
    codes = data.get("checkpoints") or []
    if isinstance(codes, list):
        for code in codes:
            if isinstance(code, str) and find(code) is None:
                errors.setdefault("checkpoints",
                                  _l("No checkpoint with code %(code)s.", code=code))
        if codes and "checkpoints" not in errors and data.get("role") != "officer":
            errors["checkpoints"] = _l("Only officers are assigned to checkpoints.")
    return read_account(data, errors)


@unit_of_work()
def create_account(account: NewAccount, actor_name: str) -> User:
    """Add an account (accounts.service.create_user) with the checkpoints an officer staffs."""
    checkpoints = [get_checkpoint(code) for code in account.checkpoints]
    return create_user(account, actor_name, checkpoints=checkpoints)


def get_officer(username: str) -> User:
    officer = db.session.scalar(select(User).where(User.username == username))
    if officer is None or officer.role != "officer":
        raise NotFound()
    return officer


@unit_of_work()
def assign_checkpoints(username: str, codes: list[str], actor: Actor) -> User:
    """Set exactly which checkpoints an officer staffs (none is allowed: off duty)."""
    officer = get_officer(username)
    wanted = db.session.scalars(select(Checkpoint).where(Checkpoint.code.in_(codes))).all()
    unknown = set(codes) - {checkpoint.code for checkpoint in wanted}
    if unknown:
        raise ValidationFailed({"checkpoints": _l("No checkpoint with code %(code)s.",
                                                  code=", ".join(sorted(unknown)))})
    before = {checkpoint.code for checkpoint in officer.checkpoints}
    after = {checkpoint.code for checkpoint in wanted}
    if before != after:
        officer.checkpoints = sorted(wanted, key=lambda checkpoint: checkpoint.code)
        record(actor.username, "officer.checkpoints", username, checkpoints=sorted(after),
               added=sorted(after - before), removed=sorted(before - after))
    return officer
