"""Checkpoint pages and API: the registry of checkpoints and the officer's start page."""
from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from checkpoints import service
from checkpoints.models import KINDS, Checkpoint
from core.api import json_body, page_args
from core.auth import role_required
from core.db import db
from core.divisions import default_divisions
from core.errors import ValidationFailed

bp = Blueprint("checkpoints", __name__, template_folder="templates")
api = Blueprint("checkpoints_api", __name__, url_prefix="/api/v1")


def checkpoint_json(checkpoint: Checkpoint) -> dict:
    return {"code": checkpoint.code, "name": checkpoint.name, "kind": checkpoint.kind,
            "area": checkpoint.area, "active": checkpoint.active}


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
        try:
            checkpoint = service.create_checkpoint(form, current_user)
        except ValidationFailed as error:
            errors, status = error.fields, 422
        else:
            flash(_("Checkpoint %(code)s added.", code=checkpoint.code), "success")
            return redirect(url_for(".admin_list"))
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    result = db.paginate(service.list_checkpoints(), page=page, per_page=per_page,
                         error_out=False)
    return render_template("checkpoints/admin_list.html", result=result, form=form,
                           errors=errors, kinds=KINDS, divisions=default_divisions()), status


@api.post("/checkpoints")
@role_required("admin")
def create():
    checkpoint = service.create_checkpoint(json_body(), current_user)
    return jsonify(checkpoint_json(checkpoint)), 201


@api.get("/checkpoints")
@role_required("admin", "officer")
def list_all():
    if current_user.role == "officer":
        return jsonify([checkpoint_json(c) for c in current_user.checkpoints])
    return jsonify([checkpoint_json(c) for c in db.session.scalars(service.list_checkpoints())])
