"""An uploaded bulk-application file: its checked rows, and the passes it became once confirmed."""
from datetime import datetime
from typing import NotRequired, TypedDict

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Model, UTCDateTime, utcnow

BATCH_STATUSES = ("pending", "confirmed")


class CheckedRow(TypedDict):
    """A row of an uploaded file, checked."""

    row: int
    data: dict[str, object]  # the row as the JSON body of POST /api/v1/passes
    errors: list[list[str]]  # [[column key, message]], in column order
    fingerprint: str
    number: NotRequired[str]  # the pass it became, once issued
    earlier: NotRequired[bool]  # that pass was issued by an earlier batch


class BulkBatch(Model):
    """One file per enterprise and content hash: uploading it again finds this row."""

    __tablename__ = "bulk_batches"
    __table_args__ = (UniqueConstraint("enterprise_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    rows: Mapped[list[CheckedRow]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pass_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)

    @property
    def invalid_rows(self) -> list[CheckedRow]:
        return [row for row in self.rows if row["errors"]]

    @property
    def to_issue(self) -> list[CheckedRow]:
        """Valid rows that no batch has turned into a pass yet."""
        return [row for row in self.rows if not row["errors"] and not row.get("number")]

    @property
    def issued_earlier(self) -> list[CheckedRow]:
        return [row for row in self.rows if row.get("earlier")]

    def __repr__(self) -> str:
        return f"<BulkBatch {self.id} {self.status} rows={len(self.rows)}>"
