"""Reading untrusted input field by field, collecting every error before refusing."""
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from core.divisions import default_divisions
from core.errors import Message, ValidationFailed

REQUIRED = _l("This field is required.")
UNSTORABLE = _l("Contains a character that cannot be stored (NUL or an unpaired surrogate).")


def storable(text: str) -> bool:
    """Whether both databases can hold the text: PostgreSQL refuses NUL, and neither
    encodes the lone surrogates that JSON escapes such as \\ud800 produce."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_paths(value: object, path: str = "") -> Iterator[str]:
    """Dotted paths (list items by index) of the texts in a JSON value that are not storable."""
    if isinstance(value, str):
        if not storable(value):
            yield path or "body"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not storable(key):
                yield path or "body"
            else:
                yield from unstorable_paths(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unstorable_paths(item, f"{path}.{index}" if path else str(index))


def county_refusal(code: str) -> Message:
    """Why code is no county: abolished (and what it became), or simply unknown."""
    divisions = default_divisions()
    gone = divisions.abolished(code)
    if gone is None:
        return _l("Not a known county-level division code.")
    if gone.successor is None:
        return _l("%(code)s (%(name)s) was abolished.", code=code, name=gone.full_name)
    return _l("%(code)s (%(name)s) was abolished; it is now %(successor)s %(successor_name)s.",
              code=code, name=gone.full_name, successor=gone.successor,
              successor_name=divisions.full_name(gone.successor))


def county_by_name(value: object) -> tuple[object, Message | None]:
    """A county written as its name (赤坎区, 湛江市赤坎区) as its code, for the doors where people
    type names (forms, bulk files): (code, None), or (None, why) when the name names no county or
    several. Anything else comes back as it is, for the code rules to judge."""
    if not isinstance(value, str) or not value.strip() or value.strip().isdigit():
        return value, None
    name = value.strip()
    divisions = default_divisions()
    codes = divisions.counties_named(name)
    if len(codes) == 1:
        return codes[0], None
    if not codes:
        return None, _l("No county is named %(name)s: give its 6-digit code or its full name, "
                        "e.g. 湛江市赤坎区.", name=name)
    candidates = "、".join(f"{divisions.full_name(code)} {code}" for code in codes)
    return None, _l("%(name)s names several counties: %(candidates)s. Add its province or "
                    "prefecture, or give the code.", name=name, candidates=candidates)


class Fields:
    """Reads values from a mapping (JSON object or form) and records errors by dotted path."""

    def __init__(self, data: object, prefix: str = "",
                 errors: dict[str, Message] | None = None):
        self.data: Mapping[str, object] = data if isinstance(data, Mapping) else {}
        self.prefix = prefix
        self.errors: dict[str, Message] = {} if errors is None else errors
        if not isinstance(data, Mapping):
            self.errors[prefix.rstrip(".") or "body"] = _l("Must be an object.")

    def path(self, name: str) -> str:
        return self.prefix + name

    def error(self, name: str, message: Message) -> None:
        """Record the first error for a field."""
        self.errors.setdefault(self.path(name), message)

    def ok(self, name: str) -> bool:
        return self.path(name) not in self.errors

    def text(self, name: str, *, required: bool = True, max_length: int = 200,
             check: Callable[[str], bool] | None = None,
             invalid: Message = None) -> str | None:
        """A trimmed string; empty counts as missing."""
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(name, REQUIRED)
            return None
        if not isinstance(value, str):
            self.error(name, _l("Must be text."))
            return None
        value = value.strip()
        if not storable(value):
            self.error(name, UNSTORABLE)
            return None
        if len(value) > max_length:
            self.error(name, _l("At most %(count)d characters.", count=max_length))
            return None
        if check is not None and not check(value):
            self.error(name, invalid or _l("Not valid."))
            return None
        return value

    def county(self, name: str, *, required: bool = True) -> str | None:
        """A current county-level division code; an abolished one is refused naming its
        successor, so the applicant learns which code to give instead."""
        code = self.text(name, required=required, max_length=6)
        if code is None:
            return None
        divisions = default_divisions()
        if divisions.is_county(code):
            return code
        self.error(name, county_refusal(code))
        return None

    def choice(self, name: str, choices: Iterable[str], *, required: bool = True) -> str | None:
        """One of a fixed set of codes."""
        choices = list(choices)
        value = self.text(name, required=required, max_length=64)
        if value is not None and value not in choices:
            self.error(name, _l("Must be one of: %(choices)s.", choices=", ".join(choices)))
            return None
        return value

    def choices(self, name: str, allowed: Iterable[str], *,
                required: bool = True) -> list[str] | None:
        """A non-empty list of distinct codes from a fixed set."""
        allowed = list(allowed)
        value = self.data.get(name)
        if isinstance(value, str):
            value = [value]
        if not value:
            if required:
                self.error(name, REQUIRED)
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(name, _l("Must be a list of codes."))
            return None
        unknown = [v for v in value if v not in allowed]
        if unknown:
            self.error(name, _l("Unknown: %(codes)s.", codes=", ".join(unknown)))
            return None
        return list(dict.fromkeys(value))

    def timestamp(self, name: str, *, required: bool = True) -> datetime | None:
        """An ISO 8601 date-time that states its offset, in UTC (as the database gives it back)."""
        value = self.text(name, required=required, max_length=40)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.error(name, _l("Must be an ISO 8601 date-time, e.g. 2022-07-20T08:00:00+08:00."))
            return None
        if parsed.tzinfo is None:
            self.error(name, _l("Must include a UTC offset, e.g. +08:00."))
            return None
        try:
            return parsed.astimezone(UTC)  # 0001-01-01T00:00+08:00 has none
        except OverflowError:
            self.error(name, _l("Outside the supported range of dates."))
            return None

    def nested(self, name: str, *, required: bool = True) -> "Fields":
        """Fields of a sub-object, reported as name.field."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.error(name, REQUIRED)
            return Fields({}, self.path(name) + ".", {})
        return Fields(value, self.path(name) + ".", self.errors)

    def reject_extra(self, *names: str, message: Message = None) -> None:
        """Refuse fields that must not be sent in this context."""
        for name in names:
            if name in self.data:
                self.error(name, message or _l("Not allowed here."))

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
