"""Handovers at transfer stations (中转站): an arriving pass relayed to another driver."""
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from accounts.models import User
    from checkpoints.models import Checkpoint
    from passes.models import Pass
    from whitelist.models import Category


class Handover(Model):
    """Cargo moved from an arriving vehicle to a relay vehicle, under seal, with its own pass."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    arriving_pass_id: Mapped[int] = mapped_column(ForeignKey("passes.id"), index=True)
    relay_pass_id: Mapped[int] = mapped_column(ForeignKey("passes.id"), unique=True)
    arriving_number: Mapped[str] = mapped_column(String(12))
    relay_number: Mapped[str] = mapped_column(String(12))
    # The arriving pass's verdict at the handover: pass, or check (a yellow enterprise...).
    arriving_verdict: Mapped[str] = mapped_column(String(8))
    seals: Mapped[list[str]] = mapped_column(JSON, default=list)
    cargo: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    relay_plate: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    checkpoint: Mapped["Checkpoint"] = relationship(lazy="joined")
    officer: Mapped["User"] = relationship(lazy="joined")
    arriving_pass: Mapped["Pass"] = relationship(foreign_keys=[arriving_pass_id], lazy="joined")
    relay_pass: Mapped["Pass"] = relationship(foreign_keys=[relay_pass_id], lazy="joined")
    category: Mapped["Category"] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Handover {self.id} {self.arriving_number}->{self.relay_number}>"
