"""Reading a pass application (shared/CONTRACT.md) and checking it against the issuing rules."""
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from core.divisions import default_divisions
from core.errors import DomainError
from core.i18n import in_language, local_zone
from core.validation import Fields
from core.validators import (
    mask_name,
    mobile_is_valid,
    normalize_plate,
    plate_is_trailer,
    plate_is_valid,
    resident_id_is_valid,
)
from passes.models import HEALTH_CODES, KINDS, TEST_RESULTS
from people import health
from whitelist.models import Category, Enterprise
from whitelist.service import categories

MAX_VIA = 8  # shared/CONTRACT.md: up to 8 counties between origin and destination
MAX_CREW = 2  # co-drivers and escorts (随车人员) on a vehicle pass


class NoEnterprise(DomainError):
    status = 403
    code = "no_enterprise"
    message = _l("Register your enterprise before applying for passes.")


class EnterpriseNotApproved(DomainError):
    status = 403
    code = "enterprise_not_approved"
    message = _l("Only white-listed enterprises may apply for passes.")


class EnterpriseRed(DomainError):
    status = 403
    code = "enterprise_red"
    message = _l("The enterprise is red (production suspended): it may not get new passes.")


@dataclass(frozen=True)
class Holder:
    """The driver of a vehicle pass, or the supply-staff member of a personnel pass."""

    name: str
    id_number: str
    phone: str
    health_code: str
    test_result: str
    test_sampled_at: datetime


@dataclass(frozen=True)
class Application:
    kind: str
    holder: Holder
    origin: str
    destination: str
    valid_from: datetime
    valid_until: datetime
    plate: str | None = None
    cargo: str | None = None
    via: tuple[str, ...] = ()
    crew: tuple[Holder, ...] = ()

    @property
    def holder_key(self) -> str:
        """The object that names the holder in the request: driver or person."""
        return "driver" if self.kind == "vehicle" else "person"


def check_enterprise(enterprise: Enterprise | None) -> Enterprise:
    """Refuse (403) an enterprise that may not get passes: missing, not white-listed, red."""
    if enterprise is None:
        raise NoEnterprise()
    if not enterprise.whitelisted:
        raise EnterpriseNotApproved()
    if enterprise.colour == "red":
        raise EnterpriseRed()
    return enterprise


def read_application(data: Mapping, enterprise: Enterprise, now: datetime) -> Application:
    """Validate every field and rule, reporting all errors at once by dotted path."""
    fields = Fields(data)
    kind = fields.choice("kind", KINDS)
    plate = cargo = holder_fields = None
    if kind == "personnel":
        fields.reject_extra("plate", "driver", "cargo",
                            message=_l("A personnel pass has no vehicle, driver or cargo."))
        fields.reject_extra("crew", message=_l("A personnel pass has no crew."))
        holder_fields = fields.nested("person")
    elif kind == "vehicle":
        fields.reject_extra("person", message=_l("A vehicle pass names a driver instead."))
        plate = _plate(fields)
        holder_fields = fields.nested("driver")
        cargo = _cargo(fields, enterprise)
    origin = fields.county("origin")
    destination = fields.county("destination")
    via = _via(fields, kind)
    valid_from, valid_until = _window(fields, now)
    # Without a known kind the holder's object has no name to be read under.
    holder = (_holder(holder_fields, kind, valid_from, now) if holder_fields is not None and kind
              else None)
    crew = _crew(fields, holder, valid_from, now) if kind == "vehicle" else ()
    fields.raise_if_invalid()
    # Nothing was refused, so every required field is here.
    assert kind and holder and origin and destination and valid_from and valid_until
    return Application(kind=kind, holder=holder, origin=origin, destination=destination,
                       valid_from=valid_from, valid_until=valid_until, plate=plate, cargo=cargo,
                       via=via, crew=crew)


def check_vehicle(fields: Fields, now: datetime) -> None:
    """Check a vehicle application's plate and driver alone, as read_application would for a
    pass starting now, recording their errors in `fields`: for a form whose other parts
    could not be judged, so that it still shows every error at once."""
    _plate(fields)
    _holder(fields.nested("driver"), "vehicle", now, now)


def _crew(fields: Fields, driver: Holder | None, valid_from: datetime | None,
          now: datetime) -> tuple[Holder, ...]:
    """Up to MAX_CREW co-drivers and escorts, each held to the driver's rules, reported as
    crew.0.id_number and so on."""
    value = fields.data.get("crew")
    if not value:
        return ()
    if not isinstance(value, list):
        fields.error("crew", _l("Must be a list of persons."))
        return ()
    if len(value) > MAX_CREW:
        fields.error("crew", _l("At most %(count)d crew members.", count=MAX_CREW))
        return ()
    crew = tuple(_holder(Fields(member, fields.path(f"crew.{index}."), fields.errors),
                         "vehicle", valid_from, now)
                 for index, member in enumerate(value))
    _refuse_repeated_people(fields, driver, crew)
    return tuple(member for member in crew if member is not None)  # the rest have errors


def _refuse_repeated_people(fields: Fields, driver: Holder | None,
                            crew: tuple[Holder | None, ...]) -> None:
    """One person travels in one seat: the driver is not crew, and no one is listed twice."""
    seen = {driver.id_number} if driver else set()
    for index, member in enumerate(crew):
        if member is None:
            continue
        if driver and member.id_number == driver.id_number:
            fields.error(f"crew.{index}.id_number", _l("This is the driver: list only the "
                                                       "other people on board."))
        elif member.id_number in seen:
            fields.error(f"crew.{index}.id_number", _l("This person is already listed."))
        seen.add(member.id_number)


def _cargo(fields: Fields, enterprise: Enterprise) -> str | None:
    cargo = fields.text("cargo", max_length=64)
    if cargo is None:
        return None
    if cargo not in {category.code for category in categories()}:
        fields.error("cargo", _l("Not a cargo category. Your enterprise is approved for: "
                                 "%(names)s.", names=_names(enterprise.categories)))
        return None
    if cargo not in enterprise.category_codes:
        fields.error("cargo", _l("Your enterprise is not approved for this category."))
        return None
    return cargo


def _names(of: list[Category]) -> str:
    """The categories named in the request's language: the codes are the API's, not a
    clerk's."""
    separator = in_language("、", ", ")
    return separator.join(in_language(category.name_zh, category.name_en) for category in of)


def _plate(fields: Fields) -> str | None:
    plate = fields.text("plate", max_length=20)
    if plate is None:
        return None
    if plate_is_trailer(plate):
        fields.error("plate", _l("This is a trailer plate (挂): give the tractor's plate."))
        return None
    plate = normalize_plate(plate)
    if not plate_is_valid(plate):
        fields.error("plate", _l("Not a valid plate, e.g. 桂E12345 or 桂ED12345."))
        return None
    return plate


def _via(fields: Fields, kind: str | None) -> tuple[str, ...]:
    """Up to MAX_VIA county codes between origin and destination (a vehicle's route), as a
    list or as one text separated by commas or spaces (the form, a bulk file's cell)."""
    value = fields.data.get("via")
    if isinstance(value, str):
        value = [part for part in re.split(r"[\s,，、;；]+", value) if part]
    if not value:
        return ()
    if kind == "personnel":
        fields.error("via", _l("A personnel pass has no route beyond home and work."))
        return ()
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        fields.error("via", _l("Must be a list of county codes."))
        return ()
    codes = tuple(dict.fromkeys(code.strip() for code in value))
    unknown = [code for code in codes if not default_divisions().is_county(code)]
    if unknown:
        fields.error("via", _l("Not a known county-level division code: %(codes)s.",
                               codes=", ".join(unknown)))
    elif len(codes) > MAX_VIA:
        fields.error("via", _l("At most %(count)d counties on the way.", count=MAX_VIA))
    return codes if fields.ok("via") else ()


def _window(fields: Fields, now: datetime) -> tuple[datetime | None, datetime | None]:
    valid_from = fields.timestamp("valid_from")
    valid_until = fields.timestamp("valid_until")
    if valid_from is None or valid_until is None:
        return valid_from, valid_until
    longest = current_app.config["MAX_VALIDITY_DAYS"]
    if valid_until <= valid_from:
        fields.error("valid_until", _l("Must be later than the start of validity."))
    elif valid_until - valid_from > timedelta(days=longest):
        fields.error("valid_until", _l("A pass may be valid for at most %(days)d days.",
                                       days=longest))
    elif valid_until <= now:
        fields.error("valid_until", _l("This window has already ended."))
    return valid_from, valid_until


def _holder(fields: Fields, kind: str, valid_from: datetime | None,
            now: datetime) -> Holder | None:
    name = fields.text("name", max_length=50)
    id_number = fields.text("id_number", max_length=18, check=resident_id_is_valid,
                            invalid=_l("Not a valid 18-character resident ID number "
                                       "(check the last character)."))
    phone = fields.text("phone", max_length=11, check=mobile_is_valid,
                        invalid=_l("Not a mainland mobile number (11 digits)."))
    health_code = fields.choice("health_code", HEALTH_CODES)
    if health_code and health_code != "green":
        fields.error("health_code", _l("Only a holder with a green health code may get a pass."))
    test = fields.nested("test")
    result, sampled_at = _fresh_test(test, valid_from, now)
    if id_number and name:
        _check_record(fields, health.find_person(id_number), name, sampled_at)
    if result == "positive" and fields.ok("test"):  # else a positive on record says it all
        test.error("result", _l("Only a holder with a negative test may get a pass."))
    if id_number and valid_from and kind == "vehicle" \
            and not health.adult_on(id_number, valid_from.astimezone(local_zone()).date()):
        # Driver and crew alike: the field the error is under says whose ID it is.
        fields.error("id_number", _l("Must be at least 18 years old when the pass starts."))
    if (name is None or id_number is None or phone is None or health_code is None
            or result is None or sampled_at is None):
        return None  # the errors are recorded; raise_if_invalid refuses
    return Holder(name=name, id_number=id_number.upper(), phone=phone, health_code=health_code,
                  test_result=result, test_sampled_at=sampled_at)


def _check_record(fields: Fields, person, name: str, sampled_at: datetime | None) -> None:
    """What the registry knows of the person outweighs what the application quotes."""
    if health.other_name_on_record(person, name):
        fields.error("id_number", _l("This ID number is on record under another name "
                                     "(%(name)s).", name=mask_name(person.name)))
    if health.positive_on_record(person, sampled_at):
        fields.error("test", _l("This person's latest recorded test is positive: no pass may "
                                "be issued until a later negative test is recorded."))
    if health.code_not_green_on_record(person):
        fields.error("health_code", _l("This person's health code on record is not green: no "
                                       "pass may be issued until a green code is recorded."))


def _fresh_test(fields: Fields, valid_from: datetime | None,
                now: datetime) -> tuple[str | None, datetime | None]:
    """A test sampled no more than the test window before both the time of issue and the
    start of the pass."""
    result, sampled_at = read_test(fields, now)
    hours = current_app.config["TEST_WINDOW_HOURS"]
    window = timedelta(hours=hours)
    if sampled_at and now - sampled_at > window:
        fields.error("sampled_at", _l("Sampled more than %(hours)d hours ago.", hours=hours))
    elif sampled_at and valid_from and valid_from - sampled_at > window:
        fields.error("sampled_at", _l("Sampled more than %(hours)d hours before the pass starts.",
                                      hours=hours))
    return result, sampled_at


def read_test(fields: Fields, now: datetime) -> tuple[str | None, datetime | None]:
    """A test result and its sample time, which may not be in the future (beyond clock skew)."""
    result = fields.choice("result", TEST_RESULTS)
    sampled_at = fields.timestamp("sampled_at")
    skew = timedelta(seconds=current_app.config["CLOCK_SKEW_SECONDS"])
    if sampled_at is not None and sampled_at > now + skew:
        fields.error("sampled_at", _l("The sample time is in the future."))
        return result, None
    return result, sampled_at
