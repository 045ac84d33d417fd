"""The scan log: recording each check, and reading it back by shift, filter or pass."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, func, select
from sqlalchemy.sql import Select

from checkpoints.models import REASON_CODES, VERDICTS, Checkpoint, Scan
from core.db import db

# An officer's page shows the current shift unless asked for more.
SHIFT_HOURS = 12


def record_scan(*, checkpoint: Checkpoint, officer, verdict: str, reasons: list[str],
                pass_number: str | None, enterprise_code: str | None,
                plate_seen: str | None, now: datetime) -> Scan:
    """Append an online scan; the token itself is never stored."""
    scan = Scan(checkpoint_id=checkpoint.id, officer_id=officer.id, verdict=verdict,
                reasons=reasons, pass_number=pass_number, enterprise_code=enterprise_code,
                plate_seen=plate_seen, scanned_at=now, received_at=now, offline=False)
    db.session.add(scan)
    db.session.commit()
    return scan


@dataclass(frozen=True)
class ScanFilters:
    """What the scan log is narrowed to; None means no restriction."""

    checkpoint: str | None = None
    verdict: str | None = None
    reason: str | None = None
    enterprise: str | None = None
    pass_number: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    officer_id: int | None = None


def search(filters: ScanFilters) -> Select:
    """A select over scans, newest first, for paging."""
    statement = select(Scan).order_by(Scan.scanned_at.desc(), Scan.id.desc())
    return statement.where(*_conditions(filters))


def _conditions(filters: ScanFilters) -> list:
    conditions = []
    if filters.checkpoint:
        checkpoint_id = select(Checkpoint.id).where(Checkpoint.code == filters.checkpoint)
        conditions.append(Scan.checkpoint_id == checkpoint_id.scalar_subquery())
    if filters.verdict in VERDICTS:
        conditions.append(Scan.verdict == filters.verdict)
    if filters.reason in REASON_CODES:
        # Codes are quoted in the stored JSON, so no code matches inside another.
        conditions.append(cast(Scan.reasons, String).like(f'%"{filters.reason}"%'))
    if filters.enterprise:
        conditions.append(Scan.enterprise_code == filters.enterprise.upper())
    if filters.pass_number:
        conditions.append(Scan.pass_number == filters.pass_number)
    if filters.since:
        conditions.append(Scan.scanned_at >= filters.since)
    if filters.until:
        conditions.append(Scan.scanned_at < filters.until)
    if filters.officer_id is not None:
        conditions.append(Scan.officer_id == filters.officer_id)
    return conditions


def verdict_counts(filters: ScanFilters | None = None) -> dict[str, int]:
    """How many scans got each verdict under these filters (all scans by default)."""
    conditions = _conditions(filters or ScanFilters())
    rows = db.session.execute(
        select(Scan.verdict, func.count()).where(*conditions).group_by(Scan.verdict)
    ).all()
    return dict.fromkeys(VERDICTS, 0) | dict(rows)


def possible_copies(page: list[Scan], window: timedelta) -> dict[int, list[Scan]]:
    """Scans of the same pass in another county within `window` of each scan on the page.

    One pass cannot be at checkpoints in two counties minutes apart: one of them saw a copy.
    """
    numbers = {scan.pass_number for scan in page if scan.pass_number}
    if not numbers:
        return {}
    start = min(scan.scanned_at for scan in page) - window
    end = max(scan.scanned_at for scan in page) + window
    nearby = defaultdict(list)
    for other in db.session.scalars(select(Scan).where(
            Scan.pass_number.in_(numbers), Scan.scanned_at.between(start, end))):
        nearby[other.pass_number].append(other)
    flags = {}
    for scan in page:
        matches = [other for other in nearby.get(scan.pass_number, ())
                   if other.checkpoint.area != scan.checkpoint.area
                   and abs(other.scanned_at - scan.scanned_at) <= window]
        if matches:
            flags[scan.id] = sorted(matches, key=lambda other: other.scanned_at)
    return flags
