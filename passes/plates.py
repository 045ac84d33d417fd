"""One vehicle, one live pass (一车一证): a plate's windows never overlap among live passes."""
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select

from core.db import UTCDateTime, db
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


def ensure_plate_free(plate: str | None, valid_from: datetime, valid_until: datetime,
                      now: datetime, replacing: Pass | None = None) -> None:
    """Refuse (409 naming `plate`) a window that overlaps a live pass of the same vehicle,
    other than the one `replacing`."""
    if not plate:
        return
    # Through the session, so that passes this transaction has yet to flush (a bulk batch's
    # earlier rows) count too.
    overlapping = db.session.scalar(_overlapping(replacing is not None), {
        "plate": plate, "now": now, "valid_from": valid_from, "valid_until": valid_until,
        "replacing": replacing.id if replacing else None})
    if overlapping is not None:
        raise PlateTaken()


@cache
def _overlapping(replacing: bool) -> Select:
    """Built once: every issue asks while it holds the serial's lock."""
    # The rule is written for a plate and a time; here they are parameters bound per call.
    plate: Any = bindparam("plate")
    now: Any = bindparam("now", type_=UTCDateTime)
    statement = (live_passes_for_plate(plate, now)
                 .with_only_columns(Pass.id)
                 .where(Pass.valid_from < bindparam("valid_until", type_=UTCDateTime),
                        Pass.valid_until > bindparam("valid_from", type_=UTCDateTime)))
    if replacing:
        statement = statement.where(Pass.id != bindparam("replacing"))
    return statement.limit(1)
