"""What an enterprise is told: in-app notifications and the webhook outbox."""
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from whitelist.models import Enterprise

EVENT_TYPES = ("enterprise.colour_changed", "pass.revoked", "passes.refused")
DELIVERY_STATES = ("pending", "delivered", "failed")


class Notification(Model):
    """A message for an enterprise's clerks; the words are made at display time from params."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_enterprise_read", "enterprise_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} enterprise={self.enterprise_id}>"


class WebhookEndpoint(Model):
    """Where an enterprise wants its events posted, and the secret that signs them."""

    __tablename__ = "webhook_endpoints"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    # Encrypted with KEY_ENCRYPTION_SECRET, as the signing keys are (notifications/service.py).
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<WebhookEndpoint enterprise={self.enterprise_id}>"


class WebhookDelivery(Model):
    """One event to post: written with the change (an outbox row), sent later with retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(500))
    # The exact bytes signed and sent, so every retry carries the same signature.
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    enterprise: Mapped["Enterprise"] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.event_id} {self.event_type} {self.state}>"
