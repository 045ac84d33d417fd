"""An uploaded bulk-application file: its checked rows, and the passes it became once confirmed."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Model, UTCDateTime, utcnow

BATCH_STATUSES = ("pending", "confirmed")


class BulkBatch(Model):
    """One file per enterprise and content hash: uploading it again finds this row."""

    __tablename__ = "bulk_batches"
    __table_args__ = (UniqueConstraint("enterprise_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    # [{"row", "data" (the API's JSON shape), "errors": [[column, message]], "fingerprint",
    #   "number" (its pass, once issued), "earlier" (issued by an earlier batch)}]
    rows: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pass_numbers: Mapped[list] = mapped_column(JSON, default=list)

    @property
    def invalid_rows(self) -> list[dict]:
        return [row for row in self.rows if row["errors"]]

    @property
    def to_issue(self) -> list[dict]:
        """Valid rows that no batch has turned into a pass yet."""
        return [row for row in self.rows if not row["errors"] and not row.get("number")]

    @property
    def issued_earlier(self) -> list[dict]:
        return [row for row in self.rows if row.get("earlier")]

    def __repr__(self) -> str:
        return f"<BulkBatch {self.id} {self.status} rows={len(self.rows)}>"
