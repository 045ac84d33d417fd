"""The web forms' flat fields as the API's JSON shapes, and errors back again.

Inputs are named by their dotted path (person.test.sampled_at), so a refusal's field paths
point at the inputs; the holder is `person` on the form whatever the kind of pass.
"""
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import current_app

from core.db import utcnow
from core.i18n import local_zone
from core.validation import county_by_name

HOLDER = "person"
ROUTE_FIELDS = ("origin", "destination")
CREW_SEATS = 2  # the form's crew sections: crew.0.name, crew.1.name, ...
PERSON_FIELDS = ("name", "id_number", "phone", "health_code")
# What a clerk types for a crew member; the health code and result come preset.
TYPED_FIELDS = ("name", "id_number", "phone", "test.sampled_at")


def local_to_iso(value: str | None) -> str | None:
    """A datetime-local input (no offset) read as the deployment's local time."""
    if not value:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # the service explains what it expected
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.isoformat()


def iso_to_local(moment: datetime) -> str:
    """The value a datetime-local input shows for an aware datetime."""
    return moment.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")


def test_from_form(form: Mapping, prefix: str) -> dict:
    return {"result": form.get(f"{prefix}test.result"),
            "sampled_at": local_to_iso(form.get(f"{prefix}test.sampled_at"))}


def application_from_form(form: Mapping) -> dict:
    """The application form as the JSON body POST /api/v1/passes takes."""
    kind = form.get("kind")
    holder = person_from_form(form, f"{HOLDER}.")
    data = {"kind": kind, "driver" if kind == "vehicle" else "person": holder,
            "origin": form.get("origin"), "destination": form.get("destination"),
            "valid_from": local_to_iso(form.get("valid_from")),
            "valid_until": local_to_iso(form.get("valid_until"))}
    if kind == "vehicle":
        data |= {"plate": form.get("plate"), "cargo": form.get("cargo"),
                 "via": form.get("via") or None}
        crew = crew_from_form(form)
        if crew:
            data["crew"] = crew
    return data


def person_from_form(form: Mapping, prefix: str) -> dict:
    person = {name: form.get(f"{prefix}{name}") for name in PERSON_FIELDS}
    person["test"] = test_from_form(form, prefix)
    return person


def crew_from_form(form: Mapping) -> list[dict]:
    """The crew sections up to the last one the clerk typed into: an untouched last section is
    no one, while one left empty before a filled one keeps its place, so that each error's
    path (crew.1.phone) names the input it is about."""
    seats = [f"crew.{index}." for index in range(CREW_SEATS)]
    typed = [index for index, prefix in enumerate(seats)
             if any((form.get(prefix + name) or "").strip() for name in TYPED_FIELDS)]
    return [person_from_form(form, prefix) for prefix in seats[:typed[-1] + 1]] if typed else []


def county_codes(data: dict) -> dict:
    """Route counties typed as names replaced by their codes in data; the names that name no
    county or several, as errors by field (the service would only say "not a code")."""
    errors = {}
    for key in ROUTE_FIELDS:
        code, problem = county_by_name(data.get(key))
        if problem is None:
            data[key] = code
        else:
            errors[key] = problem
    return errors


def renewal_from_form(form: Mapping) -> dict:
    """The renewal form (inputs named renew.*) as the body of POST .../renew."""
    data = {"test": test_from_form(form, "renew."), "health_code": form.get("renew.health_code")}
    if form.get("renew.valid_until"):
        data["valid_until"] = local_to_iso(form["renew.valid_until"])
    return data


def form_errors(errors: Mapping) -> dict:
    """driver.name -> person.name: the form has one holder section for both kinds."""
    return {_form_path(path): message for path, message in errors.items()}


def _form_path(path: str) -> str:
    head, _, rest = path.partition(".")
    if head in ("driver", "person"):
        path = f"{HOLDER}.{rest}" if rest else HOLDER
    # A test refused whole (positive on record) is shown under its result: no input is
    # named after the test itself.
    return f"{path}.result" if path.endswith(".test") else path


def blank_application() -> dict:
    """The form's starting values: a vehicle pass from now, for a week.

    Now, to the minute the input shows: a later start would be "not yet valid" at a gate
    the driver reaches before it."""
    start = utcnow().replace(second=0, microsecond=0)
    days = min(7, current_app.config["MAX_VALIDITY_DAYS"])
    blank = {"kind": "vehicle", "valid_from": iso_to_local(start),
             "valid_until": iso_to_local(start + timedelta(days=days))}
    for prefix in (f"{HOLDER}.", *(f"crew.{index}." for index in range(CREW_SEATS))):
        blank |= {f"{prefix}health_code": "green", f"{prefix}test.result": "negative"}
    return blank
