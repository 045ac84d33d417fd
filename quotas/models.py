"""An enterprise's issuing quota: its own limits, if the authority set any, and its usage."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Model, UTCDateTime


class IssuingQuota(Model):
    """One row per enterprise that has issued or been given limits; counters reset per window."""

    __tablename__ = "issuing_quotas"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), primary_key=True)
    # None: the deployment's default (ISSUE_QUOTA_PER_HOUR / ISSUE_QUOTA_PER_DAY).
    per_hour: Mapped[int | None] = mapped_column()
    per_day: Mapped[int | None] = mapped_column()
    # The window each count belongs to (its start); a count from an older window is stale.
    hour_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hour_count: Mapped[int] = mapped_column(default=0)
    day_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    day_count: Mapped[int] = mapped_column(default=0)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<IssuingQuota enterprise={self.enterprise_id} {self.per_hour}/{self.per_day}>"


# The table typed as the Table it is (IssuingQuota.__table__ is typed as any FromClause), for
# the Core UPDATE that counts each issue (quotas.service.take).
quotas_table = Model.metadata.tables["issuing_quotas"]
