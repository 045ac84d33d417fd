"""What an enterprise's red colour would stop: its live passes and the people driving them."""
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select

from core import events
from core.db import db
from passes.models import Pass


def live_passes_of(enterprise, now: datetime) -> Mapping[str, int]:
    """The enterprise's passes checkpoints honour: valid now (`passes`) and starting later
    (`later`), as its notice will count them together, and the distinct holders on them."""
    live = select(Pass.id, Pass.person_id, (Pass.valid_from <= now).label("started")).where(
        Pass.enterprise_id == enterprise.id, Pass.open_at(now)).subquery()
    passes, later, holders = db.session.execute(select(
        func.count(live.c.id).filter(live.c.started),
        func.count(live.c.id).filter(~live.c.started),
        func.count(live.c.person_id.distinct()))).one()
    return {"passes": passes, "later": later, "holders": holders}


def init_app() -> None:
    events.red_impact.connect(live_passes_of)
