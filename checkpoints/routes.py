"""Checkpoint pages: the registry, the officer's start page and the scan logs."""
from datetime import UTC, datetime, timedelta
from math import ceil

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_utc
from flask_login import current_user

from checkpoints import scans, service
from checkpoints.inputs import read_new_checkpoint
from checkpoints.labels import REASON_LABELS, VERDICT_NAMES
from checkpoints.models import KINDS, REASON_CODES, VERDICTS
from checkpoints.wording import reason_messages
from core.api import page_args
from core.auth import role_required
from core.db import db, utcnow
from core.divisions import default_divisions
from core.errors import ValidationFailed
from core.validation import county_by_name

bp = Blueprint("checkpoints", __name__, template_folder="templates")
# Its own blueprint, so the menu tells the scan log apart from the checkpoint pages.
scan_log = Blueprint("scan_log", __name__, template_folder="templates")

SHIFT_CHOICES = (scans.SHIFT_HOURS, 24, 72)
ADMIN_FILTERS = ("checkpoint", "verdict", "reason", "enterprise", "pass", "from", "to")



@bp.get("/checkpoint")
@role_required("officer")
def home():
    return render_template("checkpoints/home.html", checkpoints=current_user.checkpoints,
                           divisions=default_divisions())


@bp.route("/admin/checkpoints", methods=["GET", "POST"])
@role_required("admin")
def admin_list():
    form, errors, status = {}, {}, 200
    if request.method == "POST":
        form = request.form.to_dict()
        area, unread = county_by_name(form.get("area"))  # typed as a name without the picker
        try:
            new = read_new_checkpoint(form | {"area": area} if area else form)
            checkpoint = service.create_checkpoint(new, current_user)
        except ValidationFailed as error:
            errors, status = error.fields | ({"area": unread} if unread else {}), 422
        else:
            flash(_("Checkpoint %(code)s added.", code=checkpoint.code), "success")
            return redirect(url_for(".admin_list"))
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    result = db.paginate(service.list_checkpoints(), page=page, per_page=per_page,
                         error_out=False)
    return render_template("checkpoints/admin_list.html", result=result, form=form,
                           errors=errors, kinds=KINDS, divisions=default_divisions()), status


@scan_log.get("/checkpoint/scans")
@role_required("officer")
def officer_scans():
    hours = request.args.get("hours", scans.SHIFT_HOURS, type=int)
    hours = hours if hours in SHIFT_CHOICES else scans.SHIFT_HOURS
    filters = scans.ScanFilters(officer_id=current_user.id,
                                since=utcnow() - timedelta(hours=hours))
    return _scan_page("checkpoints/officer_scans.html", filters, hours=hours,
                      shift_choices=SHIFT_CHOICES)


@scan_log.get("/admin/scans")
@role_required("admin")
def admin_scans():
    args = {name: request.args.get(name, "").strip() for name in ADMIN_FILTERS}
    filters = scans.ScanFilters(
        checkpoint=args["checkpoint"] or None, verdict=args["verdict"] or None,
        reason=args["reason"] or None, enterprise=args["enterprise"] or None,
        pass_number=args["pass"] or None,
        since=_local_time(args["from"]), until=_local_time(args["to"]))
    return _scan_page("checkpoints/admin_scans.html", filters, args=args,
                      checkpoints=db.session.scalars(service.list_checkpoints()).all())


def _scan_page(template: str, filters: scans.ScanFilters, **context):
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    newest = current_app.config["SCAN_LOG_LIMIT"]
    result = scans.page_of(filters, page, per_page, newest)
    counts = scans.verdict_counts(filters, newest=newest)
    matches = sum(counts.values())
    window = timedelta(minutes=current_app.config["SCAN_COPY_WINDOW_MINUTES"])
    return render_template(template, result=result, counts=counts,
                           matches=matches, newest=newest,
                           last_page=max(1, ceil(matches / per_page)),
                           copies=scans.possible_copies(result.items, window),
                           window_minutes=current_app.config["SCAN_COPY_WINDOW_MINUTES"],
                           verdicts=VERDICTS, verdict_names=VERDICT_NAMES,
                           reason_codes=REASON_CODES, reason_labels=REASON_LABELS,
                           reason_messages=reason_messages(), **context)


def _local_time(text: str) -> datetime | None:
    """A datetime-local field's value, read in the user's time zone; None if unreadable."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = to_utc(moment).replace(tzinfo=UTC)
    return moment
