"""Handover rules: a genuine arriving pass, a valid relay driver and vehicle, sealed cargo."""
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from accounts.models import User
from audit.service import record
from checkpoints import service as checkpoints
from checkpoints.judging import judge
from checkpoints.models import Checkpoint, Scan
from checkpoints.reading import MAX_QR_TEXT, read_pass
from core.auth import Caller
from core.db import db, rows_changed
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.unit_of_work import unit_of_work
from core.validation import Fields
from passes import service as passes
from passes.application import (
    Application,
    check_enterprise,
    check_vehicle,
    read_application,
)
from passes.models import Pass
from passes.plates import PlateTaken
from passtokens.tokens import qr_text
from transfers.inputs import read_seals
from transfers.models import Handover

PASS_NUMBER = re.compile(r"\d{12}")
SCANNED_LATELY = timedelta(hours=1)


class NotTransferStation(Forbidden):
    code = "not_transfer_station"
    message = _l("Handovers are recorded only at transfer stations you staff.")


class AlreadyHandedOver(Conflict):
    code = "already_handed_over"
    message = _l("This pass was already handed over: its load travels on a relay pass now.")

    def __init__(self) -> None:
        # Said of the arriving pass, so the officer's form shows it where the pass was given.
        super().__init__(fields={"arriving": self.message})


class PassNotHonoured(ValidationFailed):
    code = "pass_not_honoured"
    message = _l("The arriving pass is not honoured: it cannot be handed over.")


def stations_of(officer: User) -> list[Checkpoint]:
    """The open transfer stations this officer staffs."""
    return [c for c in officer.checkpoints if c.kind == "transfer_station" and c.active]


def station(code: str | None, officer: Caller) -> Checkpoint:
    """A transfer station the officer staffs; other checkpoints are refused (403)."""
    checkpoint = checkpoints.find(code) if code else None
    if checkpoint is None or not checkpoint.active:
        raise NotFound(checkpoints.UNKNOWN_CHECKPOINT)
    if checkpoint.kind != "transfer_station":
        raise NotTransferStation()
    checkpoints.check_assigned(checkpoint, officer)
    return checkpoint


class Officer(Protocol):
    """An officer recording a handover: a caller who staffs the station (core.auth.Caller)
    and the actor who issues the relay pass (core.access.Actor)."""

    id: int
    username: str
    role: str
    enterprise_id: int | None


@dataclass(frozen=True)
class NewHandover:
    """A handover read and checked (read_handover), to be recorded."""

    checkpoint: str  # the transfer station's code
    arriving: str  # the arriving pass's number
    seals: tuple[str, ...]
    relay: Application  # the relay leg, read by the issuing rules


def read_handover(data: Mapping, officer: Officer, now: datetime) -> NewHandover:
    """A handover as sent: at a transfer station the officer staffs (404, 403), of an arriving
    pass honoured there and not handed over yet (409), whose enterprise may get passes (403),
    with its seals and the relay leg. The seals are refused together with the arriving pass
    or the relay leg, so that the officer corrects everything at once."""
    fields = Fields(data)
    code = fields.text("checkpoint", max_length=32)
    arriving_text = fields.text("arriving", max_length=MAX_QR_TEXT)
    seals = read_seals(fields)
    checkpoint = station(code, officer) if code is not None else None
    arriving, refused = None, None
    if checkpoint is not None and arriving_text is not None:
        try:
            arriving, _ = _arriving_pass(arriving_text, checkpoint, now)
        except PassNotHonoured as error:
            refused = error
    if checkpoint is None or arriving is None:
        # No arriving pass to take the relay's route and window from: its vehicle and
        # driver are checked still, so that the officer corrects everything at once.
        check_vehicle(Fields(_relay_of(fields), "relay.", fields.errors), now)
        if refused is not None:
            raise PassNotHonoured(fields.errors | refused.fields)
        raise ValidationFailed(fields.errors)
    check_enterprise(arriving.enterprise)
    relay = _relay_leg(fields, arriving, checkpoint, now)
    fields.raise_if_invalid()
    assert relay is not None and seals is not None  # read without errors
    return NewHandover(checkpoint=checkpoint.code, arriving=arriving.number,
                       seals=seals, relay=relay)


@unit_of_work()
def create_handover(new: NewHandover, officer: Officer, now: datetime) -> Handover:
    """Issue the relay pass, close the arriving pass and record the handover, all or nothing."""
    checkpoint = station(new.checkpoint, officer)
    # Judged again now that the write turn is held: a pass revoked, or an enterprise turned
    # red, since the handover was read is not relayed.
    arriving, verdict = _arriving_pass(
        qr_text(db.session.execute(select(Pass).where(Pass.number == new.arriving)).scalar_one()),
        checkpoint, now)
    enterprise = check_enterprise(arriving.enterprise)
    try:
        relay = passes.issue(new.relay, enterprise, officer)
    except PlateTaken:
        raise PlateTaken("relay.plate") from None
    _close(arriving, now)
    handover = Handover(checkpoint=checkpoint, officer_id=officer.id, arriving_pass=arriving,
                        relay_pass=relay, arriving_number=arriving.number,
                        relay_number=relay.number, arriving_verdict=verdict,
                        seals=list(new.seals), cargo=new.relay.cargo,
                        relay_plate=new.relay.plate, created_at=now)
    db.session.add(handover)
    db.session.flush()
    record(officer.username, "handover.create", arriving.number, handover=handover.id,
           checkpoint=checkpoint.code, relay=relay.number, plate=relay.plate,
           seals=list(new.seals), cargo=new.relay.cargo)
    return handover


def _arriving_pass(text: str, checkpoint: Checkpoint, now: datetime) -> tuple[Pass, str]:
    """The registry's pass behind a scanned code, if it may be relayed, with its verdict
    (pass, or check: a yellow enterprise's cargo may still be relayed).

    A typed number stands for the code only when that pass was scanned at this station
    lately: otherwise anyone staffing a station could mint relay passes for any enterprise
    by typing numbers (issue 14 #7).
    """
    if PASS_NUMBER.fullmatch(text):
        if not _scanned_here_lately(text, checkpoint, now):
            raise PassNotHonoured({"arriving": _l(
                "Scan the arriving pass's code: a typed number is accepted only for a pass "
                "scanned at this station in the last hour.")})
        text = qr_text(db.session.execute(select(Pass).where(Pass.number == text)).scalar_one())
    verdict = judge(read_pass(text, now), None, now)
    if "handed_over" in verdict.codes:  # whatever else is wrong with it: 409, not 422
        raise AlreadyHandedOver()
    if verdict.verdict == "deny" or verdict.pass_ is None:
        reasons = "; ".join(str(reason.message) for reason in verdict.reasons)
        raise PassNotHonoured({"arriving": reasons})
    if verdict.pass_.kind != "vehicle":
        raise PassNotHonoured({"arriving": _l("Only a vehicle pass carries cargo to hand over.")})
    arriving = db.session.execute(
        select(Pass).where(Pass.number == verdict.pass_.number)).scalar_one()
    return arriving, verdict.verdict


def _scanned_here_lately(number: str, checkpoint: Checkpoint, now: datetime) -> bool:
    """A genuine scan of this pass (the scan log keeps numbers only for those) at this
    checkpoint within SCANNED_LATELY."""
    return db.session.scalar(select(Scan.id).where(
        Scan.pass_number == number, Scan.checkpoint_id == checkpoint.id,
        Scan.scanned_at > now - SCANNED_LATELY, Scan.scanned_at <= now).limit(1)) is not None


def _close(arriving: Pass, now: datetime) -> None:
    """Mark the arriving pass handed over, once: of two handovers racing for one pass, the
    second finds it closed (its UPDATE matches no row) and is rolled back with its relay."""
    closed = rows_changed(
        update(Pass).where(Pass.id == arriving.id, Pass.handed_over_at.is_(None))
        .values(handed_over_at=now).execution_options(synchronize_session=False))
    if closed != 1:
        raise AlreadyHandedOver()


def _relay_leg(fields: Fields, arriving: Pass, checkpoint: Checkpoint,
               now: datetime) -> Application | None:
    """The relay leg as a pass application, checked by the issuing rules: from the station
    to where the cargo was going, until the arriving pass ends."""
    cargo = fields.text("cargo", required=False, max_length=16) or arriving.cargo
    relay = _relay_of(fields)
    body = {"kind": "vehicle", "plate": relay.get("plate"), "driver": relay.get("driver"),
            "cargo": cargo, "origin": checkpoint.area, "destination": arriving.destination,
            "valid_from": now.isoformat(), "valid_until": arriving.valid_until.isoformat()}
    try:
        return read_application(body, arriving.enterprise, now)
    except ValidationFailed as error:
        fields.errors.update({_relay_path(path): text for path, text in error.fields.items()})
        return None


def _relay_of(fields: Fields) -> Mapping:
    """The relay leg as sent: its plate and driver, or nothing to read them from."""
    relay = fields.data.get("relay")
    return relay if isinstance(relay, Mapping) else {}


def _relay_path(path: str) -> str:
    """Errors of the relay application named as the handover's fields."""
    head = path.split(".")[0]
    if head in ("plate", "driver"):
        return f"relay.{path}"
    return path if head == "cargo" else "arriving"


def get_handover(handover_id: int, actor: Caller) -> Handover:
    """A handover the actor may see: an admin any, an officer those of their stations."""
    handover = db.session.get(Handover, handover_id)
    if handover is None or (actor.role != "admin"
                            and not checkpoints.is_assigned(handover.checkpoint, actor)):
        raise NotFound()
    return handover


def list_handovers():
    """A select over every handover, newest first, for paging."""
    return select(Handover).order_by(Handover.created_at.desc(), Handover.id.desc())


def recent_at(stations: list[Checkpoint], limit: int = 10) -> Sequence[Handover]:
    """The latest handovers at these stations, for the officer's page."""
    ids = [checkpoint.id for checkpoint in stations]
    return db.session.scalars(list_handovers().where(Handover.checkpoint_id.in_(ids))
                              .limit(limit)).all()
