"""The scan log: recording each check, and reading it back by shift, filter or pass."""
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import ColumnClause, ColumnElement, bindparam, func, literal_column, select
from sqlalchemy.sql import Select

from checkpoints import rules
from checkpoints.models import REASON_BITS, VERDICTS, Checkpoint, Scan, reason_bits, scans_table
from core.db import UTCDateTime, db
from core.group_commit import group_commit

# An officer's page shows the current shift unless asked for more.
SHIFT_HOURS = 12


def record_scan(*, checkpoint_id: int, officer_id: int, verdict: str, reasons: list[str],
                pass_number: str | None, enterprise_code: str | None,
                plate_seen: str | None, now: datetime) -> int:
    """Append an online scan, durably committed when this returns; returns its id.

    Scans arriving together share one commit (core.group_commit). The token is never stored.
    """
    return group_commit(scans_table).append({
        "checkpoint_id": checkpoint_id, "officer_id": officer_id, "verdict": verdict,
        "reasons": reasons, "reason_bits": reason_bits(reasons), "pass_number": pass_number,
        "enterprise_code": enterprise_code, "plate_seen": plate_seen, "scanned_at": now,
        "received_at": now, "offline": False,
    })


@dataclass(frozen=True)
class LastSeen:
    """Where and when a pass was last scanned at another checkpoint."""

    checkpoint: str
    name: str
    area: str
    scanned_at: datetime
    distance_km: float | None

    def as_fact(self) -> rules.EarlierScan:
        return rules.EarlierScan(self.checkpoint, self.scanned_at, self.distance_km)

    @classmethod
    def between(cls, code: str, name: str, area: str, scanned_at: datetime,
                here: tuple[float | None, float | None],
                there: tuple[float | None, float | None]) -> "LastSeen":
        """A scan at `there`, seen from the checkpoint at `here` (no distance if either
        has no coordinates)."""
        placed = None not in here and None not in there
        return cls(code, name, area, scanned_at,
                   rules.distance_km(here, there) if placed else None)  # type: ignore[arg-type]  # placed: no None


def last_seen_elsewhere(pass_number: str, checkpoint, now: datetime,
                        horizon: timedelta) -> LastSeen | None:
    """The pass's latest scan before `now` at a checkpoint other than this one, within
    `horizon`; one index range read (ix_scans_pass_scanned)."""
    row = db.session.connection().execute(_last_seen_elsewhere(), {
        "number": pass_number, "checkpoint_id": checkpoint.id, "now": now,
        "since": now - horizon}).first()
    if row is None:
        return None
    return LastSeen.between(row.code, row.name, row.area, row.scanned_at,
                            (checkpoint.latitude, checkpoint.longitude),
                            (row.latitude, row.longitude))


@cache
def _last_seen_elsewhere():
    """Built once, plain rows: every uploaded offline scan asks it."""
    scans, checkpoints = Scan.__table__, Checkpoint.__table__
    return (select(scans.c.scanned_at, checkpoints.c.code, checkpoints.c.name,
                   checkpoints.c.area, checkpoints.c.latitude, checkpoints.c.longitude)
            .join(checkpoints, checkpoints.c.id == scans.c.checkpoint_id)
            .where(scans.c.id == latest_elsewhere(bindparam("checkpoint_id")).scalar_subquery()))


def latest_elsewhere(checkpoint_id: ColumnElement[int]) -> Select:
    """The id of the pass's (bound as `number`) latest scan at a checkpoint other than
    `checkpoint_id`, after `since` and up to `now`: one index range read
    (ix_scans_pass_scanned). The one definition of the scan a possible copy is judged
    against: the live verify reads it with its checkpoint (checkpoints.service.post), an
    uploaded scan on its own (last_seen_elsewhere)."""
    recent = Scan.__table__.alias("recent")
    return (select(recent.c.id)
            .where(recent.c.pass_number == bindparam("number"),
                   recent.c.checkpoint_id != checkpoint_id,
                   recent.c.scanned_at <= bindparam("now", type_=UTCDateTime),
                   recent.c.scanned_at > bindparam("since", type_=UTCDateTime))
            # A literal LIMIT: with a bound one, PostgreSQL's generic plan for the prepared
            # verify read cannot count on stopping at the first row.
            .order_by(recent.c.scanned_at.desc()).limit(literal_column("1")))


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
    if filters.reason in REASON_BITS:
        # Written out as the partial index's own predicate, so the database picks that index.
        bit: ColumnClause[int] = literal_column(str(REASON_BITS[filters.reason]))
        conditions.append(Scan.reason_bits.op("&")(bit) != literal_column("0"))
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


@dataclass(frozen=True)
class ScanPage:
    """One page of the log, found without counting every match."""

    items: Sequence[Scan]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def page_of(filters: ScanFilters, page: int, per_page: int, newest: int) -> ScanPage:
    """A page of the newest `newest` matches: a deep OFFSET into millions of scans, like an
    exact count of them, costs a walk over every row it skips."""
    offset = (page - 1) * per_page
    room = max(0, min(per_page + 1, newest - offset))
    rows = db.session.scalars(search(filters).offset(offset).limit(room)).all() if room else []
    return ScanPage(items=rows[:per_page], page=page,
                    has_next=len(rows) > per_page and offset + per_page < newest)


def verdict_counts(filters: ScanFilters | None = None, *,
                   newest: int | None = None) -> dict[str, int]:
    """How many scans got each verdict under these filters (all scans by default); with
    `newest`, among the newest that many matches only, so the cost stays bounded."""
    matching = select(Scan.verdict).where(*_conditions(filters or ScanFilters()))
    if newest is not None:
        matching = matching.order_by(Scan.scanned_at.desc(), Scan.id.desc()).limit(newest)
    matches = matching.subquery()
    rows = db.session.execute(
        select(matches.c.verdict, func.count()).group_by(matches.c.verdict)).all()
    return dict.fromkeys(VERDICTS, 0) | dict(rows)


def possible_copies(page: Sequence[Scan], window: timedelta) -> dict[int, list[Scan]]:
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
