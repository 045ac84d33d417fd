"""Natural persons, the enterprises that list them, and their health facts from any source."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Model, UTCDateTime, utcnow

HEALTH_CODES = ("green", "yellow", "red")
TEST_RESULTS = ("negative", "positive")
FACT_KINDS = ("health_code", "test")


class Person(Model):
    """One natural person, by resident ID number, whichever enterprises list them.

    The health columns hold the person's current facts: the code observed last and the test
    sampled last, whoever reported them; `health_results` keeps every report.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(20))
    health_code: Mapped[str | None] = mapped_column(String(8))
    health_code_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    test_result: Mapped[str | None] = mapped_column(String(10))
    test_sampled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The daily re-check's verdict: off the list until a fresh green, negative result is recorded.
    whitelisted: Mapped[bool] = mapped_column(default=True, server_default=true(), index=True)
    delisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Person {self.id}>"


class EnterprisePerson(Model):
    """A person on an enterprise's roster of drivers and supply staff."""

    __tablename__ = "enterprise_people"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<EnterprisePerson {self.enterprise_id}:{self.person_id}>"


class HealthResult(Model):
    """One reported fact: a health-code colour observed, or a test result sampled, at `at`.

    The same fact reported twice (by anyone) is one row.
    """

    __tablename__ = "health_results"
    __table_args__ = (UniqueConstraint("person_id", "kind", "at", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    value: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "platform" for the authority's feeds, "enterprise:<USCC>" for an enterprise's report.
    source: Mapped[str] = mapped_column(String(64))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<HealthResult {self.person_id} {self.kind}={self.value}>"
