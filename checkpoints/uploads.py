"""Scans made offline, uploaded later: checked as a whole, stored once per client-made id.

The server judges each scan again as of its `scanned_at` (checkpoints/rejudge.py): the stored
verdict and reasons are the server's, which every count uses; the handheld's are kept beside
them (client_verdict, client_reasons) and a disagreement shows in the scan log.
"""
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite

from checkpoints import service
from checkpoints.models import (
    REASON_CODES,
    VERDICTS,
    Checkpoint,
    Scan,
    officer_checkpoints,
    scans_table,
)
from checkpoints.rejudge import judge_at
from core.db import db, utcnow
from core.unit_of_work import unit_of_work
from core.validation import REQUIRED, Fields

MAX_BATCH = 500
# Each dialect's INSERT ... ON CONFLICT DO NOTHING: the unique constraint, not a prior
# SELECT, decides between two uploads of one scan racing each other.
_INSERTS: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert, "sqlite": sqlite.insert}


@unit_of_work()
def upload_scans(data: Mapping, officer) -> tuple[int, int]:
    """Store the scans not seen before; return (accepted, duplicates). Any bad item: none."""
    fields = Fields(data)
    items = fields.data.get("scans")
    if not isinstance(items, list) or not items:
        fields.error("scans", REQUIRED if not items else _l("Must be a list of scans."))
        items = []
    elif len(items) > MAX_BATCH:
        fields.error("scans", _l("At most %(count)d scans at a time.", count=MAX_BATCH))
        items = []
    mine = _assigned_checkpoints(officer)
    now = utcnow()
    rows = [_row(Fields(item, f"scans.{i}.", fields.errors), mine, officer, now)
            for i, item in enumerate(items)]
    fields.raise_if_invalid()
    accepted = _judge_and_insert(rows, mine)
    return accepted, len(rows) - accepted


def _assigned_checkpoints(officer) -> dict[str, Checkpoint]:
    return {checkpoint.code: checkpoint for checkpoint in db.session.scalars(
        select(Checkpoint).join(officer_checkpoints).where(
            officer_checkpoints.c.user_id == officer.id, Checkpoint.active))}


def _row(item: Fields, mine: dict[str, Checkpoint], officer, now: datetime) -> dict:
    client_id = item.text("id", max_length=36, check=_is_uuid, invalid=_l("Must be a UUID."))
    qr_text = item.text("qr", max_length=current_app.config["MAX_CONTENT_LENGTH"])
    code = item.text("checkpoint", max_length=32)
    if code and code not in mine:
        unknown = service.find(code) is None
        item.error("checkpoint", service.UNKNOWN_CHECKPOINT if unknown
                   else service.NotAssigned.message)
    verdict = item.choice("verdict", VERDICTS)
    reasons = _reasons(item)
    scanned_at = item.timestamp("scanned_at")
    skew = timedelta(seconds=current_app.config["CLOCK_SKEW_SECONDS"])
    lifetime = timedelta(hours=current_app.config["OFFLINE_BUNDLE_LIFETIME_HOURS"])
    if scanned_at and scanned_at > now + skew:
        item.error("scanned_at", _l("Cannot be in the future."))
    elif scanned_at and scanned_at < now - lifetime:
        # No offline bundle lives that long: a scan dated earlier was not made with one.
        item.error("scanned_at", _l("Must lie inside an offline bundle's lifetime: at most "
                                    "%(hours)d hours before the upload.",
                                    hours=current_app.config["OFFLINE_BUNDLE_LIFETIME_HOURS"]))
    plate_seen = item.text("plate", required=False, max_length=16)
    if item.errors or code is None:
        return {}  # the whole upload is refused: nothing to build
    return {"client_id": str(uuid.UUID(client_id)), "qr": qr_text,
            "checkpoint_id": mine[code].id, "officer_id": officer.id,
            "client_verdict": verdict, "client_reasons": reasons, "plate_seen": plate_seen,
            "scanned_at": scanned_at, "received_at": now, "offline": True}


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _reasons(item: Fields) -> list[str] | None:
    value = item.data.get("reasons")
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        item.error("reasons", _l("Must be a list of reason codes."))
        return None
    unknown = [code for code in value if code not in REASON_CODES]
    if unknown:
        item.error("reasons", _l("Unknown: %(codes)s.", codes=", ".join(unknown)))
        return None
    return list(dict.fromkeys(value))


def _judge_and_insert(rows: list[dict], mine: dict[str, Checkpoint]) -> int:
    """Judge each new scan as of its time, oldest first, and store it; return how many were
    new. One at a time, so that a scan sees the batch's earlier ones (possible_copy)."""
    by_id = {checkpoint.id: checkpoint for checkpoint in mine.values()}
    known = set(db.session.scalars(select(Scan.client_id).where(
        Scan.client_id.in_([row["client_id"] for row in rows]))))
    insert = _INSERTS[db.session.get_bind().dialect.name]
    accepted = 0
    for row in sorted(rows, key=lambda row: row["scanned_at"]):
        qr_text = row.pop("qr")
        if row["client_id"] in known:
            continue
        known.add(row["client_id"])
        decision, number, enterprise = judge_at(qr_text, by_id[row["checkpoint_id"]],
                                                row["plate_seen"], row["scanned_at"])
        row |= {"verdict": decision.verdict, "reasons": list(decision.reasons),
                "pass_number": number, "enterprise_code": enterprise}
        statement = (insert(scans_table).values(row)
                     .on_conflict_do_nothing(index_elements=["client_id"]).returning(Scan.id))
        accepted += len(db.session.execute(statement).all())
    return accepted
