"""Natural persons, the enterprises that list them, and their health facts from any source."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, ForeignKey, String, UniqueConstraint, and_, or_, true
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Model, UTCDateTime, utcnow

HEALTH_CODES = ("green", "yellow", "red")
TEST_RESULTS = ("negative", "positive")
FACT_KINDS = ("health_code", "test")


def test_window() -> timedelta:
    """How old a negative test may be for its holder to be cleared (TEST_WINDOW_HOURS)."""
    return timedelta(hours=current_app.config["TEST_WINDOW_HOURS"])


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

    # The holder's rules, each written once for a loaded person and for SQL. The SQL forms
    # are false, never NULL, where a fact is missing, so that their negation holds there.

    @hybrid_method
    def test_lapsed_at(self, now: datetime) -> bool:
        """No test on record, or the latest sampled before the test window."""
        return self.test_sampled_at is None or self.test_sampled_at < now - test_window()

    @test_lapsed_at.expression
    @classmethod
    def _test_lapsed_at_expression(cls, now: datetime) -> ColumnElement[bool]:
        return or_(cls.test_sampled_at.is_(None), cls.test_sampled_at < now - test_window())

    @hybrid_method
    def cleared_at(self, now: datetime) -> bool:
        """Green health code and a negative test inside the window: on the white list."""
        return (self.health_code == "green" and self.test_result == "negative"
                and not self.test_lapsed_at(now))

    @cleared_at.expression
    @classmethod
    def _cleared_at_expression(cls, now: datetime) -> ColumnElement[bool]:
        return and_(cls.health_code.is_not_distinct_from("green"),
                    cls.test_result.is_not_distinct_from("negative"),
                    cls.test_sampled_at.is_not(None), ~cls.test_lapsed_at(now))

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


# The tables typed as the Tables they are (Person.__table__ is typed as any FromClause), for
# the Core statements that record an application's holder (people.health.record_report).
people_table = Model.metadata.tables["people"]
health_results_table = Model.metadata.tables["health_results"]
