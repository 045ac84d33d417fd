"""Business licences: checked by their first bytes and size, stored in the database, shown
only to the authority (and, as a fact, to the enterprise that uploaded it)."""
import hashlib
from pathlib import PurePath

from flask import current_app
from flask_babel import lazy_gettext as _l

from audit.service import record
from core.access import Actor
from core.db import db, utcnow
from core.errors import NotFound, ValidationFailed
from core.unit_of_work import unit_of_work
from core.validation import storable
from whitelist.licence_models import BusinessLicence
from whitelist.models import Enterprise

# What a PDF, a JPEG and a PNG file start with, whatever their name or declared type.
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def max_bytes() -> int:
    return current_app.config["LICENCE_MAX_BYTES"]


def media_type_of(content: bytes) -> str | None:
    return next((media for magic, media, _ in SIGNATURES if content.startswith(magic)), None)


def check_file(content: bytes | None, field: str = "licence") -> str:
    """The file's media type; 422 naming the field when it is empty, too large or not a
    PDF, JPEG or PNG."""
    if not content:
        raise ValidationFailed({field: _l("Choose the business licence file (PDF, JPEG or "
                                          "PNG).")})
    if len(content) > max_bytes():
        raise ValidationFailed({field: _l("The file is larger than %(mb)d MB.",
                                          mb=max_bytes() // (1024 * 1024))})
    media_type = media_type_of(content)
    if media_type is None:
        raise ValidationFailed({field: _l("Only PDF, JPEG or PNG files are accepted.")})
    return media_type


@unit_of_work()
def store(enterprise: Enterprise, filename: str | None, content: bytes,
          actor: Actor) -> BusinessLicence:
    """Keep the enterprise's licence, replacing an earlier one; audited."""
    media_type = check_file(content)
    name = PurePath((filename or "").replace("\\", "/")).name[:200]
    if not name or not storable(name):
        name = "licence." + next(ext for _, media, ext in SIGNATURES if media == media_type)
    licence = db.session.get(BusinessLicence, enterprise.id) or BusinessLicence(
        enterprise_id=enterprise.id)
    licence.filename, licence.media_type, licence.size = name, media_type, len(content)
    licence.sha256 = hashlib.sha256(content).hexdigest()
    licence.data, licence.uploaded_by, licence.uploaded_at = content, actor.username, utcnow()
    db.session.add(licence)
    record(actor.username, "enterprise.licence", enterprise.code, filename=name,
           size=len(content), sha256=licence.sha256)
    return licence


def licence_of(enterprise: Enterprise) -> BusinessLicence | None:
    return db.session.get(BusinessLicence, enterprise.id)


def licence_file(enterprise: Enterprise) -> BusinessLicence:
    """The licence, its bytes loaded on access; missing when none was uploaded."""
    licence = licence_of(enterprise)
    if licence is None:
        raise NotFound()
    return licence


def summary(licence: BusinessLicence | None) -> dict | None:
    if licence is None:
        return None
    return {"filename": licence.filename, "media_type": licence.media_type,
            "size": licence.size, "sha256": licence.sha256,
            "uploaded_at": licence.uploaded_at.isoformat()}
