"""White-list rules: registration, approval, suspension and three-colour status."""
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from audit.service import record
from core import access, events
from core.access import Actor
from core.db import db, utcnow
from core.errors import Conflict, DomainError, Message, NotFound, ValidationFailed
from core.unit_of_work import unit_of_work
from core.validation import Fields
from whitelist.inputs import NewColour, Registration
from whitelist.models import COLOURS, STATES, Category, ColourChange, ColourPolicy, Enterprise
from whitelist.reference import CATEGORIES, COLOUR_POLICY, FIRST_APPROVAL_REASON


class EnterpriseAlreadyLinked(DomainError):
    status = 409
    code = "already_registered"
    message = _l("This account already belongs to an enterprise.")


class WrongState(DomainError):
    status = 409
    code = "wrong_state"
    message = _l("The enterprise is not in a state that allows this.")


@unit_of_work()
def ensure_reference_data() -> None:
    """Insert the standard categories and colour policy where missing; keeps edits."""
    for category in CATEGORIES:
        if db.session.get(Category, category["code"]) is None:
            db.session.add(Category(**category))
    for policy in COLOUR_POLICY:
        if db.session.get(ColourPolicy, policy["colour"]) is None:
            db.session.add(ColourPolicy(**policy))


def categories() -> Sequence[Category]:
    return db.session.scalars(select(Category).order_by(Category.position)).all()


def colour_policy() -> dict[str, ColourPolicy]:
    return {p.colour: p for p in db.session.scalars(select(ColourPolicy))}


@unit_of_work()
def register_enterprise(registration: Registration, actor: Actor) -> Enterprise:
    """Store a registration as pending; an enterprise clerk registers its own."""
    if access.clerk_of(actor) is not None:
        raise EnterpriseAlreadyLinked()
    taken: dict[str, Message] = {}
    if _find(registration.code) is not None:
        taken["code"] = _l("An enterprise with this code is already registered.")
    if db.session.scalar(select(Enterprise.id).where(Enterprise.name == registration.name)):
        taken["name"] = _l("An enterprise with this name is already registered.")
    if taken:
        raise ValidationFailed(taken)

    enterprise = Enterprise(
        code=registration.code, name=registration.name, address=registration.address,
        contact_name=registration.contact_name, contact_phone=registration.contact_phone,
        state="pending",
        categories=[db.session.get_one(Category, c) for c in registration.categories],
    )
    db.session.add(enterprise)
    db.session.flush()
    if actor.role == "enterprise":  # a clerk without an enterprise registers their own
        actor.enterprise_id = enterprise.id
    record(actor.username, "enterprise.register", registration.code, name=registration.name,
           categories=list(registration.categories))
    return enterprise


def _find(code: str) -> Enterprise | None:
    return db.session.scalar(select(Enterprise).where(Enterprise.code == code))


def get_enterprise(code: str, actor: Actor) -> Enterprise:
    """An enterprise the actor may see; others are reported as missing, never as forbidden."""
    enterprise = _find(code.upper())
    if enterprise is None or not access.may_see(actor, enterprise.id):
        raise NotFound()
    return enterprise


def list_enterprises(*, state: str | None = None, colour: str | None = None,
                     query: str | None = None):
    """A select over enterprises, newest first, for paging."""
    statement = select(Enterprise).order_by(Enterprise.created_at.desc(), Enterprise.id.desc())
    if state in STATES:
        statement = statement.where(Enterprise.state == state)
    if colour in COLOURS:
        statement = statement.where(Enterprise.colour == colour)
    if query:
        pattern = f"%{query.strip()}%"
        statement = statement.where(Enterprise.name.like(pattern) | Enterprise.code.like(pattern))
    return statement


def _required_reason(reason: str | None) -> str:
    fields = Fields({"reason": reason})
    text = fields.text("reason", max_length=500)
    fields.raise_if_invalid()
    assert text is not None  # required, and nothing was refused
    return text


def _optional_reason(reason) -> str | None:
    fields = Fields({"reason": reason})
    reason = fields.text("reason", required=False, max_length=500)
    fields.raise_if_invalid()
    return reason


def _transition(code: str, actor: Actor, *, allowed_from: tuple[str, ...], to: str, action: str,
                reason: str | None) -> Enterprise:
    enterprise = get_enterprise(code, actor)
    if enterprise.state not in allowed_from:
        raise WrongState()
    enterprise.state, enterprise.state_reason = to, reason
    record(actor.username, action, enterprise.code, reason=reason)
    return enterprise


@unit_of_work()
def approve(code: str, actor: Actor, reason: str | None = None) -> Enterprise:
    """Put an enterprise on the white list; a first approval starts it green."""
    reason = _optional_reason(reason)
    enterprise = _transition(code, actor, allowed_from=("pending", "rejected"), to="approved",
                             action="enterprise.approve", reason=reason)
    if enterprise.colour is None:
        _change_colour(enterprise, "green", reason or FIRST_APPROVAL_REASON, actor)
    return enterprise


@unit_of_work()
def reject(code: str, reason: str | None, actor: Actor) -> Enterprise:
    reason = _required_reason(reason)
    enterprise = _transition(code, actor, allowed_from=("pending",), to="rejected",
                             action="enterprise.reject", reason=reason)
    return enterprise


@unit_of_work()
def suspend(code: str, reason: str | None, actor: Actor) -> Enterprise:
    """Take an enterprise off the white list: its passes stop being honoured."""
    reason = _required_reason(reason)
    enterprise = _transition(code, actor, allowed_from=("approved",), to="suspended",
                             action="enterprise.suspend", reason=reason)
    events.enterprise_suspended.send(enterprise, reason=reason, by=actor.username)
    return enterprise


@unit_of_work()
def reinstate(code: str, reason: str | None, actor: Actor) -> Enterprise:
    reason = _required_reason(reason)
    enterprise = _transition(code, actor, allowed_from=("suspended",), to="approved",
                             action="enterprise.reinstate", reason=reason)
    return enterprise


@unit_of_work()
def set_colour(code: str, change: NewColour, actor: Actor) -> Enterprise:
    """Change the three-colour status; every checkpoint reads it at its next scan."""
    enterprise = get_enterprise(code, actor)
    if enterprise.colour is None:
        raise WrongState(_l("Approve the enterprise before setting its colour."))
    if enterprise.colour == change.colour:
        raise Conflict(_l("The enterprise already has this colour."))
    _change_colour(enterprise, change.colour, change.reason, actor)
    return enterprise


def red_impact(enterprise: Enterprise) -> dict[str, int]:
    """What turning the enterprise red would stop now, counted by the packages that hold it
    (for example {"passes": 12, "holders": 9})."""
    impact: dict[str, int] = {}
    for _receiver, counts in events.red_impact.send(enterprise, now=utcnow()):
        for name, count in counts.items():
            impact[name] = impact.get(name, 0) + count
    return impact


def _change_colour(enterprise: Enterprise, colour: str, reason: str, actor: Actor) -> None:
    change = ColourChange(enterprise=enterprise, from_colour=enterprise.colour, to_colour=colour,
                          reason=reason, by=actor.username)
    db.session.add(change)
    enterprise.colour = colour
    record(actor.username, "enterprise.colour", enterprise.code,
           **{"from": change.from_colour, "to": colour, "reason": reason})
    events.colour_changed.send(enterprise, from_colour=change.from_colour, to_colour=colour,
                               reason=reason, by=actor.username)


def counts() -> dict[str, int]:
    """Approved enterprises by colour, and how many wait for review."""
    rows = db.session.execute(
        select(Enterprise.colour, func.count())
        .where(Enterprise.state == "approved").group_by(Enterprise.colour)
    ).all()
    result = dict.fromkeys(COLOURS, 0) | {colour: n for colour, n in rows if colour}
    result["pending"] = db.session.execute(
        select(func.count()).where(Enterprise.state == "pending")
    ).scalar_one()
    return result
