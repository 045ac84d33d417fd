"""An enterprise's issuing limits, read from the request body into a typed value."""
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from core.validation import Fields

MAX_LIMIT = 999_999


@dataclass(frozen=True)
class Limits:
    """Passes per hour and per day; None keeps the configured default."""

    per_hour: int | None
    per_day: int | None


def read_limits(data: Mapping) -> Limits:
    fields = Fields(data)
    limits = Limits(per_hour=_limit(fields, "per_hour"), per_day=_limit(fields, "per_day"))
    fields.raise_if_invalid()
    return limits


def _limit(fields: Fields, name: str) -> int | None:
    """A whole number from 1 to MAX_LIMIT, or None (blank or null) for the default."""
    value = fields.data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        fields.error(name, _l("A whole number from 1 to %(max)d, or empty for the default.",
                              max=MAX_LIMIT))
        return None
    return value
