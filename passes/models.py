"""Passes, the keys that sign them and the serials that number them."""
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    and_,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Model, UTCDateTime, utcnow

# Person lives in people/ (one natural person across enterprises); named here for the code
# that reads passes with their holders.
from people.models import HEALTH_CODES, TEST_RESULTS, Person  # noqa: F401

if TYPE_CHECKING:
    from whitelist.models import Category, Enterprise

KINDS = ("vehicle", "personnel")


class SigningKey(Model):
    """An ES256 key; the private half is encrypted at rest with KEY_ENCRYPTION_SECRET."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The latest valid_until among the passes it signed: published until then.
    last_pass_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<SigningKey {self.kid}>"


class PassSerial(Model):
    """The last serial used in an area; incremented under a row lock when a pass is issued."""

    __tablename__ = "pass_serials"

    area: Mapped[str] = mapped_column(String(6), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<PassSerial {self.area}:{self.last}>"


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
    person: Mapped[Person] = relationship(lazy="joined")
    category: Mapped["Category | None"] = relationship(lazy="joined")
    renewed_from: Mapped["Pass | None"] = relationship(remote_side=[id])
    crew: Mapped[list["PassCrew"]] = relationship(order_by="PassCrew.position",
                                                  cascade="all, delete-orphan")

    @property
    def route(self) -> tuple[str, ...]:
        """Origin, via counties and destination: every county the pass may be checked in."""
        return (self.origin, *(self.via or ()), self.destination)

    def status(self, now: datetime) -> str:
        """valid, revoked, expired or not_yet_valid at the given moment."""
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.valid_until:
            return "expired"
        if now < self.valid_from:
            return "not_yet_valid"
        return "valid"

    def standing(self, now: datetime, key_revoked: bool) -> str:
        """status, or closed where every checkpoint refuses the pass itself (handed over, or
        its key revoked) though its window is not over: the Python twin of valid_condition."""
        status = self.status(now)
        if status in ("valid", "not_yet_valid") and (self.handed_over_at or key_revoked):
            return "closed"
        return status

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


def valid_condition(now):
    """SQL: the pass is valid now (stats.valid): in its window, not revoked, not handed over,
    and its signing key not revoked, so every checkpoint would honour the pass itself."""
    return and_(Pass.revoked_at.is_(None), ~closed_condition(),
                Pass.valid_from <= now, Pass.valid_until > now)


def closed_condition():
    """SQL: every checkpoint refuses the pass itself: handed over, or its signing key revoked."""
    revoked_kids = select(SigningKey.kid).where(SigningKey.revoked_at.is_not(None))
    return or_(Pass.handed_over_at.is_not(None), Pass.kid.in_(revoked_kids))
