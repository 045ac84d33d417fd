"""Bulk batches: checking an uploaded file, and turning its valid rows into passes on confirmation.

Idempotent twice over: a file is stored once per enterprise and content hash, and a row
already issued by any confirmed batch of the enterprise is never issued again.
"""
import hashlib
import io
from collections.abc import Sequence
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from audit.service import record
from bulk.files import read_table, template_csv, template_xlsx
from bulk.models import BulkBatch, CheckedRow
from bulk.rows import check_rows, example_rows, report_rows, template_notes
from core import access
from core.access import Actor
from core.db import db, rows_changed, utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.spreadsheet import csv_writer
from core.unit_of_work import unit_of_work
from passes.application import check_enterprise, read_application
from passes.plates import PlateTaken
from passes.service import issue, own_enterprise
from passtokens import keys


class RowsNoLongerValid(Conflict):
    code = "rows_no_longer_valid"
    message = _l("Some rows are no longer valid (a test has aged, a window has passed or "
                 "a vehicle got another pass). "
                 "Nothing was issued: upload the file again to see them.")


@unit_of_work()
def upload(filename: str, content: bytes, actor: Actor, now: datetime | None = None) -> BulkBatch:
    """Check every row of a file; the same file again gives back the same batch."""
    now = now or utcnow()
    enterprise = check_enterprise(own_enterprise(actor))
    digest = hashlib.sha256(content).hexdigest()
    batch = _batch_by_hash(enterprise.id, digest)
    if batch is not None and batch.status == "confirmed":
        return batch
    rows = check_rows(read_table(filename, content).rows, enterprise, now)
    _mark_issued(rows, _issued_rows(enterprise.id))
    if batch is None:
        batch = BulkBatch(enterprise_id=enterprise.id, sha256=digest, created_by=actor.username,
                          filename=filename[-200:], rows=rows, created_at=now)
        db.session.add(batch)
    else:
        batch.rows, batch.created_at = rows, now  # rules depend on the time: check again
    try:
        db.session.flush()
    except IntegrityError:  # the same file uploaded twice at once: the other one won
        db.session.rollback()
        winner = _batch_by_hash(enterprise.id, digest)
        assert winner is not None  # committed by the upload that beat this one
        return winner
    record(actor.username, "bulk.upload", digest[:16], rows=len(rows),
           invalid=len(batch.invalid_rows), filename=batch.filename)
    return batch


def _batch_by_hash(enterprise_id: int, digest: str) -> BulkBatch | None:
    return db.session.scalar(select(BulkBatch).where(BulkBatch.enterprise_id == enterprise_id,
                                                     BulkBatch.sha256 == digest))


def _issued_rows(enterprise_id: int) -> dict[str, str]:
    """Fingerprint -> pass number, for every row the enterprise's confirmed batches issued."""
    batches = db.session.scalars(select(BulkBatch).where(
        BulkBatch.enterprise_id == enterprise_id, BulkBatch.status == "confirmed"))
    return {row["fingerprint"]: row["number"] for batch in batches for row in batch.rows
            if row.get("number") and not row.get("earlier")}


def _mark_issued(rows: list[CheckedRow], issued: dict[str, str]) -> None:
    for row in rows:
        if not row["errors"] and row["fingerprint"] in issued:
            row["number"], row["earlier"] = issued[row["fingerprint"]], True


def get_batch(batch_id: int, actor: Actor) -> BulkBatch:
    """A batch of the actor's own enterprise; anyone else's is reported as missing."""
    batch = db.session.get(BulkBatch, batch_id)
    if batch is None or not access.acts_for(actor, batch.enterprise_id):
        raise NotFound()
    return batch


def recent_batches(actor: Actor, limit: int = 10) -> Sequence[BulkBatch]:
    return db.session.scalars(select(BulkBatch).where(
        access.acting_for(actor, BulkBatch.enterprise_id))
        .order_by(BulkBatch.created_at.desc(), BulkBatch.id.desc()).limit(limit)).all()


@unit_of_work()
def confirm(batch_id: int, actor: Actor, now: datetime | None = None) -> tuple[BulkBatch, bool]:
    """Issue every valid row in one transaction, or none; (batch, False) if already done."""
    now = now or utcnow()
    batch = get_batch(batch_id, actor)
    enterprise = check_enterprise(own_enterprise(actor))
    keys.signing_key()
    # Claiming the batch in the database makes a second, concurrent confirm a no-op.
    claimed = rows_changed(
        update(BulkBatch).where(BulkBatch.id == batch.id, BulkBatch.status == "pending")
        .values(status="confirmed", confirmed_at=now).execution_options(synchronize_session=False)
    )
    if not claimed:
        return get_batch(batch_id, actor), False
    rows = [row.copy() for row in batch.rows]
    _mark_issued(rows, _issued_rows(enterprise.id))  # another batch may have issued them since
    numbers = []
    for row in rows:
        if row["errors"] or row.get("number"):
            continue
        try:
            application = read_application(row["data"], enterprise, now)
            row["number"] = issue(application, enterprise, actor).number
        except (ValidationFailed, PlateTaken):  # e.g. another pass took the plate since
            raise RowsNoLongerValid() from None
        numbers.append(row["number"])
    batch.rows, batch.pass_numbers = rows, numbers
    batch.status, batch.confirmed_at = "confirmed", now
    record(actor.username, "bulk.confirm", str(batch.id), passes=len(numbers),
           sha256=batch.sha256, filename=batch.filename)
    return batch, True


def report_csv(batch: BulkBatch) -> bytes:
    """The per-row report as CSV (UTF-8 with BOM, for Excel)."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow([_("Row"), _("Column"), _("Error")])
    writer.writerows(report_rows(batch.rows))
    return out.getvalue().encode("utf-8-sig")


def template(kind: str, actor: Actor, now: datetime | None = None) -> bytes:
    """The template with one example row, in "csv" or "xlsx"."""
    enterprise = own_enterprise(actor)
    rows = example_rows(enterprise, now or utcnow())
    if kind == "csv":
        return template_csv(rows)
    notes = template_notes(enterprise.categories if enterprise else [],
                           current_app.config["TEST_WINDOW_HOURS"],
                           current_app.config["MAX_VALIDITY_DAYS"])
    return template_xlsx(rows, notes)
