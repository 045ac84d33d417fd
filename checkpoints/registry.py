"""What the registry says of a pass now: everything a verdict needs, in one query (and one
more, on the primary key, for a vehicle pass's crew).

A checkpoint asks this for every truck, so it reads plain rows, not ORM objects: the pass,
its enterprise's state and colour with the colour's policy, the holder's latest health
status, the cargo's name and whether the pass's signing key is still honoured.
"""
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, select

from core.db import UTCDateTime, db
from passes.models import Pass, PassCrew, Person
from passtokens import keys
from passtokens.models import SigningKey
from whitelist.models import Category, ColourPolicy, Enterprise


@dataclass(frozen=True)
class CrewMember:
    """A co-driver or escort as the officer compares them: masked as issued."""

    name: str
    id_last4: str


@dataclass(frozen=True)
class PassStatus:
    number: str
    token: str
    kind: str
    plate: str | None
    holder_name: str
    id_last4: str
    origin: str
    via: list[str]
    destination: str
    valid_from: datetime
    valid_until: datetime
    cargo: str | None
    cargo_name_zh: str | None
    cargo_name_en: str | None
    created_at: datetime
    revoked_at: datetime | None
    handed_over_at: datetime | None
    enterprise_code: str
    enterprise_name: str
    enterprise_state: str
    colour: str | None
    health_code: str  # the holder's, now
    latest_test_positive: bool  # the holder's latest test
    test_sampled_at: datetime
    kid: str
    public_jwk: dict
    key_published: bool
    key_revoked: bool
    policy_colour: str | None  # None: nobody wrote a rule for this colour
    policy_verdict: str | None
    policy_reason_code: str | None
    policy_action_zh: str | None
    policy_action_en: str | None
    crew: tuple[CrewMember, ...] = ()

    @property
    def route(self) -> tuple[str, ...]:
        return (self.origin, *(self.via or ()), self.destination)


def latest_test_positive():
    """SQL: the holder's latest test is positive. The one place the verdict, the offline bundle
    and the pass pages read a person's test result."""
    return Person.__table__.c.test_result == "positive"


@cache
def _statement():
    """Built once: its parameters are bound per call, and its compiled form is cached."""
    return _rows().where(Pass.__table__.c.number == bindparam("number"))


@cache
def _rows():
    """Every pass's status row; the callers choose which."""
    passes, enterprises, people = Pass.__table__, Enterprise.__table__, Person.__table__
    signing_keys, categories, policies = (SigningKey.__table__, Category.__table__,
                                          ColourPolicy.__table__)
    return (
        select(
            passes.c.number, passes.c.token, passes.c.kind, passes.c.plate,
            passes.c.holder_name, passes.c.id_last4, passes.c.origin, passes.c.via,
            passes.c.destination,
            passes.c.valid_from, passes.c.valid_until, passes.c.cargo,
            categories.c.name_zh.label("cargo_name_zh"),
            categories.c.name_en.label("cargo_name_en"),
            passes.c.created_at, passes.c.revoked_at, passes.c.handed_over_at,
            enterprises.c.code.label("enterprise_code"),
            enterprises.c.name.label("enterprise_name"),
            enterprises.c.state.label("enterprise_state"), enterprises.c.colour,
            people.c.health_code,
            latest_test_positive().label("latest_test_positive"), people.c.test_sampled_at,
            signing_keys.c.kid, signing_keys.c.public_jwk,
            keys.is_published(bindparam("now", type_=UTCDateTime)).label("key_published"),
            signing_keys.c.revoked_at.is_not(None).label("key_revoked"),
            policies.c.colour.label("policy_colour"),
            policies.c.verdict.label("policy_verdict"),
            policies.c.reason_code.label("policy_reason_code"),
            policies.c.action_zh.label("policy_action_zh"),
            policies.c.action_en.label("policy_action_en"),
        )
        .select_from(passes)
        .join(enterprises, enterprises.c.id == passes.c.enterprise_id)
        .join(people, people.c.id == passes.c.person_id)
        .join(signing_keys, signing_keys.c.kid == passes.c.kid)
        .outerjoin(categories, categories.c.code == passes.c.cargo)
        .outerjoin(policies, policies.c.colour == enterprises.c.colour)
    )


@cache
def _crew_rows():
    """The crew of the passes numbered, in seat order; the caller chooses which."""
    passes, crew = Pass.__table__, PassCrew.__table__
    return (select(passes.c.number, crew.c.name, crew.c.id_last4)
            .select_from(crew).join(passes, passes.c.id == crew.c.pass_id)
            .order_by(crew.c.pass_id, crew.c.position))


def _crews(numbers: list[str]) -> dict[str, tuple[CrewMember, ...]]:
    """The crew of each of these passes that has one, by number."""
    rows = db.session.connection().execute(
        _crew_rows().where(Pass.__table__.c.number.in_(numbers)))
    crews: dict[str, list[CrewMember]] = {}
    for number, name, last4 in rows:
        crews.setdefault(number, []).append(CrewMember(name, last4))
    return {number: tuple(members) for number, members in crews.items()}


def pass_status(number: str, now: datetime) -> PassStatus | None:
    row = db.session.connection().execute(_statement(), {"number": number, "now": now}).first()
    if row is None:
        return None
    # Only a vehicle pass may carry crew: a personnel pass costs no second query.
    crew = _crews([number]).get(number, ()) if row.kind == "vehicle" else ()
    return PassStatus(**row._mapping, crew=crew)


def pass_statuses(numbers: list[str], now: datetime) -> dict[str, PassStatus]:
    """pass_status of many passes in one query (a page of a pass list), by number."""
    if not numbers:
        return {}
    rows = db.session.connection().execute(
        _rows().where(Pass.__table__.c.number.in_(numbers)), {"now": now})
    crews = _crews(numbers)
    return {row.number: PassStatus(**row._mapping, crew=crews.get(row.number, ()))
            for row in rows}
