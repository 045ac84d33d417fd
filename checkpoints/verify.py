"""POST /api/v1/verify: judge a scanned QR text at an officer's checkpoint and record the scan.

This runs for every truck at every checkpoint, so it does only what a verdict needs: the
caller comes from a short cache (accounts/callers.py), the checkpoint with its staffing and
the pass's last scan elsewhere are one plain-row read, the pass's standing is one more
(passes/standing.py), both outside any transaction (core.db.autocommit_reads), and the
scan is one insert committed with its neighbours (core/group_commit.py). No ORM objects
are built and nothing the verdict depends on is cached: colour, state, revocation, key and
holder health are read live each time.
"""
from datetime import datetime

from checkpoints import scans, service
from checkpoints.inputs import Scanned
from checkpoints.judging import Verdict, check_token, horizon
from checkpoints.reading import token_in
from core import crypto
from core.auth import Caller
from core.db import autocommit_reads
from core.errors import ValidationFailed


def verify_request(scanned: Scanned, officer: Caller, now: datetime) -> Verdict:
    """Judge the scanned pass at `now` at the officer's checkpoint and record the scan."""
    jws = token_in(scanned.qr)
    # Both reads outside a transaction: the verify writes nothing but its scan, and that
    # goes through the group commit on a connection of its own. The connection goes back
    # before any refusal is audited, which takes one of the session's.
    with autocommit_reads() as connection:
        checkpoint = service.post(connection, scanned.checkpoint, officer.id,
                                  crypto.peek(jws)[1] if jws else None, now, horizon())
        if checkpoint is None or not checkpoint.active:
            raise ValidationFailed({"checkpoint": service.UNKNOWN_CHECKPOINT})
        result = (check_token(jws, scanned.plate, now, checkpoint, connection=connection)
                  if checkpoint.assigned else None)
    if result is None:  # judged only where the officer records scans
        service.refuse_unassigned(checkpoint, officer)
    pass_ = result.pass_
    result.scan_id = scans.record_scan(
        checkpoint_id=checkpoint.id, officer_id=officer.id, verdict=result.verdict,
        reasons=result.codes, pass_number=pass_.number if pass_ else None,
        enterprise_code=pass_.enterprise_code if pass_ else None,
        plate_seen=scanned.plate, now=now)
    return result
