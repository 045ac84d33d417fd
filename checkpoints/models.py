"""Checkpoints, the officers who staff them and the scans they record."""
from datetime import datetime

from sqlalchemy import JSON, Column, Float, ForeignKey, Index, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from checkpoints import reasons
from core.db import Model, UTCDateTime, db, utcnow

KINDS = ("highway_exit", "park_gate", "transfer_station")
# The registry (checkpoints/reasons.py) owns the codes, their order and their bits.
REASON_CODES = reasons.REASON_CODES
REASON_BITS = reasons.REASON_BITS
VERDICTS = reasons.VERDICTS
reason_bits = reasons.reason_bits


def _reason_bits_of_row(context) -> int:
    return reason_bits(context.get_current_parameters().get("reasons") or ())


def _reason_indexes() -> tuple[Index, ...]:
    """One partial index per reason code, in the scan log's order: filtering millions of
    scans by a reason walks only the scans that have it, newest first."""
    return tuple(
        Index(f"ix_scans_reason_{code}", "scanned_at", "id",
              postgresql_where=text(f"reason_bits & {bit} <> 0"),
              sqlite_where=text(f"reason_bits & {bit} <> 0"))
        for code, bit in REASON_BITS.items())

officer_checkpoints = Table(
    "officer_checkpoints",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("checkpoint_id", ForeignKey("checkpoints.id", ondelete="CASCADE"), primary_key=True),
)


class Checkpoint(Model):
    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(6))
    # Optional: with both checkpoints placed, a copy is caught by the distance a truck can drive.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Assignment is the checkpoints' business; User.checkpoints is its other side.
    officers: Mapped[list[User]] = relationship(secondary=officer_checkpoints,
                                                back_populates="checkpoints")

    def __repr__(self) -> str:
        return f"<Checkpoint {self.code}>"


class Scan(Model):
    """One check of a pass at a checkpoint, whatever the verdict; never holds the raw token."""

    __tablename__ = "scans"
    # Each filter of the scan log has an index in the log's order (scanned_at, id), so a
    # page of the newest matches reads a page of index entries, however long the log.
    __table_args__ = (
        Index("ix_scans_scanned", "scanned_at", "id"),
        Index("ix_scans_checkpoint_scanned", "checkpoint_id", "scanned_at", "id"),
        Index("ix_scans_officer_scanned", "officer_id", "scanned_at", "id"),
        Index("ix_scans_verdict_scanned", "verdict", "scanned_at", "id"),
        Index("ix_scans_enterprise_scanned", "enterprise_code", "scanned_at", "id"),
        Index("ix_scans_pass_scanned", "pass_number", "scanned_at"),
        *_reason_indexes(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id an offline handheld made up, so that uploading twice stores once.
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    # Known only when the token verified and the registry holds it: forgeries have none.
    pass_number: Mapped[str | None] = mapped_column(String(12))
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verdict: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The same codes as bits, filled in from `reasons` on insert: JSON cannot be indexed
    # the same way on SQLite and PostgreSQL, an integer can (see _reason_indexes).
    reason_bits: Mapped[int] = mapped_column(default=_reason_bits_of_row, server_default="0")
    plate_seen: Mapped[str | None] = mapped_column(String(16))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offline: Mapped[bool] = mapped_column(default=False)
    # An uploaded offline scan keeps what the handheld said here; verdict and reasons are the
    # server's own judgement at scanned_at, which the counts use. Null for online scans.
    client_verdict: Mapped[str | None] = mapped_column(String(8))
    client_reasons: Mapped[list[str] | None] = mapped_column(JSON)

    @property
    def disputed(self) -> bool:
        """The handheld's verdict differs from the server's."""
        return self.client_verdict is not None and self.client_verdict != self.verdict

    checkpoint: Mapped[Checkpoint] = relationship(lazy="joined")
    officer: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Scan {self.id} {self.verdict} at {self.checkpoint_id}>"


# The scans table typed as the Table it is (Scan.__table__ is typed as any FromClause), for
# the Core inserts that write scans in bulk.
scans_table = Model.metadata.tables["scans"]
