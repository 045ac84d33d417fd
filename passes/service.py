"""Issuing, finding, revoking and renewing passes."""
import secrets
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.util import identity_key

from audit.service import record
from core import access, events
from core.access import Actor
from core.db import db, insert_ignoring_conflict, utcnow
from core.errors import Conflict, DomainError, NotFound
from core.unit_of_work import in_unit_of_work, unit_of_work
from core.validation import Fields
from core.validators import id_last4, mask_name
from passes.application import Application, Holder, check_enterprise
from passes.models import KINDS, STANDINGS, Pass, PassCrew, PassSerial, serials_table
from passes.plates import ensure_plate_free
from passtokens import keys, qr, tokens
from people.roster import record_holder
from quotas import service as quota
from whitelist.models import Category, Enterprise

STATUSES = STANDINGS  # what the list filters by
LAST_SERIAL = 999_999


class SerialsExhausted(DomainError):
    status = 503
    code = "serials_exhausted"
    message = _l("This area has used all its pass numbers.")


def applicant(actor: Actor) -> Enterprise:
    """The actor's enterprise if it may get passes, refused (403) otherwise: asked before the
    application is read, as no correction to the application would let it apply."""
    return check_enterprise(own_enterprise(actor))


@unit_of_work(keep_loaded=True)
def apply_for_pass(application: Application, actor: Actor) -> Pass:
    """Issue the signed pass for an application read for the actor's enterprise
    (passes.application.read_application, with applicant(actor)); it is answered as written,
    without reading it back."""
    return issue(application, applicant(actor), actor)


def own_enterprise(actor: Actor) -> Enterprise | None:
    """The enterprise the actor is a clerk of, if any, with its standing as it is now: read
    again even when the session holds it, so a use case judges it in its write turn, not as
    it was read before. (Only the standing: reloading the row with its categories took two to
    three times as long, twice per issue.)"""
    own = access.clerk_of(actor)
    if own is None:
        return None
    held = db.session.identity_map.get(identity_key(Enterprise, own))
    if held is None:
        return db.session.get(Enterprise, own)  # read now: nothing to read again
    db.session.refresh(held, ["state", "colour"])
    return held


def issue(application: Application, enterprise: Enterprise, actor: Actor,
          renewed_from: Pass | None = None) -> Pass:
    """Number, sign and store a validated application, in the caller's transaction."""
    key = keys.signing_key()
    holder = application.holder
    cargo = db.session.get(Category, application.cargo) if application.cargo else None
    # The people first: recording them locks only their own rows, so the locks every issuer
    # queues for (the serial, the audit chain) are held for as little as possible.
    person_id = record_holder(enterprise, holder, actor.username)
    crew = [_crew_seat(position, enterprise, member, actor)
            for position, member in enumerate(application.crew)]
    quota.take(enterprise.id)  # before the serial: one lock order (quota row, serial) everywhere
    number = _next_number()
    # Checked after taking the serial: its row lock (and SQLite's write lock) makes
    # concurrent issuers queue, so this sees every pass committed before it.
    ensure_plate_free(application.plate, application.valid_from, application.valid_until,
                      utcnow(), replacing=renewed_from)
    pass_ = Pass(
        number=number, kind=application.kind, enterprise=enterprise, person_id=person_id,
        plate=application.plate, cargo=application.cargo, origin=application.origin,
        destination=application.destination, via=list(application.via),
        valid_from=application.valid_from,
        valid_until=application.valid_until, holder_name=mask_name(holder.name),
        id_last4=id_last4(holder.id_number), test_sampled_at=holder.test_sampled_at,
        holder_secret=secrets.token_urlsafe(32), created_by=actor.username,
        renewed_from_id=renewed_from.id if renewed_from else None, crew=crew,
    )
    tokens.sign_pass(pass_, cargo.position if cargo else None, key)
    db.session.add(pass_)
    record(actor.username, "pass.renew" if renewed_from else "pass.issue", pass_.number,
           kind=pass_.kind, enterprise=enterprise.code, plate=pass_.plate, kid=pass_.kid,
           valid_from=pass_.valid_from.isoformat(), valid_until=pass_.valid_until.isoformat(),
           renewed_from=renewed_from.number if renewed_from else None,
           crew=[f"{seat.name} **{seat.id_last4}" for seat in pass_.crew])
    return pass_


def _crew_seat(position: int, enterprise: Enterprise, member: Holder, actor: Actor) -> PassCrew:
    """A crew member on the enterprise's roster, their health facts recorded as the driver's."""
    person_id = record_holder(enterprise, member, actor.username)
    return PassCrew(position=position, person_id=person_id, name=mask_name(member.name),
                    id_last4=id_last4(member.id_number))


def _next_number() -> str:
    """The area code and the next serial; the row stays locked until the transaction ends,
    so concurrent issuers queue and a rolled-back issue leaves no gap."""
    area = current_app.config["AREA_CODE"]
    connection = db.session.connection()
    serial = connection.execute(_bump_serial(), {"of_area": area}).scalar()
    if serial is None:
        insert_ignoring_conflict(PassSerial, {"area": area, "last": 0}, ["area"])
        serial = connection.execute(_bump_serial(), {"of_area": area}).scalar_one()
    if serial > LAST_SERIAL:
        raise SerialsExhausted()
    return f"{area}{serial:06d}"


@cache
def _bump_serial():
    """Built once: every issue runs it, and then holds the row's lock until it commits."""
    serials = serials_table.c
    return (update(serials_table).where(serials.area == bindparam("of_area"))
            .values(last=serials.last + 1).returning(serials.last))


def get_pass(number: str, actor: Actor) -> Pass:
    """A pass the actor may see: an admin any, an enterprise its own; others are missing."""
    pass_ = db.session.scalar(select(Pass).where(Pass.number == number))
    if pass_ is None or not access.may_see(actor, pass_.enterprise_id):
        raise NotFound()
    return pass_


def pass_for_holder(secret: str) -> Pass:
    """The pass behind a holder link."""
    pass_ = db.session.scalar(select(Pass).where(Pass.holder_secret == secret))
    if pass_ is None:
        raise NotFound()
    return pass_


def list_passes(actor: Actor, *, status: str | None = None, kind: str | None = None,
                query: str | None = None, enterprise: str | None = None, now=None):
    """A select over the passes the actor may see, newest first, for paging."""
    now = now or utcnow()
    # The crew in one query per page: the API shows each pass's.
    statement = (select(Pass).options(selectinload(Pass.crew))
                 .order_by(Pass.created_at.desc(), Pass.id.desc()))
    statement = statement.where(access.visible_to(actor, Pass.enterprise_id))
    if enterprise:
        statement = statement.join(Pass.enterprise).where(Enterprise.code == enterprise)
    if kind in KINDS:
        statement = statement.where(Pass.kind == kind)
    if status in STATUSES:
        statement = statement.where(Pass.standing_at(now) == status)
    if query:
        pattern = f"%{query.strip().upper()}%"
        statement = statement.where(Pass.number.like(pattern) | Pass.plate.like(pattern))
    return statement


@unit_of_work()
def revoke_pass(number: str, reason: object, actor: Actor) -> Pass:
    """Withdraw a pass; checkpoints deny it from their next scan (or snapshot)."""
    fields = Fields({"reason": reason})
    text = fields.text("reason", max_length=500)
    fields.raise_if_invalid()
    assert text is not None  # required, and nothing was refused
    pass_ = get_pass(number, actor)
    revoke(pass_, text, actor)
    return pass_


def revoke(pass_: Pass, reason: str, actor: Actor) -> None:
    if pass_.revoked:
        raise Conflict(_l("This pass is already revoked."))
    pass_.revoked_at, pass_.revoked_reason, pass_.revoked_by = utcnow(), reason, actor.username
    record(actor.username, "pass.revoke", pass_.number, reason=reason)
    events.pass_revoked.send(pass_, reason=reason, by=actor.username)


def qr_png_of(number: str, actor: Actor) -> bytes:
    """The QR image of a pass the actor may see: once rendered, one query, no objects."""
    found = db.session.execute(
        select(Pass.enterprise_id, Pass.qr_png).where(Pass.number == number)).one_or_none()
    if found is None or not access.may_see(actor, found.enterprise_id):
        raise NotFound()
    return found.qr_png if found.qr_png is not None else qr_png(get_pass(number, actor))


def qr_png(pass_: Pass) -> bytes:
    """The QR image, rendered on first request and kept: choosing a mask costs time."""
    if pass_.qr_png is not None:
        return pass_.qr_png
    png = pass_.qr_png = qr.render_png(tokens.qr_text(pass_))
    if in_unit_of_work():
        return png  # stored with the use case that asked for it
    try:
        with unit_of_work():
            db.session.add(pass_)
    except OperationalError:
        pass  # only a cache: a busy database (SQLite refuses a late write) must not cost the image
    return png



def replacement_of(number: str) -> str | None:
    """The number of the pass a renewal issued in place of this one, if any."""
    renewed = select(Pass.id).where(Pass.number == number).scalar_subquery()
    return db.session.scalar(select(Pass.number).where(Pass.renewed_from_id == renewed)
                             .order_by(Pass.id.desc()).limit(1))
