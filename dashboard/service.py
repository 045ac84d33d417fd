"""The authority's figures: counts as of now, each from one aggregate query."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, not_, select
from sqlalchemy.orm import aliased

from audit.models import AuditEntry
from checkpoints.models import REASON_BITS, REASON_CODES, VERDICTS, Checkpoint, Scan
from checkpoints.scans import verdict_counts
from core.db import db, utcnow
from passes.models import Pass, Person
from people.recheck import retest_by_enterprise
from people.roster import whitelisted_drivers
from whitelist import service as whitelist
from whitelist.models import COLOURS, STATES, Enterprise

HOURS = 24
# A checkpoint quiet this long while others scan is shown as silent.
SILENT_AFTER = timedelta(hours=2)


def stats(now: datetime | None = None) -> dict:
    """The headline counts of shared/CONTRACT.md's GET /api/v1/stats."""
    now = now or utcnow()
    return {"passes": pass_counts(now), "enterprises": whitelist.counts(),
            "drivers_whitelisted": whitelisted_drivers(now), "scans": verdict_counts()}


def pass_counts(now: datetime) -> dict[str, int]:
    """Passes issued by kind, valid now (Pass.valid_at), and revoked."""
    valid = Pass.valid_at(now)
    row = db.session.execute(select(
        func.count().filter(Pass.kind == "vehicle"), func.count().filter(Pass.kind == "personnel"),
        func.count().filter(valid), func.count().filter(Pass.revoked),
    ).select_from(Pass)).one()
    return dict(zip(("vehicle", "personnel", "valid", "revoked"), (n or 0 for n in row),
                    strict=True))


def enterprise_grid() -> dict[str, dict[str, int]]:
    """Enterprises by state, then by colour ("none" until first approved)."""
    grid = {state: dict.fromkeys((*COLOURS, "none"), 0) for state in STATES}
    rows = db.session.execute(select(Enterprise.state, Enterprise.colour, func.count())
                              .group_by(Enterprise.state, Enterprise.colour))
    for state, colour, count in rows:
        grid.setdefault(state, dict.fromkeys((*COLOURS, "none"), 0))[colour or "none"] += count
    return grid


def people_figures(now: datetime) -> dict:
    """The drivers' and staff's white list: cleared now, and the re-check's standing."""
    cleared = Person.cleared_at(now)
    row = db.session.execute(select(
        func.count().filter(cleared), func.count().filter(not_(cleared)),
        func.count().filter(not_(Person.whitelisted)),
    ).select_from(Person)).one()
    last_run = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "people.recheck")
                                  .order_by(AuditEntry.id.desc()).limit(1)).first()
    return {"cleared": row[0] or 0, "not_cleared": row[1] or 0, "off_list": row[2] or 0,
            "last_recheck": last_run, "retest": retest_by_enterprise(now)}


def hour_starts(now: datetime) -> list[datetime]:
    """The starts of the last HOURS clock hours, the current one last."""
    current = now.replace(minute=0, second=0, microsecond=0)
    return [current - timedelta(hours=HOURS - 1 - i) for i in range(HOURS)]


@dataclass
class CheckpointActivity:
    code: str
    name: str
    kind: str
    hourly: list[int]
    verdicts: dict[str, int]
    total: int
    last_scan: datetime | None
    silent: bool


def checkpoint_activity(now: datetime) -> list[CheckpointActivity]:
    """Every active checkpoint's scans per hour and verdicts (last 24 h) and its last scan."""
    starts = hour_starts(now)
    since = starts[0]
    hourly = [func.count(Scan.id).filter(Scan.scanned_at >= start,
                                         Scan.scanned_at < start + timedelta(hours=1))
              for start in starts]
    verdicts = [func.count(Scan.id).filter(Scan.scanned_at >= since, Scan.verdict == verdict)
                for verdict in VERDICTS]
    # The last scan ever, through the (checkpoint, scanned_at) index; counts join only the
    # last 24 h, so the dashboard does not read every scan ever made.
    earlier = aliased(Scan)
    last_scan = (select(func.max(earlier.scanned_at))
                 .where(earlier.checkpoint_id == Checkpoint.id).scalar_subquery())
    statement = (select(Checkpoint.code, Checkpoint.name, Checkpoint.kind, last_scan,
                        *hourly, *verdicts)
                 .outerjoin(Scan, and_(Scan.checkpoint_id == Checkpoint.id,
                                       Scan.scanned_at >= since))
                 .where(Checkpoint.active)
                 .group_by(Checkpoint.id, Checkpoint.code, Checkpoint.name, Checkpoint.kind)
                 .order_by(Checkpoint.code))
    rows = []
    for code, name, kind, scanned_last, *counts in db.session.execute(statement):
        by_verdict = dict(zip(VERDICTS, counts[HOURS:], strict=True))
        rows.append(CheckpointActivity(code, name, kind, counts[:HOURS], by_verdict,
                                       sum(by_verdict.values()), scanned_last, False))
    _mark_silent(rows, now)
    return rows


def _mark_silent(rows: list[CheckpointActivity], now: datetime) -> None:
    """Never scanned, or quiet for SILENT_AFTER while another checkpoint scanned meanwhile."""
    recent = now - SILENT_AFTER
    others_busy = sum(1 for row in rows if row.last_scan and row.last_scan >= recent)
    for row in rows:
        row.silent = row.last_scan is None or (row.last_scan < recent and others_busy > 0)


def reason_counts(now: datetime) -> list[tuple[str, int]]:
    """Reason codes given in the last 24 h, most frequent first; codes never given left out."""
    since = hour_starts(now)[0]
    columns = [func.count().filter(Scan.reason_bits.op("&")(REASON_BITS[code]) != 0)
               for code in REASON_CODES]
    row = db.session.execute(select(*columns).where(Scan.scanned_at >= since)).one()
    counts = [(code, n or 0) for code, n in zip(REASON_CODES, row, strict=True) if n]
    return sorted(counts, key=lambda item: -item[1])


def recent_verdicts(now: datetime) -> dict[str, int]:
    """The verdict mix of the last 24 h (uploaded offline scans included)."""
    rows = db.session.execute(select(Scan.verdict, func.count())
                              .where(Scan.scanned_at >= hour_starts(now)[0])
                              .group_by(Scan.verdict))
    return dict.fromkeys(VERDICTS, 0) | dict(rows.all())


def overview(now: datetime | None = None) -> dict:
    """Everything the dashboard page shows, as of now."""
    now = now or utcnow()
    return {"now": now, "stats": stats(now), "enterprises": enterprise_grid(),
            "people": people_figures(now), "hours": hour_starts(now),
            "checkpoints": checkpoint_activity(now), "reasons": reason_counts(now),
            "verdicts": recent_verdicts(now)}

