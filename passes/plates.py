"""One vehicle, one live pass (一车一证): a plate's windows never overlap among live passes."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from core.db import db
from core.errors import Conflict
from passes.models import Pass


class PlateTaken(Conflict):
    code = "plate_taken"
    message = _l("This vehicle already has a live pass for an overlapping window.")

    def __init__(self, field: str = "plate"):
        super().__init__(fields={field: _l(
            "This vehicle already has a live pass whose window overlaps this one: one "
            "vehicle, one pass. Revoke or renew that pass instead.")})


def live_passes_for_plate(plate: str, now: datetime) -> Select:
    """A select over the plate's live passes: not revoked, not handed over, not expired.
    The one place that says what "live" means for the plate rule."""
    return select(Pass).where(Pass.plate == plate, Pass.live_at(now),
                              Pass.handed_over_at.is_(None))


def overlapping_pass(plate: str, valid_from: datetime, valid_until: datetime, now: datetime,
                     replacing: Pass | None = None) -> Pass | None:
    """A live pass of the plate whose window overlaps the given one, other than `replacing`."""
    statement = live_passes_for_plate(plate, now).where(
        Pass.valid_from < valid_until, Pass.valid_until > valid_from)
    if replacing is not None:
        statement = statement.where(Pass.id != replacing.id)
    return db.session.scalars(statement.limit(1)).first()


def ensure_plate_free(plate: str | None, valid_from: datetime, valid_until: datetime,
                      now: datetime, replacing: Pass | None = None) -> None:
    """Refuse (409 naming `plate`) a window that overlaps a live pass of the same vehicle."""
    if plate and overlapping_pass(plate, valid_from, valid_until, now, replacing):
        raise PlateTaken()
