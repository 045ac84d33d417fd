"""The holder links of a confirmed bulk batch as CSV, so the clerk can send them all at once."""
import io
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import select

from bulk.models import BulkBatch
from core.db import db
from core.errors import Conflict
from core.i18n import local_zone
from core.spreadsheet import csv_writer
from passes.models import Pass
from passes.sms import holder_url


class BatchNotConfirmed(Conflict):
    code = "batch_not_confirmed"


def links_csv(batch: BulkBatch) -> bytes:
    """One row per pass the batch issued: plate, masked name, phone, number, window, link."""
    if batch.status != "confirmed":
        raise BatchNotConfirmed(_("Confirm the file first: it has issued no pass yet."))
    zone = local_zone()
    passes = db.session.scalars(select(Pass).where(Pass.number.in_(batch.pass_numbers))
                                .order_by(Pass.number)).all()
    header = [_("Plate"), _("Holder"), _("Phone"), _("Pass number"),
              _("Valid from (Beijing time)"), _("Valid until (Beijing time)"), _("Holder link")]
    rows = [[pass_.plate or "", pass_.holder_name, pass_.person.phone, pass_.number,
             pass_.valid_from.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
             pass_.valid_until.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
             holder_url(pass_)] for pass_ in passes]
    return _write_csv([header, *rows])


def _write_csv(rows: Sequence[Sequence[str | None]]) -> bytes:
    # Names and plates come from an uploaded file: cells that look like formulas are defused.
    out = io.StringIO()
    csv_writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")
