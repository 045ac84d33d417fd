"""A new checkpoint and a checkpoint's editable details, read from the request body."""
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from checkpoints.models import KINDS
from core.validation import Fields


@dataclass(frozen=True)
class CheckpointDetails:
    """What the authority may change about a checkpoint; its code stays."""

    name: str
    kind: str
    area: str
    active: bool


@dataclass(frozen=True)
class NewCheckpoint:
    code: str
    name: str
    kind: str
    area: str
    latitude: float | None = None  # WGS 84 degrees; both or neither
    longitude: float | None = None


def read_new_checkpoint(data: Mapping) -> NewCheckpoint:
    fields = Fields(data)
    code = fields.text("code", max_length=32, check=_is_code,
                       invalid=_l("Use letters, digits, '-' or '_'."))
    name = fields.text("name", max_length=100)
    kind = fields.choice("kind", KINDS)
    area = fields.county("area")
    latitude = _coordinate(fields, "latitude", 90)
    longitude = _coordinate(fields, "longitude", 180)
    if (latitude is None) != (longitude is None) and fields.ok("latitude"):
        fields.error("latitude" if latitude is None else "longitude",
                     _l("Give both coordinates or neither."))
    fields.raise_if_invalid()
    assert code and name and kind and area  # required, and nothing was refused
    return NewCheckpoint(code=code, name=name, kind=kind, area=area, latitude=latitude,
                         longitude=longitude)


def read_checkpoint_details(data: Mapping) -> CheckpointDetails:
    fields = Fields(data)
    name = fields.text("name", max_length=100)
    kind = fields.choice("kind", KINDS)
    area = fields.county("area")
    active = fields.choice("active", ("1", "0")) == "1"
    fields.raise_if_invalid()
    assert name and kind and area  # required, and nothing was refused
    return CheckpointDetails(name=name, kind=kind, area=area, active=active)


def _coordinate(fields: Fields, name: str, limit: int) -> float | None:
    """An optional latitude or longitude in degrees (WGS 84)."""
    value = fields.data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            value = None
    if (not isinstance(value, int | float) or isinstance(value, bool) or value != value
            or not -limit <= value <= limit):
        fields.error(name, _l("Must be a number of degrees between -%(limit)d and %(limit)d.",
                              limit=limit))
        return None
    return float(value)


def _is_code(text: str) -> bool:
    return text.replace("-", "").replace("_", "").isalnum() and text.isascii()
