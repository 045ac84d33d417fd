"""Checkpoint registry: created by admins, staffed by officers."""
from collections.abc import Mapping
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, and_, bindparam, select

from audit.service import record
from checkpoints.models import KINDS, Checkpoint, officer_checkpoints
from core.access import Actor
from core.db import db
from core.errors import Forbidden, NotFound
from core.unit_of_work import despite_rollback, unit_of_work
from core.validation import Fields

UNKNOWN_CHECKPOINT = _l("No open checkpoint with this code.")


class NotAssigned(Forbidden):
    code = "not_assigned"
    message = _l("You are not assigned to this checkpoint.")


@unit_of_work()
def create_checkpoint(data: Mapping, actor: Actor) -> Checkpoint:
    fields = Fields(data)
    code = fields.text("code", max_length=32, check=_is_code,
                       invalid=_l("Use letters, digits, '-' or '_'."))
    name = fields.text("name", max_length=100)
    kind = fields.choice("kind", KINDS)
    area = fields.county("area")
    latitude = _coordinate(fields, "latitude", 90)
    longitude = _coordinate(fields, "longitude", 180)
    if (latitude is None) != (longitude is None) and fields.ok("latitude"):
        fields.error("latitude" if latitude is None else "longitude",
                     _l("Give both coordinates or neither."))
    if code and find(code) is not None:
        fields.error("code", _l("A checkpoint with this code already exists."))
    fields.raise_if_invalid()
    assert code is not None  # required, and nothing was refused
    checkpoint = Checkpoint(code=code, name=name, kind=kind, area=area, latitude=latitude,
                            longitude=longitude)
    db.session.add(checkpoint)
    record(actor.username, "checkpoint.create", code, name=name, kind=kind, area=area,
           latitude=latitude, longitude=longitude)
    return checkpoint


def _coordinate(fields: Fields, name: str, limit: int) -> float | None:
    """An optional latitude or longitude in degrees (WGS 84)."""
    value = fields.data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            value = None
    if (not isinstance(value, int | float) or isinstance(value, bool) or value != value
            or not -limit <= value <= limit):
        fields.error(name, _l("Must be a number of degrees between -%(limit)d and %(limit)d.",
                              limit=limit))
        return None
    return float(value)


def _is_code(text: str) -> bool:
    return text.replace("-", "").replace("_", "").isalnum() and text.isascii()


def find(code: str) -> Checkpoint | None:
    return db.session.scalar(select(Checkpoint).where(Checkpoint.code == code))


def get_checkpoint(code: str) -> Checkpoint:
    checkpoint = find(code)
    if checkpoint is None:
        raise NotFound()
    return checkpoint


def list_checkpoints():
    return select(Checkpoint).order_by(Checkpoint.code)


def is_assigned(checkpoint: Checkpoint, officer) -> bool:
    return db.session.scalar(
        select(officer_checkpoints.c.user_id).where(
            officer_checkpoints.c.user_id == officer.id,
            officer_checkpoints.c.checkpoint_id == checkpoint.id)
    ) is not None


def check_assigned(checkpoint: Checkpoint, officer) -> None:
    """Refuse an officer who records at a checkpoint they do not staff; the attempt is audited."""
    if not is_assigned(checkpoint, officer):
        refuse_unassigned(checkpoint, officer)


def staffing(code: str, officer) -> Row | None:
    """The checkpoint's id, code, name, county, coordinates and active flag, and whether the
    officer staffs it (`assigned`), in one query; None for an unknown code."""
    return db.session.connection().execute(
        _staffing(), {"code": code, "officer_id": officer.id}).first()


@cache
def _staffing():
    """Built once: every verification asks it."""
    checkpoints = Checkpoint.__table__
    assignment = and_(officer_checkpoints.c.checkpoint_id == checkpoints.c.id,
                      officer_checkpoints.c.user_id == bindparam("officer_id"))
    return (select(checkpoints.c.id, checkpoints.c.code, checkpoints.c.name,
                   checkpoints.c.area, checkpoints.c.latitude, checkpoints.c.longitude,
                   checkpoints.c.active,
                   officer_checkpoints.c.user_id.is_not(None).label("assigned"))
            .outerjoin(officer_checkpoints, assignment)
            .where(checkpoints.c.code == bindparam("code")))


def refuse_unassigned(checkpoint: Checkpoint | Row, officer) -> None:
    """Refuse the officer; the attempt stays in the audit log though the use case rolls back."""
    username, code = officer.username, checkpoint.code
    despite_rollback(lambda: record(username, "checkpoint.refused", code))
    raise NotAssigned()
