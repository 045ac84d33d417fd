"""What an enterprise's red colour would stop: its live passes and the people driving them."""
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select

from core import events
from core.db import db
from passes.models import Pass


def live_passes_of(enterprise, now: datetime) -> Mapping[str, int]:
    """Passes of the enterprise valid now, and the distinct holders (by ID number) on them."""
    live = select(Pass.id, Pass.person_id).where(Pass.enterprise_id == enterprise.id,
                                                  Pass.valid_at(now)).subquery()
    passes, holders = db.session.execute(
        select(func.count(live.c.id), func.count(live.c.person_id.distinct()))).one()
    return {"passes": passes, "holders": holders}


def init_app() -> None:
    events.red_impact.connect(live_passes_of)
