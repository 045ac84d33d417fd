"""The audit log page for the authority."""
from datetime import datetime, time, timedelta

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import select

from audit.labels import ACTIONS, action_name, details_in_words
from audit.models import AuditEntry
from core.api import page_args
from core.auth import role_required
from core.db import db
from core.i18n import local_zone

bp = Blueprint("audit", __name__, template_folder="templates")
FILTERS = ("actor", "action", "subject", "since", "until")


@bp.get("/admin/audit")
@role_required("admin")
def log():
    filters = {name: request.args.get(name, "").strip() for name in FILTERS}
    statement = select(AuditEntry).order_by(AuditEntry.id.desc())
    for name in ("actor", "subject"):
        if filters[name]:
            statement = statement.where(getattr(AuditEntry, name) == filters[name])
    if filters["action"]:
        statement = statement.where(AuditEntry.action.startswith(filters["action"]))
    if since := _day(filters["since"]):
        statement = statement.where(AuditEntry.at >= since)
    if until := _day(filters["until"]):
        statement = statement.where(AuditEntry.at < until + timedelta(days=1))
    page, per_page = page_args(current_app.config["PAGE_SIZE"] * 2)
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False)
    actions = sorted(((code, str(name)) for code, name in ACTIONS.items()), key=lambda a: a[1])
    return render_template("audit/log.html", result=result, filters=filters, actions=actions,
                           action_name=action_name, details_in_words=details_in_words)


def _day(text: str) -> datetime | None:
    """Midnight, Beijing time, of a YYYY-MM-DD date; None if blank or malformed."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time(), tzinfo=local_zone())
