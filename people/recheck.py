"""The daily re-check of the drivers' and supply staff's white list."""
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, distinct, func, not_, select, update

from audit.service import record
from core.db import db, utcnow
from core.unit_of_work import unit_of_work
from passes.models import Pass
from people.models import EnterprisePerson, Person
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


@unit_of_work()
def recheck(actor: str, now: datetime | None = None) -> RecheckResult:
    """Drop people who are no longer cleared, restore those cleared again; audited, idempotent."""
    now = now or utcnow()
    cleared = Person.cleared_at(now)
    dropped_people = db.session.scalars(
        update(Person).where(Person.whitelisted, not_(cleared))
        .values(whitelisted=False, delisted_at=now).returning(Person.id)).all()
    restored = db.session.scalars(
        update(Person).where(not_(Person.whitelisted), cleared)
        .values(whitelisted=True, delisted_at=None).returning(Person.id)).all()
    # A person on two enterprises' rosters counts for each: each must re-test them.
    dropped_ids = db.session.scalars(select(EnterprisePerson.enterprise_id).where(
        EnterprisePerson.person_id.in_(dropped_people))).all() if dropped_people else []
    names = dict(db.session.execute(select(Enterprise.id, Enterprise.name)
                                    .where(Enterprise.id.in_(set(dropped_ids)))).all())
    result = RecheckResult(at=now, restored=len(restored),
                           dropped={names[id_]: n for id_, n in Counter(dropped_ids).items()})
    result.off_list = db.session.execute(
        select(func.count()).select_from(Person).where(not_(Person.whitelisted))).scalar_one()
    record(actor, "people.recheck", "people", dropped=result.dropped_total,
           restored=result.restored, off_list=result.off_list, by_enterprise=result.dropped)
    return result


def retest_by_enterprise(now: datetime,
                         limit: int | None = None) -> list[tuple[str, str, int, int]]:
    """(code, name, people off the list, their unexpired passes), most people first."""
    live = and_(Pass.person_id == Person.id, Pass.enterprise_id == Enterprise.id,
                Pass.live_at(now))
    people = func.count(distinct(Person.id))
    statement = (select(Enterprise.code, Enterprise.name, people, func.count(distinct(Pass.id)))
                 .join(EnterprisePerson, EnterprisePerson.enterprise_id == Enterprise.id)
                 .join(Person, Person.id == EnterprisePerson.person_id)
                 .outerjoin(Pass, live)
                 .where(not_(Person.whitelisted))
                 .group_by(Enterprise.code, Enterprise.name)
                 .order_by(people.desc(), Enterprise.name).limit(limit))
    return [(code, name, off_list, live_passes)
            for code, name, off_list, live_passes in db.session.execute(statement)]
