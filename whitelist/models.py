"""The white list: enterprises, their key-material categories and three-colour status."""
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Model, UTCDateTime, db, utcnow

STATES = ("pending", "approved", "rejected", "suspended")
COLOURS = ("green", "yellow", "red")

enterprise_categories = Table(
    "enterprise_categories",
    db.metadata,
    Column("enterprise_id", ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True),
    Column("category_code", ForeignKey("categories.code"), primary_key=True),
)


class Category(Model):
    """A key-material category; `position` is its integer code inside a signed pass."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(unique=True)
    name_zh: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<Category {self.code}>"


class Enterprise(Model):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    state_reason: Mapped[str | None] = mapped_column(Text)
    colour: Mapped[str | None] = mapped_column(String(8), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    categories: Mapped[list[Category]] = relationship(
        secondary=enterprise_categories, order_by=Category.position, lazy="selectin"
    )
    colour_history: Mapped[list["ColourChange"]] = relationship(
        back_populates="enterprise", order_by="ColourChange.id.desc()", lazy="select"
    )

    @property
    def category_codes(self) -> list[str]:
        return [category.code for category in self.categories]

    @property
    def whitelisted(self) -> bool:
        return self.state == "approved"

    def __repr__(self) -> str:
        return f"<Enterprise {self.code} {self.state} {self.colour}>"


class ColourChange(Model):
    __tablename__ = "colour_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    from_colour: Mapped[str | None] = mapped_column(String(8))
    to_colour: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enterprise: Mapped[Enterprise] = relationship(back_populates="colour_history")

    def __repr__(self) -> str:
        return f"<ColourChange {self.enterprise_id} {self.from_colour}->{self.to_colour}>"


class ColourPolicy(Model):
    """What a checkpoint does with a pass of an enterprise in this colour: policy as data."""

    __tablename__ = "colour_policy"

    colour: Mapped[str] = mapped_column(String(8), primary_key=True)
    verdict: Mapped[str] = mapped_column(String(8))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    action_zh: Mapped[str] = mapped_column(String(200))
    action_en: Mapped[str] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<ColourPolicy {self.colour}: {self.verdict}>"
