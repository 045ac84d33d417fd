"""POST /api/v1/verify: judge a scanned QR text at an officer's checkpoint and record the scan.

This runs for every truck at every checkpoint, so it does only what a verdict needs: the
caller comes from a short cache (accounts/callers.py), the checkpoint with its staffing and
the pass's last scan elsewhere are one plain-row read, the pass's standing is one more
(passes/standing.py), both outside any transaction (core.db.autocommit_reads), and the
scan is one insert committed with its neighbours (core/group_commit.py). No ORM objects
are built and nothing the verdict depends on is cached: colour, state, revocation, key and
holder health are read live each time.
"""
from collections.abc import Mapping
from datetime import datetime

from flask import current_app

from checkpoints import scans, service
from checkpoints.judging import Verdict, check_token, horizon
from checkpoints.reading import token_in
from core import crypto
from core.auth import Caller
from core.db import autocommit_reads
from core.validation import Fields


def verify_request(data: Mapping, officer: Caller, now: datetime) -> Verdict:
    """Check a verify request's fields, judge the pass at `now` and record the scan."""
    fields = Fields(data)
    qr_text = fields.text("qr", max_length=current_app.config["MAX_CONTENT_LENGTH"])
    code = fields.text("checkpoint", max_length=32)
    plate_seen = fields.text("plate", required=False, max_length=16)
    jws = token_in(qr_text) if qr_text else None
    # Both reads outside a transaction: the verify writes nothing but its scan, and that
    # goes through the group commit on a connection of its own. The connection goes back
    # before any refusal is audited, which takes one of the session's.
    with autocommit_reads() as connection:
        checkpoint = service.post(connection, code, officer.id,
                                  crypto.peek(jws)[1] if jws else None, now,
                                  horizon()) if code else None
        if code and (checkpoint is None or not checkpoint.active):
            fields.error("checkpoint", service.UNKNOWN_CHECKPOINT)
        staffed = checkpoint is not None and checkpoint.assigned and not fields.errors
        result = (check_token(jws, plate_seen, now, checkpoint, connection=connection)
                  if staffed else None)
    fields.raise_if_invalid()
    assert checkpoint is not None  # required, and nothing was refused
    if result is None:  # judged only where the officer records scans
        service.refuse_unassigned(checkpoint, officer)
    pass_ = result.pass_
    result.scan_id = scans.record_scan(
        checkpoint_id=checkpoint.id, officer_id=officer.id, verdict=result.verdict,
        reasons=result.codes, pass_number=pass_.number if pass_ else None,
        enterprise_code=pass_.enterprise_code if pass_ else None,
        plate_seen=plate_seen, now=now)
    return result

