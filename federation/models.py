"""What this deployment knows of the other cities: the trust list in force and their feeds."""
from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Model, UTCDateTime, utcnow


class TrustList(Model):
    """Each trust list accepted, newest last: the newest is the one in force."""

    __tablename__ = "trust_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<TrustList {self.id} until {self.expires_at:%Y-%m-%d}>"


class TrustedIssuer(Model):
    """An issuing city of the trust list in force, with its public keys."""

    __tablename__ = "trusted_issuers"

    area: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    jwks: Mapped[dict] = mapped_column(JSON)
    feed_url: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<TrustedIssuer {self.area} {self.name}>"


class IssuerFeed(Model):
    """The latest verified status feed of another issuer."""

    __tablename__ = "issuer_feeds"

    area: Mapped[str] = mapped_column(String(6), primary_key=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_age_s: Mapped[int]
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<IssuerFeed {self.area} of {self.generated_at:%Y-%m-%d %H:%M}>"

    def is_stale(self, now: datetime) -> bool:
        return (now - self.generated_at).total_seconds() > self.max_age_s
