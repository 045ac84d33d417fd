"""The authority's pages to edit a checkpoint and to change an officer's checkpoints."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from checkpoints import service, staffing
from checkpoints.inputs import read_checkpoint_details
from checkpoints.models import KINDS
from checkpoints.routes import bp
from core.auth import role_required
from core.db import db
from core.errors import ValidationFailed
from core.validation import county_by_name


@bp.route("/admin/checkpoints/<code>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit(code: str):
    checkpoint = service.get_checkpoint(code)
    form = {name: getattr(checkpoint, name) for name in staffing.EDITABLE}
    form["active"] = "1" if checkpoint.active else "0"
    errors, status = {}, 200
    if request.method == "POST":
        form = request.form.to_dict()
        area, unread = county_by_name(form.get("area"))  # typed as a name without the picker
        try:
            details = read_checkpoint_details(form | {"area": area} if area else form)
            staffing.update_checkpoint(code, details, current_user)
        except ValidationFailed as error:
            errors, status = error.fields | ({"area": unread} if unread else {}), 422
        else:
            flash(_("Checkpoint %(code)s saved.", code=code), "success")
            return redirect(url_for(".admin_list"))
    return render_template("checkpoints/edit.html", checkpoint=checkpoint, form=form,
                           errors=errors, kinds=KINDS), status


@bp.route("/admin/officers/<username>/checkpoints", methods=["GET", "POST"])
@role_required("admin")
def officer_checkpoints(username: str):
    officer = staffing.get_officer(username)
    chosen = [checkpoint.code for checkpoint in officer.checkpoints]
    errors, status = {}, 200
    if request.method == "POST":
        chosen = request.form.getlist("checkpoints")
        try:
            staffing.assign_checkpoints(username, chosen, current_user)
        except ValidationFailed as error:
            errors, status = error.fields, 422
        else:
            flash(_("Checkpoints of %(username)s saved.", username=username), "success")
            return redirect(url_for("accounts_admin.users"))
    return render_template("checkpoints/officer_checkpoints.html", officer=officer,
                           chosen=chosen, errors=errors,
                           checkpoints=db.session.scalars(service.list_checkpoints()).all()), status
