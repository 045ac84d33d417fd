"""Results from the health-code and testing platforms, recorded for anyone by the authority."""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from core.access import Actor
from core.db import utcnow
from core.errors import Message, ValidationFailed
from core.unit_of_work import unit_of_work
from core.validation import Fields
from core.validators import mask_name, resident_id_is_valid
from people import health
from people.models import HEALTH_CODES, TEST_RESULTS

MAX_RESULTS = 5000


@dataclass(frozen=True)
class Report:
    id_number: str
    name: str
    health_code: str | None
    test_result: str | None
    sampled_at: datetime | None
    observed_at: datetime


def read_results(data: Mapping, now: datetime) -> tuple[Report, ...]:
    """A batch of results, every row checked at once and refused by dotted path."""
    fields = Fields(data)
    rows = fields.data.get("results")
    reports: list[Report | None] = []
    if not isinstance(rows, list) or not rows:
        fields.error("results", _l("Give a non-empty list of results."))
    elif len(rows) > MAX_RESULTS:
        fields.error("results", _l("At most %(count)d results at once.", count=MAX_RESULTS))
    else:
        reports = [_report(Fields(row, f"results.{index}.", fields.errors), now)
                   for index, row in enumerate(rows)]
    fields.raise_if_invalid()
    return tuple(report for report in reports if report is not None)  # all: none was refused


@unit_of_work()
def record_results(reports: Sequence[Report], actor: Actor,
                   now: datetime | None = None) -> tuple[int, int]:
    """Record a batch, all or nothing: (rows accepted, facts not already on record)."""
    now = now or utcnow()
    _check_names(reports)
    stored = sum(_record(report, actor.username, now) for report in reports)
    return len(reports), stored


def _report(fields: Fields, now: datetime) -> Report | None:
    id_number = fields.text("id_number", max_length=18, check=resident_id_is_valid,
                            invalid=_l("Not a valid 18-character resident ID number "
                                       "(check the last character)."))
    name = fields.text("name", max_length=50)
    colour = fields.choice("health_code", HEALTH_CODES, required=False)
    result = sampled_at = None
    if fields.data.get("test") is not None:
        test = fields.nested("test")
        result = test.choice("result", TEST_RESULTS)
        sampled_at = _not_future(test, "sampled_at", now)
    observed_at = _not_future(fields, "observed_at", now, required=False) or now
    if "health_code" not in fields.data and "test" not in fields.data:
        fields.error("health_code", _l("Give a health code, a test or both."))
    if not all(fields.ok(name) for name in ("id_number", "name", "health_code", "observed_at")) \
            or id_number is None or name is None \
            or ("test" in fields.data and (result is None or sampled_at is None)):
        return None
    return Report(id_number.upper(), name, colour, result, sampled_at, observed_at)


def _not_future(fields: Fields, name: str, now: datetime, required: bool = True):
    moment = fields.timestamp(name, required=required)
    skew = timedelta(seconds=current_app.config["CLOCK_SKEW_SECONDS"])
    if moment is not None and moment > now + skew:
        fields.error(name, _l("This time is in the future."))
        return None
    return moment


def _check_names(reports: Sequence[Report]) -> None:
    """One ID number, one name: against the record and within the batch."""
    errors: dict[str, Message] = {}
    names: dict[str, str] = {}
    for index, report in enumerate(reports):
        known = names.get(report.id_number)
        if known is None:
            person = health.find_person(report.id_number)
            known = person.name if person else report.name
            names[report.id_number] = known
        if known != report.name:
            errors[f"results.{index}.id_number"] = _l(
                "This ID number is on record under another name (%(name)s).",
                name=mask_name(known))
    if errors:
        raise ValidationFailed(errors)


def _record(report: Report, actor: str, now: datetime) -> int:
    person = health.person_for(report.id_number, report.name)
    stored = 0
    with health.announcing_refusals(person):
        if report.health_code:
            stored += health.record_code(person, report.health_code, report.observed_at,
                                         source=health.PLATFORM, actor=actor)
        if report.test_result and report.sampled_at:
            stored += health.record_test(person, report.test_result, report.sampled_at,
                                         source=health.PLATFORM, actor=actor)
    health.restore_if_cleared(person, now)
    return stored
