"""Checkpoint registry: created by admins, staffed by officers."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NoReturn

from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, and_, bindparam, select

from audit.service import record
from checkpoints.inputs import NewCheckpoint
from checkpoints.models import Checkpoint, Scan, officer_checkpoints
from checkpoints.scans import LastSeen, latest_elsewhere
from core.access import Actor
from core.auth import Caller
from core.db import db
from core.errors import Forbidden, NotFound, ValidationFailed
from core.prepared import Prepared
from core.unit_of_work import despite_rollback, unit_of_work

UNKNOWN_CHECKPOINT = _l("No open checkpoint with this code.")


class NotAssigned(Forbidden):
    code = "not_assigned"
    message = _l("You are not assigned to this checkpoint.")


@unit_of_work()
def create_checkpoint(new: NewCheckpoint, actor: Actor) -> Checkpoint:
    if find(new.code) is not None:
        raise ValidationFailed({"code": _l("A checkpoint with this code already exists.")})
    checkpoint = Checkpoint(code=new.code, name=new.name, kind=new.kind, area=new.area,
                            latitude=new.latitude, longitude=new.longitude)
    db.session.add(checkpoint)
    record(actor.username, "checkpoint.create", new.code, name=new.name, kind=new.kind,
           area=new.area, latitude=new.latitude, longitude=new.longitude)
    return checkpoint


def find(code: str) -> Checkpoint | None:
    return db.session.scalar(select(Checkpoint).where(Checkpoint.code == code))


def get_checkpoint(code: str) -> Checkpoint:
    checkpoint = find(code)
    if checkpoint is None:
        raise NotFound()
    return checkpoint


def list_checkpoints():
    return select(Checkpoint).order_by(Checkpoint.code)


def is_assigned(checkpoint: Checkpoint, officer: Caller) -> bool:
    return db.session.scalar(
        select(officer_checkpoints.c.user_id).where(
            officer_checkpoints.c.user_id == officer.id,
            officer_checkpoints.c.checkpoint_id == checkpoint.id)
    ) is not None


def check_assigned(checkpoint: Checkpoint, officer: Caller) -> None:
    """Refuse an officer who records at a checkpoint they do not staff; the attempt is audited."""
    if not is_assigned(checkpoint, officer):
        refuse_unassigned(checkpoint, officer)


@dataclass(frozen=True)
class Post:
    """A checkpoint as one verification there needs it: where it is, whether the officer
    staffs it, and where the pass about to be judged was last scanned at another checkpoint
    (a possible copy), read together in one statement of plain rows."""

    id: int
    code: str
    name: str
    area: str
    latitude: float | None
    longitude: float | None
    active: bool
    assigned: bool
    earlier: LastSeen | None


def post(connection: Connection, code: str, officer_id: int, pass_number: str | None,
         now: datetime, horizon: timedelta) -> Post | None:
    """The checkpoint of this code as the officer staffs it, with the pass's last scan
    elsewhere within `horizon` before `now`; None for an unknown code."""
    row = _post().first(connection, {
        "code": code, "officer_id": officer_id, "number": pass_number, "now": now,
        "since": now - horizon})
    if row is None:
        return None
    earlier = None
    if row.earlier_at is not None:
        earlier = LastSeen.between(row.earlier_code, row.earlier_name, row.earlier_area,
                                   row.earlier_at, (row.latitude, row.longitude),
                                   (row.earlier_latitude, row.earlier_longitude))
    return Post(row.id, row.code, row.name, row.area, row.latitude, row.longitude,
                row.active, row.assigned, earlier)


@cache
def _post() -> Prepared:
    """Every verification asks it: compiled once, run on the driver (core.prepared)."""
    checkpoints, scans = Checkpoint.__table__, Scan.__table__
    there = checkpoints.alias("there")
    assignment = and_(officer_checkpoints.c.checkpoint_id == checkpoints.c.id,
                      officer_checkpoints.c.user_id == bindparam("officer_id"))
    latest = latest_elsewhere(checkpoints.c.id).correlate(checkpoints).scalar_subquery()
    return Prepared(
        select(checkpoints.c.id, checkpoints.c.code, checkpoints.c.name, checkpoints.c.area,
               checkpoints.c.latitude, checkpoints.c.longitude, checkpoints.c.active,
               officer_checkpoints.c.user_id.is_not(None).label("assigned"),
               scans.c.scanned_at.label("earlier_at"), there.c.code.label("earlier_code"),
               there.c.name.label("earlier_name"), there.c.area.label("earlier_area"),
               there.c.latitude.label("earlier_latitude"),
               there.c.longitude.label("earlier_longitude"))
        .select_from(checkpoints)
        .outerjoin(officer_checkpoints, assignment)
        .outerjoin(scans, scans.c.id == latest)
        .outerjoin(there, there.c.id == scans.c.checkpoint_id)
        .where(checkpoints.c.code == bindparam("code")))


def refuse_unassigned(checkpoint: Checkpoint | Post, officer: Caller) -> NoReturn:
    """Refuse the officer; the attempt stays in the audit log though the use case rolls back."""
    username, code = officer.username, checkpoint.code
    despite_rollback(lambda: record(username, "checkpoint.refused", code))
    raise NotAssigned()
