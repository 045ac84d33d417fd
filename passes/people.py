"""Drivers and supply staff: records of an enterprise with their latest health status."""
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select
from sqlalchemy.dialects import postgresql, sqlite

from audit.service import record
from core.db import db, utcnow
from core.errors import NotFound
from core.unit_of_work import unit_of_work
from core.validation import Fields
from passes.application import Holder, read_test
from passes.models import HEALTH_CODES, Pass, Person


def insert_ignoring_conflict(model, values: dict, keys: list[str]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: of two racing inserts, one wins, none fails."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[db.session.get_bind().dialect.name]
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    db.session.execute(statement)


def record_holder(enterprise_id: int, holder: Holder) -> Person:
    """Find or create the enterprise's record of this person and bring it up to date."""
    insert_ignoring_conflict(Person, {
        "enterprise_id": enterprise_id, "id_number": holder.id_number, "name": holder.name,
        "phone": holder.phone, "health_code": holder.health_code,
        "test_result": holder.test_result, "test_sampled_at": holder.test_sampled_at,
    }, ["enterprise_id", "id_number"])
    person = db.session.scalar(select(Person).where(Person.enterprise_id == enterprise_id,
                                                    Person.id_number == holder.id_number))
    person.name, person.phone, person.health_code = holder.name, holder.phone, holder.health_code
    # An application may quote an older test than one already on record: keep the newest.
    if holder.test_sampled_at >= person.test_sampled_at:
        person.test_result, person.test_sampled_at = holder.test_result, holder.test_sampled_at
    restore_if_cleared(person)
    return person


def test_window() -> timedelta:
    return timedelta(hours=current_app.config["TEST_WINDOW_HOURS"])


def test_lapsed(person: Person, now: datetime | None = None) -> bool:
    """Whether the person's latest test is older than the test window."""
    return person.test_sampled_at < (now or utcnow()) - test_window()


def cleared(person: Person, now: datetime | None = None) -> bool:
    """Green health code and a negative test inside the window: on the drivers' white list."""
    return (person.health_code == "green" and person.test_result == "negative"
            and not test_lapsed(person, now))


def restore_if_cleared(person: Person, now: datetime | None = None) -> None:
    """A fresh green, negative result puts a person the re-check dropped back on the list."""
    if not person.whitelisted and cleared(person, now):
        person.whitelisted, person.delisted_at = True, None


def whitelisted_drivers(now: datetime | None = None) -> int:
    """Distinct drivers of vehicle passes who are cleared now, whatever their passes' state."""
    since = (now or utcnow()) - test_window()
    # By ID number: one driver working for two enterprises is two records but one driver.
    drives = select(Pass.id).where(Pass.person_id == Person.id, Pass.kind == "vehicle")
    return db.session.scalar(
        select(func.count(distinct(Person.id_number)))
        .where(Person.health_code == "green", Person.test_result == "negative",
               Person.test_sampled_at >= since, drives.exists())
    )


def list_people(actor, *, query: str | None = None, lapsed: bool = False, retest: bool = False,
                now=None):
    """A select over the actor's enterprise's people, by name, for paging."""
    statement = select(Person).where(Person.enterprise_id == actor.enterprise_id)
    if query:
        pattern = f"%{query.strip()}%"
        statement = statement.where(Person.name.like(pattern) | Person.id_number.like(pattern))
    if lapsed:
        statement = statement.where(Person.test_sampled_at < (now or utcnow()) - test_window())
    if retest:
        statement = statement.where(Person.whitelisted.is_(False))
    return statement.order_by(Person.name, Person.id)


def retest_count(actor) -> int:
    """How many of the actor's enterprise's people the re-check dropped off the white list."""
    return db.session.scalar(select(func.count()).select_from(Person).where(
        Person.enterprise_id == actor.enterprise_id, Person.whitelisted.is_(False)))


def get_person(person_id: int, actor) -> Person:
    """One of the actor's enterprise's people; anyone else's is reported as missing."""
    person = db.session.get(Person, person_id)
    if person is None or actor.role != "enterprise" or person.enterprise_id != actor.enterprise_id:
        raise NotFound()
    return person


@unit_of_work()
def update_person_health(person_id: int, data: Mapping, actor,
                         now: datetime | None = None) -> Person:
    """Record a person's latest health code and test, e.g. at the daily re-check."""
    person = get_person(person_id, actor)
    now = now or utcnow()
    fields = Fields(data)
    health_code = fields.choice("health_code", HEALTH_CODES)
    test = fields.nested("test")
    result, sampled_at = read_test(test, now)
    if sampled_at is not None and sampled_at < person.test_sampled_at:
        test.error("sampled_at", _l("A newer test is already on record."))
    fields.raise_if_invalid()
    person.health_code, person.test_result, person.test_sampled_at = health_code, result, sampled_at
    restore_if_cleared(person, now)
    record(actor.username, "person.health", str(person.id), health_code=health_code,
           test_result=result, test_sampled_at=sampled_at.isoformat())
    return person
