"""A person's health facts, from any source: the latest sample (or observation) decides."""
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    case,
    or_,
    select,
    true,
    update,
)

from audit.service import record
from core import events
from core.db import UTCDateTime, db, ignoring_conflict, insert_ignoring_conflict
from core.validators import resident_id_birth_date
from people.models import HealthResult, Person, health_results_table, people_table

PLATFORM = "platform"
ADULT_AGE = 18


def enterprise_source(code: str) -> str:
    """The source named on what an enterprise reports."""
    return f"enterprise:{code}"


def find_person(id_number: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.id_number == id_number.upper()))


def person_for(id_number: str, name: str, phone: str | None = None) -> Person:
    """The person with this ID number, created on first sight; of two racing creators one wins.

    The caller has checked the name: a person's name on record never changes here."""
    id_number = id_number.upper()
    insert_ignoring_conflict(Person, {"id_number": id_number, "name": name, "phone": phone},
                             ["id_number"])
    person = find_person(id_number)
    assert person is not None  # inserted above, or already there
    if phone:
        person.phone = phone
    return person


def record_report(id_number: str, name: str, phone: str, *, colour: str,
                  result: str, sampled_at: datetime, source: str, actor: str,
                  now: datetime) -> int:
    """A report of a person's health code (observed `now`) and test, kept as person_for,
    record_code, record_test and restore_if_cleared keep them; the person's id.

    Issuing reports every holder inside the serial's lock, so this is a few statements built
    once rather than the ORM's loads and flushes (bench/RESULTS.md, issue 17): a person seen
    for the first time is inserted with the facts already current, and a known one has both
    facts (and the phone) made current by one conditional UPDATE.
    """
    id_number = id_number.upper()
    connection = db.session.connection()
    insert_person = ignoring_conflict(connection.dialect.name, people_table, ("id_number",),
                                      returning="id")
    person_id = connection.execute(insert_person, {
        "id_number": id_number, "name": name, "phone": phone, "health_code": colour,
        "health_code_at": now, "test_result": result, "test_sampled_at": sampled_at}).scalar()
    if person_id is not None:  # first sight: nothing on record for the facts to be later than
        _keep_reported(person_id, [("health_code", colour, now), ("test", result, sampled_at)],
                       source, actor)
        return person_id
    known = connection.execute(_known_person(), {"id_number": id_number}).one()
    reported = [("test", result, sampled_at)]
    if known.health_code != colour:  # the same colour again is only a later "as of"
        reported.insert(0, ("health_code", colour, now))
    _keep_reported(known.id, reported, source, actor)
    connection.execute(_make_reported_current(result), {
        "person_id": known.id, "reported_phone": phone, "colour": colour, "observed_at": now,
        "result": result, "sampled_at": sampled_at})
    _forget_loaded(known.id)
    if not known.whitelisted:
        restore_if_cleared(db.session.get_one(Person, known.id), now)
    return known.id


def _keep_reported(person_id: int, facts: list[tuple[str, str, datetime]], source: str,
                   actor: str) -> None:
    """Store each (kind, value, at) not already on record, and audit each stored, as _store."""
    connection = db.session.connection()
    stored = {row.kind for row in connection.execute(
        ignoring_conflict(connection.dialect.name, health_results_table,
                          ("person_id", "kind", "at", "value"), returning="kind"),
        [{"person_id": person_id, "kind": kind, "value": value, "at": at, "source": source,
          "recorded_by": actor} for kind, value, at in facts])}
    for kind, value, at in facts:
        if kind in stored:
            record(actor, "person.health", str(person_id), kind=kind, value=value,
                   at=at.isoformat(), source=source)


def _forget_loaded(person_id: int) -> None:
    """A Person loaded before (reading the application did) reloads what the statements
    changed under it."""
    loaded = db.session.identity_map.get(db.session.identity_key(Person, person_id))
    if loaded is not None:
        db.session.expire(loaded)


@cache
def _known_person():
    columns = people_table.c
    return select(columns.id, columns.health_code, columns.whitelisted).where(
        columns.id_number == bindparam("id_number"))


@cache
def _make_reported_current(result: str):
    """One UPDATE for record_code's and record_test's conditions: each fact becomes current
    where it is later than the one on record; both are judged on the row as it was."""
    columns = people_table.c
    observed_at, sampled_at = (bindparam("observed_at", type_=UTCDateTime),
                               bindparam("sampled_at", type_=UTCDateTime))
    code_later, test_later = _code_is_later(observed_at), _test_is_later(result, sampled_at)
    phone = bindparam("reported_phone", type_=String)
    return (update(people_table)
            .where(columns.id == bindparam("person_id"),
                   or_(code_later, test_later, columns.phone.is_distinct_from(phone)))
            .values(phone=phone,
                    health_code=case((code_later, bindparam("colour")),
                                     else_=columns.health_code),
                    health_code_at=case((code_later, observed_at),
                                        else_=columns.health_code_at),
                    test_result=case((test_later, bindparam("result")),
                                     else_=columns.test_result),
                    test_sampled_at=case((test_later, sampled_at),
                                         else_=columns.test_sampled_at)))


def record_test(person: Person, result: str, sampled_at: datetime, *, source: str,
                actor: str) -> bool:
    """Keep a test result; it becomes the person's current one if sampled later than theirs
    (on the same sample time a positive wins). False if it was already on record."""
    stored = _store(person, "test", result, sampled_at, source, actor)
    _make_current(person, _test_is_later(result, sampled_at), test_result=result,
                  test_sampled_at=sampled_at)
    return stored


def _test_is_later(result: str, sampled_at) -> ColumnElement[bool]:
    """SQL: a test with this result, so sampled (a value or a bound parameter), is later than
    the person's current one; on the same sample time a positive wins."""
    people = Person.__table__.c
    return or_(people.test_sampled_at.is_(None), people.test_sampled_at < sampled_at,
               and_(people.test_sampled_at == sampled_at,
                    true() if result == "positive" else people.test_result != "positive"))


def record_code(person: Person, colour: str, observed_at: datetime, *, source: str,
                actor: str) -> bool:
    """Keep a health-code observation; the latest observed is the person's current code.
    False if it changed nothing on record."""
    later = _code_is_later(observed_at)
    if person.health_code == colour:
        # The same colour again is no change, only a later "as of" (issuing quotes one each
        # time): a late report of an older other colour must not then take over.
        _make_current(person, later, health_code_at=observed_at)
        return False
    stored = _store(person, "health_code", colour, observed_at, source, actor)
    _make_current(person, later, health_code=colour, health_code_at=observed_at)
    return stored


def _code_is_later(observed_at) -> ColumnElement[bool]:
    """SQL: a code so observed is the latest (a value or a bound parameter)."""
    people = Person.__table__.c
    return or_(people.health_code_at.is_(None), people.health_code_at <= observed_at)


def _store(person: Person, kind: str, value: str, at: datetime, source: str,
           actor: str) -> bool:
    db.session.flush()  # the person row must exist before its facts
    stored = insert_ignoring_conflict(HealthResult, {
        "person_id": person.id, "kind": kind, "value": value, "at": at, "source": source,
        "recorded_by": actor}, ["person_id", "kind", "at", "value"])
    if stored:
        record(actor, "person.health", str(person.id), kind=kind, value=value,
               at=at.isoformat(), source=source)
    return stored


def _make_current(person: Person, later, **values) -> None:
    # One conditional UPDATE: of two racing reports, the later sample wins whichever commits
    # last (PostgreSQL re-reads the row's condition after waiting for its lock).
    db.session.execute(update(Person).where(Person.id == person.id, later).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.expire(person, list(values))


def refusals(person: Person) -> tuple[str, ...]:
    """The reason codes for which every checkpoint refuses the person's passes now."""
    return tuple(code for code, applies in (
        ("test_positive", person.test_result == "positive"),
        ("driver_not_green", person.health_code not in (None, "green"))) if applies)


@contextmanager
def announcing_refusals(person: Person) -> Iterator[None]:
    """Announce (events.holder_refused) the refusals that the changes made inside start."""
    before = refusals(person)
    yield
    causes = [code for code in refusals(person) if code not in before]
    if causes:
        events.holder_refused.send(person, causes=causes)


def other_name_on_record(person: Person | None, name: str) -> bool:
    """Whether this ID number is on record under a name other than the one given."""
    return person is not None and person.name != name.strip()


def positive_on_record(person: Person | None, quoted_sampled_at: datetime | None) -> bool:
    """Whether the person's latest recorded test is positive and not outdated by the quoted one."""
    if person is None or person.test_result != "positive":
        return False
    return quoted_sampled_at is None or (person.test_sampled_at is not None
                                         and person.test_sampled_at >= quoted_sampled_at)


def code_not_green_on_record(person: Person | None) -> bool:
    return person is not None and person.health_code not in (None, "green")


def adult_on(id_number: str, day: date) -> bool:
    """Whether the holder of this ID number is at least 18 years old on that day."""
    born = resident_id_birth_date(id_number)
    try:
        coming_of_age = born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # born on 29 February: of age on 1 March
        coming_of_age = date(born.year + ADULT_AGE, 3, 1)
    return day >= coming_of_age


def restore_if_cleared(person: Person, now: datetime) -> None:
    """A fresh green, negative result puts a person the re-check dropped back on the list."""
    if not person.whitelisted and person.cleared_at(now):
        person.whitelisted, person.delisted_at = True, None
