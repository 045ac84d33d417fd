"""Checkpoint registry: created by admins, staffed by officers."""
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from audit.service import record
from checkpoints.models import KINDS, Checkpoint
from core.db import db
from core.divisions import default_divisions
from core.errors import NotFound
from core.validation import Fields


def create_checkpoint(data: Mapping, actor) -> Checkpoint:
    fields = Fields(data)
    code = fields.text("code", max_length=32, check=_is_code,
                       invalid=_l("Use letters, digits, '-' or '_'."))
    name = fields.text("name", max_length=100)
    kind = fields.choice("kind", KINDS)
    area = fields.text("area", max_length=6, check=default_divisions().is_county,
                       invalid=_l("Not a known county-level division code."))
    if code and find(code) is not None:
        fields.error("code", _l("A checkpoint with this code already exists."))
    fields.raise_if_invalid()
    checkpoint = Checkpoint(code=code, name=name, kind=kind, area=area)
    db.session.add(checkpoint)
    record(actor.username, "checkpoint.create", code, name=name, kind=kind, area=area)
    db.session.commit()
    return checkpoint


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
