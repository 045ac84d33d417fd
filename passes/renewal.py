"""Renewal: a new test result re-issues a pass with a new number and QR, revoking the old."""
from collections.abc import Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l

from core.access import Actor
from core.db import utcnow
from core.errors import Conflict, ValidationFailed
from core.unit_of_work import unit_of_work
from passes.application import check_enterprise, read_application
from passes.models import Pass, Person
from passes.service import get_pass, issue, own_enterprise, revoke

RENEWED = "renewed"
# What the renewal body may change, by its path in a full application.
_RENEWAL_FIELDS = ("health_code", "test")


@unit_of_work()
def renew_pass(number: str, data: Mapping, actor: Actor, now: datetime | None = None) -> Pass:
    """Re-issue a live pass for a new test: same holder, route and plate; the window keeps its
    end unless a new one is given. Body: {"test": {...}, "health_code"?, "valid_from"?,
    "valid_until"?}."""
    now = now or utcnow()
    old = get_pass(number, actor)
    enterprise = check_enterprise(own_enterprise(actor))
    if old.revoked:
        raise Conflict(_l("This pass is revoked: apply for a new one."))
    if not isinstance(data, Mapping):
        raise ValidationFailed({"body": _l("Must be an object.")})
    key = "driver" if old.kind == "vehicle" else "person"
    try:
        application = read_application(_as_application(old, data, key, now), enterprise, now)
    except ValidationFailed as error:
        raise ValidationFailed({_renewal_path(path, key): message
                                for path, message in error.fields.items()}) from None
    pass_ = issue(application, enterprise, actor, renewed_from=old)
    revoke(old, RENEWED, actor)
    return pass_


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
