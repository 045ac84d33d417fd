"""Issuing quota: how many passes one enterprise may be issued per hour and per calendar day.

An area has 999,999 serials. Without a ceiling one clerk (or a stolen account) could spend
them all, and then nobody in the city could get a pass. Every path that issues goes through
passes.service.issue, which calls take() once per pass.
"""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, update

from audit.service import record
from core.access import Actor
from core.db import UTCDateTime, db, insert_ignoring_conflict, utcnow
from core.errors import DomainError
from core.i18n import local_day
from core.unit_of_work import unit_of_work
from quotas.inputs import Limits
from quotas.models import IssuingQuota, quotas_table
from whitelist.models import Enterprise

HOUR = timedelta(hours=1)


class QuotaExceeded(DomainError):
    status = 429
    code = "quota_exceeded"
    message = _l("This enterprise has reached its issuing quota.")

    def __init__(self, message, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after  # seconds: the Retry-After header


@dataclass(frozen=True)
class Usage:
    """An enterprise's limits in force and what it has used of them."""

    per_hour: int
    per_day: int
    # The enterprise's own limits set by the authority; None where the default applies.
    override_per_hour: int | None
    override_per_day: int | None
    used_this_hour: int
    used_today: int
    hour_resets_at: datetime
    day_resets_at: datetime


def take(enterprise_id: int, now: datetime | None = None) -> None:
    """Count one pass for the enterprise in the caller's transaction; raise QuotaExceeded
    (the caller rolls back, the count with it) once either limit is passed.

    One UPDATE both reads and bumps the counters: it holds the row until the transaction
    ends (PostgreSQL) or the database's write lock (SQLite), so concurrent issuers count in
    turn and none slips past the limit.
    """
    now = now or utcnow()
    hour, day = windows(now)
    counted = _bump(enterprise_id, hour, day)
    if counted is None:
        insert_ignoring_conflict(IssuingQuota, {"enterprise_id": enterprise_id, "hour_count": 0,
                                                "day_count": 0}, ["enterprise_id"])
        counted = _bump(enterprise_id, hour, day)
    per_hour, per_day = _limits(counted.per_hour, counted.per_day)
    if counted.day_count > per_day:
        hours = -(-(_day_end(day) - now) // HOUR)
        raise QuotaExceeded(_l("This enterprise may be issued at most %(limit)d passes a day, "
                               "and has reached it. Try again in %(hours)d hours, or ask the "
                               "authority to raise the quota.", limit=per_day, hours=hours),
                            _seconds(_day_end(day) - now))
    if counted.hour_count > per_hour:
        minutes = -(-(hour + HOUR - now) // timedelta(minutes=1))
        raise QuotaExceeded(_l("This enterprise may be issued at most %(limit)d passes an "
                               "hour, and has reached it. Try again in %(minutes)d minutes, or "
                               "ask the authority to raise the quota.",
                               limit=per_hour, minutes=minutes),
                            _seconds(hour + HOUR - now))


def _bump(enterprise_id: int, hour: datetime, day: datetime):
    return db.session.connection().execute(
        _counting(), {"enterprise": enterprise_id, "hour": hour, "day": day}).one_or_none()


@cache
def _counting():
    """Built once: every issue runs it. A count from an older window starts again at 1."""
    quota = quotas_table.c
    hour, day = bindparam("hour", type_=UTCDateTime), bindparam("day", type_=UTCDateTime)
    return (
        update(quotas_table).where(quota.enterprise_id == bindparam("enterprise"))
        .values(hour_count=case((quota.hour_start == hour, quota.hour_count + 1), else_=1),
                day_count=case((quota.day_start == day, quota.day_count + 1), else_=1),
                hour_start=hour, day_start=day)
        .returning(quota.hour_count, quota.day_count, quota.per_hour, quota.per_day))


def windows(now: datetime) -> tuple[datetime, datetime]:
    """The starts of the clock hour and of the local calendar day holding `now`, in UTC."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return hour, local_day(now)[0].astimezone(UTC)


def _day_end(day: datetime) -> datetime:
    return local_day(day)[1].astimezone(UTC)


def _seconds(delta: timedelta) -> int:
    return max(1, -(-delta // timedelta(seconds=1)))


def defaults() -> tuple[int, int]:
    """The deployment's limits per hour and per day."""
    return _limits(None, None)


def _limits(per_hour: int | None, per_day: int | None) -> tuple[int, int]:
    config = current_app.config
    return (config["ISSUE_QUOTA_PER_HOUR"] if per_hour is None else per_hour,
            config["ISSUE_QUOTA_PER_DAY"] if per_day is None else per_day)


def usage(enterprise: Enterprise, now: datetime | None = None) -> Usage:
    """The enterprise's limits and what it has used in the current hour and day."""
    now = now or utcnow()
    hour, day = windows(now)
    row = db.session.get(IssuingQuota, enterprise.id)
    override_per_hour, override_per_day = (row.per_hour, row.per_day) if row else (None, None)
    per_hour, per_day = _limits(override_per_hour, override_per_day)
    return Usage(
        per_hour=per_hour, per_day=per_day,
        override_per_hour=override_per_hour, override_per_day=override_per_day,
        used_this_hour=row.hour_count if row and row.hour_start == hour else 0,
        used_today=row.day_count if row and row.day_start == day else 0,
        hour_resets_at=hour + HOUR, day_resets_at=_day_end(day))


@unit_of_work()
def set_limits(enterprise: Enterprise, limits: Limits, actor: Actor) -> Usage:
    """Raise, lower or (given none) restore the default limits of one enterprise."""
    row = _row(enterprise)
    row.per_hour, row.per_day = limits.per_hour, limits.per_day
    row.updated_by, row.updated_at = actor.username, utcnow()
    record(actor.username, "quota.set", enterprise.code, per_hour=limits.per_hour,
           per_day=limits.per_day)
    return usage(enterprise)


@unit_of_work()
def reset_usage(enterprise: Enterprise, actor: Actor) -> Usage:
    """Lift the block for now: the current hour and day count from zero again."""
    before = usage(enterprise)
    row = _row(enterprise)
    row.hour_count = row.day_count = 0
    row.updated_by, row.updated_at = actor.username, utcnow()
    record(actor.username, "quota.reset", enterprise.code,
           used_this_hour=before.used_this_hour, used_today=before.used_today)
    return usage(enterprise)


def _row(enterprise: Enterprise) -> IssuingQuota:
    insert_ignoring_conflict(IssuingQuota, {"enterprise_id": enterprise.id, "hour_count": 0,
                                            "day_count": 0}, ["enterprise_id"])
    return db.session.get_one(IssuingQuota, enterprise.id, with_for_update=True)
