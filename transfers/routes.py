"""Handover pages: the officer records and prints them, the authority lists them."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.api import page_args
from core.auth import role_required
from core.db import db, utcnow
from core.errors import ValidationFailed
from passes.plates import PlateTaken
from passtokens import qr, tokens
from transfers import forms, service
from whitelist.service import categories

bp = Blueprint("transfers", __name__, template_folder="templates")
PRINTED_QR_MM = 50


@bp.route("/checkpoint/handovers/new", methods=["GET", "POST"])
@role_required("officer")
def new_handover():
    stations = service.stations_of(current_user)
    form, errors, status = forms.blank_handover(stations[0].code if stations else ""), {}, 200
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            now = utcnow()
            new = service.read_handover(forms.handover_from_form(form), current_user, now)
            handover = service.create_handover(new, current_user, now)
        except (ValidationFailed, PlateTaken, service.AlreadyHandedOver) as error:
            errors, status = error.fields, error.status
        else:
            flash(_("Handover recorded; relay pass %(number)s issued.",
                    number=handover.relay_number), "success")
            return redirect(url_for(".handover_detail", handover_id=handover.id))
    return render_template("transfers/new.html", form=form, errors=errors, stations=stations,
                           categories=categories(), recent=service.recent_at(stations)), status


@bp.get("/checkpoint/handovers/<int:handover_id>")
@role_required("officer", "admin")
def handover_detail(handover_id: int):
    handover = service.get_handover(handover_id, current_user)
    return render_template("transfers/detail.html", handover=handover)


@bp.get("/checkpoint/handovers/<int:handover_id>/print")
@role_required("officer", "admin")
def print_sheet(handover_id: int):
    handover = service.get_handover(handover_id, current_user)
    text = tokens.qr_text(handover.relay_pass)
    modules = qr.build_matrix(text).modules.shape[0] + 2 * qr.BORDER
    svg = qr.render_svg(text, module_mm=round(PRINTED_QR_MM / modules, 4))
    return render_template("transfers/print.html", handover=handover, relay_qr=svg)


@bp.get("/admin/handovers")
@role_required("admin")
def admin_list():
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    result = db.paginate(service.list_handovers(), page=page, per_page=per_page, error_out=False)
    return render_template("transfers/admin_list.html", result=result)
