"""Pages where an enterprise keeps its drivers' and staff's health status current."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.api import page_args
from core.auth import role_required
from core.db import db, utcnow
from core.errors import ValidationFailed
from core.ui import query_args
from passes import forms
from people import roster as people
from people.inputs import read_health_update

# A blueprint of its own, so the menu marks "Drivers and staff" apart from "Passes".
people_bp = Blueprint("people", __name__, template_folder="templates")


@people_bp.get("/people")
@role_required("enterprise")
def roster():
    return _roster_page()


def _roster_page(editing: int | None = None, errors=None, form=None, status=200):
    filters = {name: request.args.get(name, "") for name in ("q", "lapsed", "retest")}
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    statement = people.list_people(current_user, query=filters["q"], lapsed=bool(filters["lapsed"]),
                                   retest=bool(filters["retest"]))
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False)
    return render_template("people/roster.html", result=result, filters=filters, now=utcnow(),
                           people=people, retest_count=people.retest_count(current_user),
                           editing=editing, errors=errors or {},
                           form=form or {}), status


@people_bp.post("/people/<int:person_id>/health")
@role_required("enterprise")
def update_health(person_id: int):
    person = people.get_person(person_id, current_user)
    data = {"health_code": request.form.get("health_code"),
            "test": forms.test_from_form(request.form, "")}
    now = utcnow()
    try:
        people.update_person_health(person, read_health_update(data, now), current_user, now)
    except ValidationFailed as error:
        return _roster_page(person_id, error.fields, request.form, 422)
    flash(_("Health status of %(name)s updated.", name=person.name), "success")
    return redirect(url_for(".roster", **query_args()))
