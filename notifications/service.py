"""Telling an enterprise what changed: a notification for its clerks and a webhook event."""
import json
import secrets
import uuid
from collections.abc import Sequence
from itertools import groupby

from flask import current_app
from sqlalchemy import func, or_, select, update

from audit.service import record
from core import access, crypto, events
from core.access import Actor
from core.db import db, rows_changed, utcnow
from core.errors import NotFound
from core.unit_of_work import unit_of_work
from notifications.inputs import WebhookSetting
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from passes.models import Pass, PassCrew
from whitelist.models import Enterprise

# A notification names this many passes at most; its count says how many there are.
MAX_NUMBERS_LISTED = 100


def _on_colour_changed(enterprise, *, from_colour, to_colour, reason, by) -> None:
    data = {"enterprise": enterprise.code, "from": from_colour, "to": to_colour,
            "reason": reason}
    publish(enterprise.id, "enterprise.colour_changed", data)
    if to_colour == "red" and from_colour != "red":
        _tell_of_live_passes(Pass.enterprise_id == enterprise.id, "enterprise_red")


def _on_enterprise_suspended(enterprise, *, reason, by) -> None:
    _tell_of_live_passes(Pass.enterprise_id == enterprise.id, "enterprise_not_whitelisted")


def _on_holder_refused(person, *, causes) -> None:
    for cause in causes:
        _tell_of_live_passes(_passes_refused_for(person, cause), cause)


def _passes_refused_for(person, cause: str):
    """SQL: the passes a person's refusal stops: those they hold, and for a positive test
    those they ride on as crew (a code not green is judged of the holder only)."""
    holds = Pass.person_id == person.id
    if cause != "test_positive":
        return holds
    return or_(holds, Pass.id.in_(select(PassCrew.pass_id).where(PassCrew.person_id == person.id)))


def _tell_of_live_passes(which, cause: str) -> None:
    """Tell each enterprise holding live passes among `which` that checkpoints now refuse them."""
    rows = db.session.execute(
        select(Pass.enterprise_id, Pass.number).where(which, Pass.open_at(utcnow()))
        .order_by(Pass.enterprise_id, Pass.number)).all()
    for enterprise_id, group in groupby(rows, key=lambda row: row.enterprise_id):
        _on_passes_refused(enterprise_id, cause=cause, numbers=[row.number for row in group])


def _on_passes_refused(enterprise_id: int, *, cause: str, numbers: list[str]) -> None:
    """Its live passes went dead at every checkpoint: the enterprise must hear it."""
    data = {"enterprise": _code(enterprise_id), "cause": cause, "count": len(numbers),
            "numbers": numbers[:MAX_NUMBERS_LISTED]}
    publish(enterprise_id, "passes.refused", data)


def _on_pass_revoked(pass_, *, reason, by) -> None:
    data = {"enterprise": pass_.enterprise.code, "number": pass_.number, "plate": pass_.plate,
            "reason": reason}
    publish(pass_.enterprise_id, "pass.revoked", data)


def subscribe() -> None:
    """Connect to the domain events; blinker keeps one connection however often it is called."""
    events.colour_changed.connect(_on_colour_changed)
    events.pass_revoked.connect(_on_pass_revoked)
    events.passes_refused.connect(_on_passes_refused)
    events.enterprise_suspended.connect(_on_enterprise_suspended)
    events.holder_refused.connect(_on_holder_refused)


def publish(enterprise_id: int, event_type: str, data: dict) -> None:
    """Queue the notification and, if configured, the webhook event, in the caller's transaction."""
    now = utcnow()
    db.session.add(Notification(enterprise_id=enterprise_id, kind=event_type, params=data,
                                created_at=now))
    endpoint = db.session.get(WebhookEndpoint, enterprise_id)
    if endpoint is None:
        return
    event_id = str(uuid.uuid4())
    body = json.dumps({"id": event_id, "type": event_type, "at": now.isoformat(), "data": data},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    db.session.add(WebhookDelivery(event_id=event_id, enterprise_id=enterprise_id,
                                   event_type=event_type, url=endpoint.url, body=body,
                                   next_attempt_at=now, created_at=now))


def unread_count(enterprise_id: int | None) -> int:
    if enterprise_id is None:
        return 0
    return db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.enterprise_id == enterprise_id, Notification.read_at.is_(None))).scalar_one()


def recent(enterprise_id: int, limit: int = 50) -> Sequence[Notification]:
    """The enterprise's latest notifications, newest first."""
    return db.session.scalars(
        select(Notification).where(Notification.enterprise_id == enterprise_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()


@unit_of_work()
def mark_read(enterprise_id: int, actor: Actor, notification_id: int | None = None) -> int:
    """Mark one of the enterprise's notifications read, or all of them; how many changed."""
    if not access.acts_for(actor, enterprise_id):
        raise NotFound()
    where = [Notification.enterprise_id == enterprise_id]
    if notification_id is not None:
        where.append(Notification.id == notification_id)
        if db.session.scalar(select(Notification.id).where(*where)) is None:
            raise NotFound()  # another enterprise's notification is not there for this one
    changed = rows_changed(update(Notification).where(
        *where, Notification.read_at.is_(None)).values(read_at=utcnow()))
    if changed:
        record(actor.username, "notifications.read", _code(enterprise_id), count=changed,
               notification=notification_id)
    return changed


def endpoint_for(enterprise_id: int) -> WebhookEndpoint | None:
    return db.session.get(WebhookEndpoint, enterprise_id)


@unit_of_work()
def set_webhook(enterprise_id: int, setting: WebhookSetting,
                actor: Actor) -> WebhookEndpoint | None:
    """Set, change or (given no URL) remove the webhook; a new one gets a fresh secret."""
    if not access.acts_for(actor, enterprise_id):
        raise NotFound()
    endpoint = endpoint_for(enterprise_id)
    if setting.url is None:
        if endpoint is not None:
            db.session.delete(endpoint)
            record(actor.username, "webhook.remove", _code(enterprise_id))
        return None
    if endpoint is None or setting.new_secret:
        endpoint = endpoint or WebhookEndpoint(enterprise_id=enterprise_id)
        endpoint.sealed_secret = crypto.encrypt_secret(secrets.token_hex(32), _key())
    endpoint.url = setting.url
    db.session.add(endpoint)
    record(actor.username, "webhook.set", _code(enterprise_id), url=setting.url)
    return endpoint


def secret_of(endpoint: WebhookEndpoint) -> str:
    """The endpoint's signing secret, decrypted."""
    return crypto.decrypt_secret(endpoint.sealed_secret, _key())


def _key() -> bytes:
    return current_app.config["KEY_ENCRYPTION_SECRET"].encode()


def _code(enterprise_id: int) -> str:
    return db.session.get_one(Enterprise, enterprise_id).code
