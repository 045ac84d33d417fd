"""Checkpoints and the officers who staff them."""
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow

KINDS = ("highway_exit", "park_gate", "transfer_station")

officer_checkpoints = Table(
    "officer_checkpoints",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("checkpoint_id", ForeignKey("checkpoints.id", ondelete="CASCADE"), primary_key=True),
)


class Checkpoint(db.Model):
    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(6))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    officers = relationship("User", secondary=officer_checkpoints, backref="checkpoints")

    def __repr__(self) -> str:
        return f"<Checkpoint {self.code}>"
