"""Scans made offline, uploaded later: checked as a whole, stored once per client-made id.

The server judges each scan again as of its `scanned_at` (checkpoints/rejudge.py): the stored
verdict and reasons are the server's, which every count uses; the handheld's are kept beside
them (client_verdict, client_reasons) and a disagreement shows in the scan log.
"""
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select

from checkpoints import service
from checkpoints.inputs import UploadedScan, read_uploaded_scans
from checkpoints.models import Checkpoint, Scan, officer_checkpoints, scans_table
from checkpoints.rejudge import judge_at
from core.auth import Caller
from core.db import db, ignoring_conflict
from core.errors import Message
from core.unit_of_work import unit_of_work


def read_upload(data: Mapping, officer: Caller, now: datetime) -> tuple[UploadedScan, ...]:
    """The upload's scans (checkpoints.inputs.read_uploaded_scans), each at an open checkpoint
    the officer staffs: a checkpoint is refused with the scan's other fields."""
    staffed = _assigned_checkpoints(officer)

    def refusal(code: str) -> Message | None:
        if code in staffed:
            return None
        return (service.UNKNOWN_CHECKPOINT if service.find(code) is None
                else service.NotAssigned.message)

    return read_uploaded_scans(data, now, refusal)


@unit_of_work()
def upload_scans(scans: Sequence[UploadedScan], officer: Caller,
                 now: datetime) -> tuple[int, int]:
    """Store the scans not seen before, received at `now`; return (accepted, duplicates)."""
    mine = _assigned_checkpoints(officer)
    if any(scan.checkpoint not in mine for scan in scans):
        raise service.NotAssigned()  # no longer staffed since the upload was read
    accepted = _judge_and_insert(scans, mine, officer, now)
    return accepted, len(scans) - accepted


def _assigned_checkpoints(officer: Caller) -> dict[str, Checkpoint]:
    return {checkpoint.code: checkpoint for checkpoint in db.session.scalars(
        select(Checkpoint).join(officer_checkpoints).where(
            officer_checkpoints.c.user_id == officer.id, Checkpoint.active))}


def _judge_and_insert(scans: Sequence[UploadedScan], mine: dict[str, Checkpoint],
                      officer: Caller, now: datetime) -> int:
    """Judge each new scan as of its time, oldest first, and store it; return how many were
    new. One at a time, so that a scan sees the batch's earlier ones (possible_copy)."""
    known = set(db.session.scalars(select(Scan.client_id).where(
        Scan.client_id.in_([scan.client_id for scan in scans]))))
    # The unique client id, not the read above, decides between two uploads of one scan
    # racing each other.
    insert = ignoring_conflict(db.session.get_bind().dialect.name, scans_table, ("client_id",),
                               returning="id")
    accepted = 0
    for scan in sorted(scans, key=lambda scan: scan.scanned_at):
        if scan.client_id in known:
            continue
        known.add(scan.client_id)
        checkpoint = mine[scan.checkpoint]
        decision, number, enterprise = judge_at(scan.qr, checkpoint, scan.plate,
                                                scan.scanned_at)
        row = {"client_id": scan.client_id, "checkpoint_id": checkpoint.id,
               "officer_id": officer.id, "client_verdict": scan.verdict,
               "client_reasons": list(scan.reasons), "plate_seen": scan.plate,
               "scanned_at": scan.scanned_at, "received_at": now, "offline": True,
               "verdict": decision.verdict, "reasons": list(decision.reasons),
               "pass_number": number, "enterprise_code": enterprise}
        accepted += len(db.session.execute(insert, row).all())
    return accepted
