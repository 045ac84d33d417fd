"""A new checkpoint, a checkpoint's editable details, a scan to verify and an upload of
offline scans, read from the request body."""
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from checkpoints.models import KINDS, REASON_CODES, VERDICTS
from core.errors import Message
from core.validation import REQUIRED, Fields

MAX_UPLOAD = 500  # scans in one upload


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


@dataclass(frozen=True)
class Scanned:
    """A verify request: the text a checkpoint's scanner read, where, and the plate the
    officer saw (if they typed it)."""

    qr: str
    checkpoint: str
    plate: str | None = None


def read_scanned(data: Mapping) -> Scanned:
    fields = Fields(data)
    qr = fields.text("qr", max_length=current_app.config["MAX_CONTENT_LENGTH"])
    checkpoint = fields.text("checkpoint", max_length=32)
    plate = fields.text("plate", required=False, max_length=16)
    fields.raise_if_invalid()
    assert qr is not None and checkpoint is not None  # required, and nothing was refused
    return Scanned(qr, checkpoint, plate)


@dataclass(frozen=True)
class UploadedScan:
    """A scan made offline, as the handheld recorded it."""

    client_id: str  # the handheld's UUID, in its canonical form
    qr: str
    checkpoint: str
    verdict: str  # the handheld's; the server judges the scan again
    reasons: tuple[str, ...]
    scanned_at: datetime
    plate: str | None = None


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


def read_uploaded_scans(data: Mapping, now: datetime,
                        checkpoint_refusal: Callable[[str], Message | None]
                        ) -> tuple[UploadedScan, ...]:
    """The scans of an upload received at `now`, each dated within an offline bundle's
    lifetime. `checkpoint_refusal(code)` says why a scan's checkpoint is not the officer's
    (checkpoints.uploads.read_upload), so that it is refused with the other fields."""
    fields = Fields(data)
    items = fields.data.get("scans")
    if not isinstance(items, list) or not items:
        fields.error("scans", REQUIRED if not items else _l("Must be a list of scans."))
        items = []
    elif len(items) > MAX_UPLOAD:
        fields.error("scans", _l("At most %(count)d scans at a time.", count=MAX_UPLOAD))
        items = []
    scans = [_uploaded_scan(Fields(item, f"scans.{index}.", fields.errors), now,
                            checkpoint_refusal)
             for index, item in enumerate(items)]
    fields.raise_if_invalid()
    return tuple(scan for scan in scans if scan is not None)  # all of them: nothing refused


def _uploaded_scan(item: Fields, now: datetime,
                   checkpoint_refusal: Callable[[str], Message | None]) -> UploadedScan | None:
    client_id = item.text("id", max_length=36, check=_is_uuid, invalid=_l("Must be a UUID."))
    qr = item.text("qr", max_length=current_app.config["MAX_CONTENT_LENGTH"])
    code = item.text("checkpoint", max_length=32)
    if code and (refusal := checkpoint_refusal(code)) is not None:
        item.error("checkpoint", refusal)
    verdict = item.choice("verdict", VERDICTS)
    reasons = _reasons(item)
    scanned_at = item.timestamp("scanned_at")
    skew = timedelta(seconds=current_app.config["CLOCK_SKEW_SECONDS"])
    hours = current_app.config["OFFLINE_BUNDLE_LIFETIME_HOURS"]
    if scanned_at and scanned_at > now + skew:
        item.error("scanned_at", _l("Cannot be in the future."))
    elif scanned_at and scanned_at < now - timedelta(hours=hours):
        # No offline bundle lives that long: a scan dated earlier was not made with one.
        item.error("scanned_at", _l("Must lie inside an offline bundle's lifetime: at most "
                                    "%(hours)d hours before the upload.", hours=hours))
    plate = item.text("plate", required=False, max_length=16)
    if (client_id is None or qr is None or code is None or verdict is None or reasons is None
            or scanned_at is None or item.errors):
        return None  # the upload is refused whole
    return UploadedScan(client_id=str(uuid.UUID(client_id)), qr=qr, checkpoint=code,
                        verdict=verdict, reasons=reasons, scanned_at=scanned_at, plate=plate)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _reasons(item: Fields) -> tuple[str, ...] | None:
    value = item.data.get("reasons")
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        item.error("reasons", _l("Must be a list of reason codes."))
        return None
    unknown = [code for code in value if code not in REASON_CODES]
    if unknown:
        item.error("reasons", _l("Unknown: %(codes)s.", codes=", ".join(unknown)))
        return None
    return tuple(dict.fromkeys(value))
