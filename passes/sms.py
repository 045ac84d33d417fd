"""The holder link by text message: a Chinese template, a pluggable sender, limits and a record."""
import json
import logging
import urllib.request
from collections.abc import Sequence

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from audit.service import record
from core.access import Actor
from core.db import db, utcnow
from core.errors import Conflict, DomainError
from core.i18n import local_day, local_zone
from core.unit_of_work import unit_of_work
from passes.models import Pass
from passes.sms_models import SmsMessage

log = logging.getLogger(__name__)


class SmsLimitReached(DomainError):
    status = 429
    code = "sms_limit"
    message = _l("Too many text messages today. Try again tomorrow, or copy the text and "
                 "send it yourself.")


class PassNotSendable(Conflict):
    message = _l("Only a valid pass, or one not valid yet, can be sent to its holder.")


def masked_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def holder_url(pass_: Pass) -> str:
    return url_for("holder.page", secret=pass_.holder_secret, _external=True)


def message_text(pass_: Pass) -> str:
    """The message in Chinese whatever the clerk's language: drivers read it on their phone."""
    zone = local_zone()
    window = {name: getattr(pass_, name).astimezone(zone).strftime("%Y-%m-%d %H:%M")
              for name in ("valid_from", "valid_until")}
    with force_locale("zh"):
        facts = {"authority": current_app.config["ISSUING_AUTHORITY"], "number": pass_.number,
                 "url": holder_url(pass_), **window}
        if pass_.plate:
            return _("[%(authority)s] Vehicle pass %(number)s for %(plate)s, valid %(valid_from)s"
                     " to %(valid_until)s (Beijing time). Open the link and show the QR code at "
                     "the checkpoint: %(url)s", plate=pass_.plate, **facts)
        return _("[%(authority)s] Supply-staff pass %(number)s for %(name)s, valid "
                 "%(valid_from)s to %(valid_until)s (Beijing time). Open the link and show the "
                 "QR code at the checkpoint: %(url)s", name=pass_.holder_name, **facts)


def sent_messages(pass_: Pass) -> Sequence[SmsMessage]:
    return db.session.scalars(select(SmsMessage).where(SmsMessage.pass_id == pass_.id)
                              .order_by(SmsMessage.created_at.desc())).all()


@unit_of_work()
def send_to_holder(pass_: Pass, actor: Actor) -> SmsMessage:
    """Text the holder link to the phone on the pass, within the daily limits; audited."""
    now = utcnow()
    if not pass_.live_at(now):
        raise PassNotSendable()
    # Two clicks at once must not both pass the count: they take turns on the pass's row
    # (PostgreSQL; SQLite's single writer refuses one whose count went stale).
    db.session.execute(select(Pass.id).where(Pass.id == pass_.id).with_for_update())
    _check_limits(pass_, now)
    # The number on the pass's holder record, never one the caller gives.
    phone = pass_.person.phone
    assert phone is not None  # every holder gave one to get the pass
    message = SmsMessage(pass_id=pass_.id, enterprise_id=pass_.enterprise_id, phone=phone,
                         body=message_text(pass_), created_by=actor.username, created_at=now,
                         sender=current_app.config["SMS_SENDER"])
    message.status, message.error = _deliver(message)
    db.session.add(message)
    record(actor.username, "pass.sms", pass_.number, phone=masked_phone(phone),
           sender=message.sender, status=message.status)
    return message


def _check_limits(pass_: Pass, now) -> None:
    since = local_day(now)[0]  # a day as the clerk counts it: since local midnight
    sent = select(func.count()).select_from(SmsMessage).where(SmsMessage.created_at >= since)
    config = current_app.config
    if (db.session.scalar(sent.where(SmsMessage.pass_id == pass_.id))
            >= config["SMS_PER_PASS_PER_DAY"]):
        raise SmsLimitReached()
    if (db.session.scalar(sent.where(SmsMessage.enterprise_id == pass_.enterprise_id))
            >= config["SMS_PER_ENTERPRISE_PER_DAY"]):
        raise SmsLimitReached()


def _deliver(message: SmsMessage) -> tuple[str, str | None]:
    if message.sender == "log":
        log.info("SMS (demo sender, not delivered) to %s: %s", message.phone, message.body)
        return "logged", None
    return _post_to_gateway(message)


def _post_to_gateway(message: SmsMessage) -> tuple[str, str | None]:
    """POST {"phone", "text"} as JSON to LP_SMS_GATEWAY_URL; any 2xx is accepted."""
    body = json.dumps({"phone": message.phone, "text": message.body}).encode()
    request = urllib.request.Request(current_app.config["SMS_GATEWAY_URL"], data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except OSError as error:  # URLError, HTTPError and timeouts all derive from it
        log.warning("SMS gateway refused message for pass %s: %s", message.pass_id, error)
        return "failed", str(error)[:200]
    return "sent", None
