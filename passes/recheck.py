"""The daily re-check of the drivers' and supply staff's white list."""
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, distinct, func, not_, select, update

from audit.service import record
from core.db import db, utcnow
from core.unit_of_work import unit_of_work
from passes.models import Pass, Person
from passes.people import test_window
from whitelist.models import Enterprise


@dataclass
class RecheckResult:
    """What one run changed: people dropped (by enterprise name), restored, and still off."""

    at: datetime
    dropped: dict[str, int] = field(default_factory=dict)
    restored: int = 0
    off_list: int = 0

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())


def cleared_condition(now: datetime):
    """SQL for "green code, negative test inside the window": the white list's rule."""
    return and_(Person.health_code == "green", Person.test_result == "negative",
                Person.test_sampled_at >= now - test_window())


@unit_of_work()
def recheck(actor: str, now: datetime | None = None) -> RecheckResult:
    """Drop people who are no longer cleared, restore those cleared again; audited, idempotent."""
    now = now or utcnow()
    cleared = cleared_condition(now)
    dropped_ids = db.session.scalars(
        update(Person).where(Person.whitelisted, not_(cleared))
        .values(whitelisted=False, delisted_at=now).returning(Person.enterprise_id)).all()
    restored = db.session.scalars(
        update(Person).where(not_(Person.whitelisted), cleared)
        .values(whitelisted=True, delisted_at=None).returning(Person.id)).all()
    names = dict(db.session.execute(select(Enterprise.id, Enterprise.name)
                                    .where(Enterprise.id.in_(set(dropped_ids)))).all())
    result = RecheckResult(at=now, restored=len(restored),
                           dropped={names[id_]: n for id_, n in Counter(dropped_ids).items()})
    result.off_list = db.session.scalar(
        select(func.count()).select_from(Person).where(not_(Person.whitelisted)))
    record(actor, "people.recheck", "people", dropped=result.dropped_total,
           restored=result.restored, off_list=result.off_list, by_enterprise=result.dropped)
    return result


def retest_by_enterprise(limit: int | None = None) -> list[tuple[str, str, int, int]]:
    """(code, name, people off the list, their unexpired passes), most people first."""
    live = and_(Pass.person_id == Person.id, Pass.revoked_at.is_(None),
                Pass.valid_until > utcnow())
    people = func.count(distinct(Person.id))
    statement = (select(Enterprise.code, Enterprise.name, people, func.count(distinct(Pass.id)))
                 .join(Person, Person.enterprise_id == Enterprise.id)
                 .outerjoin(Pass, live)
                 .where(not_(Person.whitelisted))
                 .group_by(Enterprise.code, Enterprise.name)
                 .order_by(people.desc(), Enterprise.name).limit(limit))
    return [tuple(row) for row in db.session.execute(statement)]
