"""The authority's account pages: list, create, assign checkpoints, deactivate."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from accounts import passwords, service
from accounts.models import ROLES, User
from checkpoints.service import list_checkpoints
from checkpoints.staffing import create_account, read_staff_account
from core.api import page_args
from core.auth import role_required
from core.db import db
from core.errors import DomainError, ValidationFailed

bp = Blueprint("accounts_admin", __name__, template_folder="templates",
               url_prefix="/admin/users")


@bp.route("", methods=["GET", "POST"])
@role_required("admin")
def users():
    form, errors, status = {"role": "officer"}, {}, 200
    if request.method == "POST":
        form = request.form.to_dict() | {"checkpoints": request.form.getlist("checkpoints")}
        try:
            user = create_account(read_staff_account(form), current_user.username)
        except ValidationFailed as error:
            errors, status = error.fields, 422
        else:
            flash(_("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for(".users"))
    role = request.args.get("role", "")
    statement = select(User).order_by(User.username)
    if role in ROLES:
        statement = statement.where(User.role == role)
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False)
    checkpoints = db.session.scalars(list_checkpoints()).all()
    return render_template("staff/users.html", result=result, form=form, errors=errors,
                           roles=ROLES, role=role, checkpoints=checkpoints), status


@bp.post("/<username>/active")
@role_required("admin")
def set_active(username: str):
    try:
        user = service.set_active(username, request.form.get("active") == "1",
                                  current_user.username)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        if user.active:
            flash(_("%(name)s can sign in again.", name=user.username), "success")
        else:
            flash(_("%(name)s can no longer sign in.", name=user.username), "success")
    return redirect(url_for(".users"))


@bp.post("/<username>/password")
@role_required("admin")
def reset_password(username: str):
    """Shown once, on this answer only: never in a flash message, which rides in the cookie."""
    try:
        temporary = passwords.reset_password(username, current_user.username)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for(".users"))
    page = render_template("staff/temporary_password.html", username=username,
                           temporary=temporary)
    return page, 200, {"Cache-Control": "no-store"}
