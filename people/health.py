"""A person's health facts, from any source: the latest sample (or observation) decides."""
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import and_, or_, select, true, update

from audit.service import record
from core import events
from core.db import db, insert_ignoring_conflict
from core.validators import resident_id_birth_date
from people.models import HealthResult, Person

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


def record_test(person: Person, result: str, sampled_at: datetime, *, source: str,
                actor: str) -> bool:
    """Keep a test result; it becomes the person's current one if sampled later than theirs
    (on the same sample time a positive wins). False if it was already on record."""
    stored = _store(person, "test", result, sampled_at, source, actor)
    later = or_(Person.test_sampled_at.is_(None), Person.test_sampled_at < sampled_at,
                and_(Person.test_sampled_at == sampled_at,
                     true() if result == "positive" else Person.test_result != "positive"))
    _make_current(person, later, test_result=result, test_sampled_at=sampled_at)
    return stored


def record_code(person: Person, colour: str, observed_at: datetime, *, source: str,
                actor: str) -> bool:
    """Keep a health-code observation; the latest observed is the person's current code.
    False if it changed nothing on record."""
    later = or_(Person.health_code_at.is_(None), Person.health_code_at <= observed_at)
    if person.health_code == colour:
        # The same colour again is no change, only a later "as of" (issuing quotes one each
        # time): a late report of an older other colour must not then take over.
        _make_current(person, later, health_code_at=observed_at)
        return False
    stored = _store(person, "health_code", colour, observed_at, source, actor)
    _make_current(person, later, health_code=colour, health_code_at=observed_at)
    return stored


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
