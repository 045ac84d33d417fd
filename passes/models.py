"""Passes and the serials that number them."""
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    and_,
    case,
    or_,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Model, UTCDateTime, utcnow
from passtokens.models import SigningKey

# Person lives in people/ (one natural person across enterprises); named here for the code
# that reads passes with their holders.
from people.models import HEALTH_CODES, TEST_RESULTS, Person  # noqa: F401

if TYPE_CHECKING:
    from whitelist.models import Category, Enterprise

KINDS = ("vehicle", "personnel")
STANDINGS = ("valid", "revoked", "expired", "not_yet_valid", "closed")


class PassSerial(Model):
    """The last serial used in an area; incremented under a row lock when a pass is issued."""

    __tablename__ = "pass_serials"

    area: Mapped[str] = mapped_column(String(6), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<PassSerial {self.area}:{self.last}>"


# The table typed as the Table it is (PassSerial.__table__ is typed as any FromClause), for
# the Core UPDATE that takes the next serial (passes.service).
serials_table = Model.metadata.tables["pass_serials"]


class Pass(Model):
    __tablename__ = "passes"
    __table_args__ = (Index("ix_passes_enterprise_created", "enterprise_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    plate: Mapped[str | None] = mapped_column(String(10))
    cargo: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    origin: Mapped[str] = mapped_column(String(6))
    destination: Mapped[str] = mapped_column(String(6))
    # Counties between origin and destination (vehicle passes): the route a checkpoint checks.
    via: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The facts as signed: what the officer compares, frozen at issuance.
    holder_name: Mapped[str] = mapped_column(String(50))
    id_last4: Mapped[str] = mapped_column(String(4))
    test_sampled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kid: Mapped[str] = mapped_column(ForeignKey("signing_keys.kid"), index=True)
    token: Mapped[str] = mapped_column(Text)
    holder_secret: Mapped[str] = mapped_column(String(43), unique=True)
    qr_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    renewed_from_id: Mapped[int | None] = mapped_column(ForeignKey("passes.id"))
    # Closed by a handover at a transfer station: its load travels on the relay pass now.
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    enterprise: Mapped["Enterprise"] = relationship(lazy="joined")
    # Joined: a pass's status asks whether its key is revoked (`closed`).
    key: Mapped[SigningKey] = relationship(lazy="joined")
    person: Mapped[Person] = relationship(lazy="joined")
    category: Mapped["Category | None"] = relationship(lazy="joined")
    renewed_from: Mapped["Pass | None"] = relationship(remote_side=[id])
    crew: Mapped[list["PassCrew"]] = relationship(order_by="PassCrew.position",
                                                  cascade="all, delete-orphan")

    @property
    def route(self) -> tuple[str, ...]:
        """Origin, via counties and destination: every county the pass may be checked in."""
        return (self.origin, *(self.via or ()), self.destination)

    # The pass's rules, each written once for a loaded pass and for SQL. A pass is live from
    # issue until revoked or expired; a live pass is closed where every checkpoint refuses it
    # itself (handed over, or its signing key revoked); valid: live, not closed, started.

    @hybrid_property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @revoked.inplace.expression
    @classmethod
    def _revoked_expression(cls) -> ColumnElement[bool]:
        return cls.revoked_at.is_not(None)

    @hybrid_property
    def closed(self) -> bool:
        return self.handed_over_at is not None or self.key.revoked_at is not None

    @closed.inplace.expression
    @classmethod
    def _closed_expression(cls) -> ColumnElement[bool]:
        revoked_kids = select(SigningKey.kid).where(SigningKey.revoked_at.is_not(None))
        return or_(cls.handed_over_at.is_not(None), cls.kid.in_(revoked_kids))

    @hybrid_method
    def expired_at(self, now: datetime) -> bool:
        return self.valid_until <= now

    @hybrid_method
    def started_at(self, now: datetime) -> bool:
        return self.valid_from <= now

    @hybrid_method
    def live_at(self, now: datetime) -> bool:
        """Neither revoked nor expired."""
        return not self.revoked and not self.expired_at(now)

    @live_at.expression
    @classmethod
    def _live_at_expression(cls, now: datetime) -> ColumnElement[bool]:
        return and_(~cls.revoked, ~cls.expired_at(now))

    @hybrid_method
    def open_at(self, now: datetime) -> bool:
        """Live and not closed: checkpoints honour it in its window (valid or not yet)."""
        return self.live_at(now) and not self.closed

    @open_at.expression
    @classmethod
    def _open_at_expression(cls, now: datetime) -> ColumnElement[bool]:
        return and_(cls.live_at(now), ~cls.closed)

    @hybrid_method
    def valid_at(self, now: datetime) -> bool:
        """Every checkpoint would honour the pass itself now (stats.valid counts these)."""
        return self.open_at(now) and self.started_at(now)

    @valid_at.expression
    @classmethod
    def _valid_at_expression(cls, now: datetime) -> ColumnElement[bool]:
        return and_(cls.open_at(now), cls.started_at(now))

    @hybrid_method
    def standing_at(self, now: datetime) -> str:
        """One of STANDINGS: revoked, expired or closed, the first that applies, else valid
        or not_yet_valid."""
        if self.revoked:
            return "revoked"
        if self.expired_at(now):
            return "expired"
        if self.closed:
            return "closed"
        return "valid" if self.started_at(now) else "not_yet_valid"

    @standing_at.expression
    @classmethod
    def _standing_at_expression(cls, now: datetime) -> ColumnElement[str]:
        return case((cls.revoked, "revoked"), (cls.expired_at(now), "expired"),
                    (cls.closed, "closed"), (cls.started_at(now), "valid"),
                    else_="not_yet_valid")

    def status(self, now: datetime) -> str:
        """The API's status (shared/CONTRACT.md): the standing, where a closed pass still
        shows its window's."""
        standing = self.standing_at(now)
        if standing == "closed":
            return "valid" if self.started_at(now) else "not_yet_valid"
        return standing

    def __repr__(self) -> str:
        return f"<Pass {self.number} {self.kind}>"


class PassCrew(Model):
    """A co-driver or escort (随车人员) travelling on a vehicle pass, masked as issued."""

    __tablename__ = "pass_crew"

    pass_id: Mapped[int] = mapped_column(ForeignKey("passes.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # Frozen at issuance, as the pass's holder_name and id_last4 are.
    name: Mapped[str] = mapped_column(String(50))
    id_last4: Mapped[str] = mapped_column(String(4))

    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<PassCrew {self.pass_id}#{self.position}>"

