"""White-list pages: registration for enterprises, review and colours for the authority."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.api import page_args
from core.auth import role_required
from core.db import db
from core.errors import DomainError, ValidationFailed
from core.ui import STATE_NAMES
from core.unit_of_work import unit_of_work
from whitelist import licence, service
from whitelist.inputs import read_colour, read_registration
from whitelist.models import COLOURS, STATES
from whitelist.reasons import reason_in_words

bp = Blueprint("whitelist", __name__, template_folder="templates")

bp.add_app_template_global(reason_in_words)

STATE_ACTIONS = {
    "approve": lambda code, reason, actor: service.approve(code, actor, reason),
    "reject": service.reject,
    "suspend": service.suspend,
    "reinstate": service.reinstate,
}


@bp.get("/admin/enterprises")
@role_required("admin")
def enterprise_list():
    filters = {name: request.args.get(name, "") for name in ("state", "colour", "q")}
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    statement = service.list_enterprises(state=filters["state"], colour=filters["colour"],
                                         query=filters["q"])
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False)
    return render_template("whitelist/list.html", result=result, filters=filters,
                           states=STATES, colours=COLOURS, counts=service.counts())


@bp.get("/admin/enterprises/<code>")
@role_required("admin")
def enterprise_detail(code: str):
    return _detail_page(service.get_enterprise(code, current_user))


def _detail_page(enterprise, errors=None, form=None, status=200):
    page = render_template("whitelist/detail.html", enterprise=enterprise, colours=COLOURS,
                           policy=service.colour_policy(), errors=errors or {}, form=form or {})
    return page, status


@bp.post("/admin/enterprises/<code>/<any(approve, reject, suspend, reinstate):action>")
@role_required("admin")
def change_state(code: str, action: str):
    enterprise = service.get_enterprise(code, current_user)
    try:
        STATE_ACTIONS[action](code, request.form.get("reason"), current_user)
    except ValidationFailed as error:
        return _detail_page(enterprise, {f"{action}.{k}": v for k, v in error.fields.items()},
                            request.form, 422)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Done: %(name)s is now %(state)s.", name=enterprise.name,
                state=STATE_NAMES[enterprise.state]), "success")
    return redirect(url_for(".enterprise_detail", code=enterprise.code))


@bp.post("/admin/enterprises/<code>/colour")
@role_required("admin")
def set_colour(code: str):
    enterprise = service.get_enterprise(code, current_user)
    asks_red = request.form.get("colour") == "red" and request.form.get("reason", "").strip()
    if asks_red and enterprise.colour != "red" and not request.form.get("confirmed"):
        # Red stops every pass of the enterprise at once: show what it stops, then ask again.
        page = render_template("whitelist/detail.html", enterprise=enterprise, colours=COLOURS,
                               policy=service.colour_policy(), errors={}, form=request.form,
                               red_impact=service.red_impact(enterprise))
        return page, 200
    try:
        service.set_colour(code, read_colour(request.form), current_user)
    except ValidationFailed as error:
        fields = {f"colour.{k}": v for k, v in error.fields.items()}
        return _detail_page(enterprise, fields, request.form, 422)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Colour changed; checkpoints apply it at their next scan."), "success")
    return redirect(url_for(".enterprise_detail", code=enterprise.code))


@bp.get("/enterprise")
@role_required("enterprise")
def my_enterprise():
    if current_user.enterprise is None:
        return redirect(url_for(".register"))
    return render_template("whitelist/mine.html", enterprise=current_user.enterprise,
                           policy=service.colour_policy())


@bp.route("/enterprise/register", methods=["GET", "POST"])
@role_required("enterprise")
def register():
    if current_user.enterprise is not None:
        return redirect(url_for(".my_enterprise"))
    form, errors, status = {}, {}, 200
    if request.method == "POST":
        allow_licence_upload()
        form = request.form.to_dict() | {"categories": request.form.getlist("categories")}
        file = uploaded_licence()
        try:
            if file:
                licence.check_file(file[1])  # before the registration is stored
            registration = read_registration(form)
            with unit_of_work():  # the registration and its licence, or neither
                enterprise = service.register_enterprise(registration, current_user)
                if file:
                    licence.store(enterprise, *file, current_user)
        except ValidationFailed as error:
            errors, status = error.fields, 422
        else:
            flash(_("Registration received. The authority will review it."), "success")
            return redirect(url_for(".my_enterprise"))
    return render_template("whitelist/register.html", form=form, errors=errors,
                           categories=service.categories()), status


# Room for the multipart envelope and the form's other fields around the file.
FORM_OVERHEAD = 64 * 1024


def allow_licence_upload() -> None:
    """Raise this request's body limit (1 MiB elsewhere) to the licence's size cap."""
    request.max_content_length = licence.max_bytes() + FORM_OVERHEAD


def uploaded_licence() -> tuple[str, bytes] | None:
    """The licence file of a form, if one was chosen: (filename, content)."""
    file = request.files.get("licence")
    if file is None or not file.filename:
        return None
    content = file.read()
    file.close()
    return file.filename, content
