"""A pass's standing now: everything a verdict needs, in one read of the registry.

Other packages read a pass's standing through `standing` and `standings`, never through the
passes tables. A checkpoint asks this for every truck, so it is one statement over plain
rows, no ORM objects: the pass and its crew, its enterprise's state and colour with the
colour's policy, the holder's latest health status and whether anyone in its crew has a
positive latest test, the cargo's name and whether the pass's signing key is still
honoured. Nothing of it is cached: a colour change, a revocation or a positive test holds at
the next scan.
"""
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import groupby

from sqlalchemy import Connection, FromClause, Select, bindparam, select

from core.db import UTCDateTime, db
from core.prepared import Prepared
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
class Issuer:
    """The city that issued another city's pass."""

    area: str
    name: str


@dataclass(frozen=True)
class PassStatus:
    """What a checkpoint knows of a pass now: its facts to compare with the vehicle, and
    its standing. Another city's pass (federation.foreign) fills the facts and what its
    issuer's feed says, names its `issuer`, and leaves this registry's own columns unset."""

    number: str
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
    enterprise_code: str
    colour: str | None
    cargo_name_zh: str | None = None
    cargo_name_en: str | None = None
    revoked_at: datetime | None = None
    crew: tuple[CrewMember, ...] = ()
    issuer: Issuer | None = None  # None: a pass of this city's registry
    # This registry's own columns.
    token: str | None = None
    created_at: datetime | None = None
    handed_over_at: datetime | None = None
    enterprise_name: str | None = None
    enterprise_state: str | None = None
    health_code: str | None = None  # the holder's, now
    latest_test_positive: bool = False  # the holder's latest test
    test_sampled_at: datetime | None = None
    kid: str | None = None
    public_jwk: dict | None = None
    key_published: bool = False
    key_revoked: bool = False
    policy_colour: str | None = None  # None: nobody wrote a rule for this colour
    policy_verdict: str | None = None
    policy_reason_code: str | None = None
    policy_action_zh: str | None = None
    policy_action_en: str | None = None
    # A crew member's latest test is positive (rule 9: it stops that person at every
    # checkpoint, so the vehicle too), and the earliest such test's sample time.
    crew_test_positive: bool = False
    crew_positive_sampled_at: datetime | None = None

    @property
    def only_crew_positive(self) -> bool:
        """Positive on board, and not the holder: the reason is worded for the crew."""
        return self.crew_test_positive and not self.latest_test_positive

    @property
    def route(self) -> tuple[str, ...]:
        return (self.origin, *(self.via or ()), self.destination)


def latest_test_positive(people: FromClause = Person.__table__):
    """SQL: the person's latest test is positive (the holder's, or of `people` aliased for
    the crew). The one place the verdict, the offline bundle and the pass pages read a
    person's test result."""
    return people.c.test_result == "positive"


def with_positive_crew(which) -> Select:
    """SQL: the numbers of the passes among `which` whose crew has someone with a positive
    latest test."""
    crew_people = Person.__table__.alias("crew_people")
    return (select(Pass.number).join(PassCrew, PassCrew.pass_id == Pass.id)
            .join(crew_people, crew_people.c.id == PassCrew.person_id)
            .where(which, latest_test_positive(crew_people)).distinct())


def standing(number: str, now: datetime,
             connection: Connection | None = None) -> PassStatus | None:
    """The pass numbered so, as it stands at `now`; None if the registry has no such pass.
    Read on `connection` if given (the verify path's, core.db.autocommit_reads), else on
    the session's."""
    connection = connection or db.session.connection()
    rows = _one().rows(connection, {"number": number, "now": now})
    return _status(rows) if rows else None


def standings(numbers: list[str], now: datetime) -> dict[str, PassStatus]:
    """standing of many passes in one query (a page of a pass list), by number."""
    if not numbers:
        return {}
    rows = db.session.connection().execute(
        _rows().where(Pass.__table__.c.number.in_(numbers)), {"now": now})
    return {number: _status(list(group))
            for number, group in groupby(rows, key=lambda row: row.number)}


CREW_COLUMNS = ("crew_name", "crew_id_last4", "crew_test_positive", "crew_test_sampled_at")


def _status(rows) -> PassStatus:
    """One pass's rows (one per crew member, or one without crew) as its status."""
    first = rows[0]
    crew = tuple(CrewMember(row.crew_name, row.crew_id_last4) for row in rows
                 if row.crew_name is not None)
    positive = [row for row in rows if row.crew_test_positive]
    facts = {name: value for name, value in first._asdict().items()
             if name not in CREW_COLUMNS}
    return PassStatus(**facts, crew=crew, crew_test_positive=bool(positive),
                      crew_positive_sampled_at=min(
                          (row.crew_test_sampled_at for row in positive
                           if row.crew_test_sampled_at is not None), default=None))


@cache
def _one() -> Prepared:
    """Every verify asks it: compiled once, run on the driver (core.prepared)."""
    return Prepared(_rows().where(Pass.__table__.c.number == bindparam("number")))


@cache
def _rows():
    """Every pass's status rows, a pass's crew in seat order; the callers choose which."""
    passes, enterprises, people = Pass.__table__, Enterprise.__table__, Person.__table__
    signing_keys, categories, policies = (SigningKey.__table__, Category.__table__,
                                          ColourPolicy.__table__)
    crew, crew_people = PassCrew.__table__, people.alias("crew_people")
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
            # Last, so _status can split them off: a pass without crew has one row of NULLs.
            crew.c.name.label("crew_name"), crew.c.id_last4.label("crew_id_last4"),
            latest_test_positive(crew_people).label("crew_test_positive"),
            crew_people.c.test_sampled_at.label("crew_test_sampled_at"),
        )
        .select_from(passes)
        .join(enterprises, enterprises.c.id == passes.c.enterprise_id)
        .join(people, people.c.id == passes.c.person_id)
        .join(signing_keys, signing_keys.c.kid == passes.c.kid)
        .outerjoin(categories, categories.c.code == passes.c.cargo)
        .outerjoin(policies, policies.c.colour == enterprises.c.colour)
        .outerjoin(crew, crew.c.pass_id == passes.c.id)
        .outerjoin(crew_people, crew_people.c.id == crew.c.person_id)
        .order_by(passes.c.number, crew.c.position)
    )
