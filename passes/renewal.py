"""Renewal: a new test result re-issues a pass with a new number and QR, revoking the old."""
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from core.access import Actor
from core.db import db
from core.errors import Conflict, ValidationFailed
from core.unit_of_work import unit_of_work
from passes.application import Application, check_enterprise, read_application
from passes.models import Pass, Person
from passes.service import get_pass, issue, own_enterprise, revoke
from whitelist.models import Enterprise

RENEWED = "renewed"
# What the renewal body may change, by its path in a full application.
_RENEWAL_FIELDS = ("health_code", "test")


@dataclass(frozen=True)
class Renewal:
    """A renewal read for one pass: its number, and the application that replaces it."""

    number: str
    application: Application


def read_renewal(number: str, data: object, actor: Actor, now: datetime) -> Renewal:
    """The renewal of a live pass as an application: same holder, route and plate, the window
    keeping its end unless a new one is given. Body: {"test": {...}, "health_code"?,
    "valid_from"?, "valid_until"?}, laid over the old pass's facts; errors name what the body
    sent. The pass is looked up first: one the actor may not renew is refused (404, 403,
    409) whatever the body says."""
    old, enterprise = _renewable(number, actor)
    if not isinstance(data, Mapping):
        raise ValidationFailed({"body": _l("Must be an object.")})
    key = "driver" if old.kind == "vehicle" else "person"
    try:
        application = read_application(_as_application(old, data, key, now), enterprise, now)
    except ValidationFailed as error:
        raise ValidationFailed({_renewal_path(path, key): message
                                for path, message in error.fields.items()}) from None
    return Renewal(number=number, application=application)


@unit_of_work()
def renew_pass(renewal: Renewal, actor: Actor) -> Pass:
    """Re-issue a pass as its renewal (read_renewal) says, with a new number and QR, and
    revoke the old one."""
    old, enterprise = _renewable(renewal.number, actor)
    pass_ = issue(renewal.application, enterprise, actor, renewed_from=old)
    revoke(old, RENEWED, actor)
    return pass_


def _renewable(number: str, actor: Actor) -> tuple[Pass, Enterprise]:
    """The actor's pass and enterprise, refused if missing (404), if the enterprise may not
    get passes (403) or if the pass is revoked (409)."""
    old = get_pass(number, actor)
    enterprise = check_enterprise(own_enterprise(actor))
    # Read again, not from the session: a renewal is read before its use case takes the write
    # turn, and another renewal of the pass may revoke it in between.
    db.session.refresh(old)
    if old.revoked:
        raise Conflict(_l("This pass is revoked: apply for a new one."))
    return old, enterprise


def _as_application(old: Pass, data: Mapping, key: str, now: datetime) -> dict:
    """The old pass's facts as an application, with the renewal's changes laid over them."""
    person = old.person
    start = max(old.valid_from, now.replace(microsecond=0))
    application = {
        "kind": old.kind,
        key: {"name": person.name, "id_number": person.id_number, "phone": person.phone,
              "health_code": data.get("health_code", person.health_code),
              "test": data.get("test")},
        "origin": old.origin,
        "destination": old.destination,
        "valid_from": data.get("valid_from", start.isoformat()),
        "valid_until": data.get("valid_until", old.valid_until.isoformat()),
    }
    if old.kind == "vehicle":
        application |= {"plate": old.plate, "cargo": old.cargo}
    if old.crew:
        application["crew"] = [_as_member(seat.person) for seat in old.crew]
    return application


def _as_member(person: Person) -> dict:
    """A crew member as the renewal carries them on: their health facts on record now, which
    the issuing rules judge again."""
    return {"name": person.name, "id_number": person.id_number, "phone": person.phone,
            "health_code": person.health_code,
            "test": {"result": person.test_result,
                     "sampled_at": person.test_sampled_at.isoformat()
                     if person.test_sampled_at else None}}


def _renewal_path(path: str, key: str) -> str:
    """driver.test.sampled_at -> test.sampled_at: errors name what the renewal body sent."""
    inner = path.removeprefix(key + ".")
    return inner if inner.split(".")[0] in _RENEWAL_FIELDS else path
