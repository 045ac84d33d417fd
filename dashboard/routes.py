"""The authority's dashboard page, its self-refreshing panel, CSV exports and the stats API."""
from flask import Blueprint, Response, jsonify, render_template

from checkpoints.labels import REASON_LABELS, VERDICT_NAMES
from core.auth import role_required
from dashboard import charts, service, tables

bp = Blueprint("dashboard", __name__, template_folder="templates", url_prefix="/admin/dashboard")
api = Blueprint("dashboard_api", __name__, url_prefix="/api/v1")
# The panel re-fetches itself this often (static/js/dashboard.js reads it off the page).
REFRESH_SECONDS = 15


@bp.get("")
@role_required("admin")
def page():
    return render_template("dashboard/page.html", refresh=REFRESH_SECONDS, **_context())


@bp.get("/panel")
@role_required("admin")
def panel():
    return render_template("dashboard/_panel.html", **_context())


@bp.get(f"/<any({', '.join(tables.TABLES)}):table>.csv")
@role_required("admin")
def export(table: str):
    body = tables.to_csv(table, service.overview())
    filename = f"dashboard-{table}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@api.get("/stats")
@role_required("admin")
def stats():
    return jsonify(service.stats())


def _context() -> dict:
    return {"data": service.overview(), "charts": charts, "tables": tables.TABLES,
            "verdict_names": VERDICT_NAMES, "reason_labels": REASON_LABELS}
