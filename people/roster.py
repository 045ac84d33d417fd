"""Drivers and supply staff: each enterprise's roster of persons, and the holders of passes."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import access
from core.access import Actor
from core.db import db, insert_ignoring_conflict, utcnow
from core.errors import NotFound, ValidationFailed
from core.unit_of_work import unit_of_work
from passes.application import Holder
from passes.models import Pass
from people import health
from people.health import restore_if_cleared
from people.inputs import HealthUpdate
from people.models import EnterprisePerson, Person
from whitelist.models import Enterprise


def record_holder(enterprise: Enterprise, holder: Holder, actor: str,
                  now: datetime | None = None) -> int:
    """The person an application names, put on the enterprise's roster, with the health
    facts it quotes recorded as the enterprise's report; the person's id."""
    now = now or utcnow()
    person_id = health.record_report(
        holder.id_number, holder.name, holder.phone, colour=holder.health_code,
        result=holder.test_result, sampled_at=holder.test_sampled_at,
        source=health.enterprise_source(enterprise.code), actor=actor, now=now)
    insert_ignoring_conflict(EnterprisePerson, {"enterprise_id": enterprise.id,
                                                "person_id": person_id, "added_at": now},
                             ["enterprise_id", "person_id"])
    return person_id


def whitelisted_drivers(now: datetime | None = None) -> int:
    """Distinct drivers of vehicle passes who are cleared now, whatever their passes' state."""
    drives = select(Pass.id).where(Pass.person_id == Person.id, Pass.kind == "vehicle")
    return db.session.execute(select(func.count()).select_from(Person).where(
        Person.cleared_at(now or utcnow()), drives.exists())).scalar_one()


def _on_roster(actor: Actor):
    return select(EnterprisePerson.person_id).where(
        access.acting_for(actor, EnterprisePerson.enterprise_id))


def list_people(actor: Actor, *, query: str | None = None, lapsed: bool = False,
                retest: bool = False, now=None):
    """A select over the actor's enterprise's people, by name, for paging."""
    statement = select(Person).where(Person.id.in_(_on_roster(actor)))
    if query:
        pattern = f"%{query.strip()}%"
        statement = statement.where(Person.name.like(pattern) | Person.id_number.like(pattern))
    if lapsed:
        statement = statement.where(Person.test_lapsed_at(now or utcnow()))
    if retest:
        statement = statement.where(Person.whitelisted.is_(False))
    return statement.order_by(Person.name, Person.id)


def retest_count(actor: Actor) -> int:
    """How many of the actor's enterprise's people the re-check dropped off the white list."""
    return db.session.execute(select(func.count()).select_from(Person).where(
        Person.id.in_(_on_roster(actor)), Person.whitelisted.is_(False))).scalar_one()


def get_person(person_id: int, actor: Actor) -> Person:
    """A person on the actor's enterprise's roster; anyone else is reported as missing."""
    person = db.session.get(Person, person_id)
    if person is None or db.session.scalar(
            _on_roster(actor).where(EnterprisePerson.person_id == person_id)) is None:
        raise NotFound()
    return person


@unit_of_work()
def update_person_health(person: Person, update: HealthUpdate, actor: Actor,
                         now: datetime | None = None) -> Person:
    """Record the latest health code and test of a person on the actor's roster (get_person),
    e.g. at the daily re-check."""
    now = now or utcnow()
    if person.test_sampled_at is not None and update.test_sampled_at < person.test_sampled_at:
        raise ValidationFailed({"test.sampled_at": _l("A newer test is already on record.")})
    source = health.enterprise_source(
        db.session.get_one(Enterprise, access.clerk_of(actor)).code)
    with health.announcing_refusals(person):
        health.record_code(person, update.health_code, now, source=source,
                           actor=actor.username)
        health.record_test(person, update.test_result, update.test_sampled_at, source=source,
                           actor=actor.username)
    restore_if_cleared(person, now)
    return person
