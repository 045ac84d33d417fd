"""Pass pages for enterprises and the authority, and the public key set."""
from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core.api import page_args
from core.auth import public, role_required
from core.db import db, utcnow
from core.divisions import default_divisions
from core.errors import DomainError, ValidationFailed
from passes import forms, renewal, service, sms
from passes.application import read_application
from passes.models import KINDS
from passes.plates import PlateTaken
from passes.responses import png_response
from passes.verdicts import checkpoint_view, checkpoint_views
from passtokens import keys

bp = Blueprint("passes", __name__, template_folder="templates")
well_known = Blueprint("well_known", __name__, url_prefix="/.well-known")


@well_known.get("/jwks.json")
@public
def jwks():
    response = jsonify(keys.jwks())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.app_template_filter("county")
def county_name(code: str) -> str:
    """海城区 -> 北海市海城区: the prefecture makes a county name unambiguous; the province
    stands in where there is none (北京市朝阳区, 广东省东莞市)."""
    divisions = default_divisions()
    prefecture = code[:4] + "00"
    above = divisions.name(prefecture) if prefecture != code else None
    return (above or divisions.name(code[:2] + "0000") or "") + (divisions.name(code) or code)


@bp.get("/passes")
@role_required("enterprise")
def pass_list():
    return _list_page("passes.pass_list")


@bp.get("/admin/passes")
@role_required("admin")
def admin_list():
    return _list_page("passes.admin_list")


def _list_page(endpoint: str):
    filters = {name: request.args.get(name, "") for name in ("status", "kind", "q", "enterprise")}
    page, per_page = page_args(current_app.config["PAGE_SIZE"])
    statement = service.list_passes(current_user, status=filters["status"], kind=filters["kind"],
                                    query=filters["q"], enterprise=filters["enterprise"])
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False)
    now = utcnow()
    return render_template("passes/list.html", result=result, filters=filters, endpoint=endpoint,
                           statuses=service.STATUSES, kinds=KINDS, now=now,
                           checkpoint=checkpoint_views(result.items, now))


@bp.route("/passes/new", methods=["GET", "POST"])
@role_required("enterprise")
def new_pass():
    form, errors, status = forms.blank_application(), {}, 200
    if request.method == "POST":
        form = request.form.to_dict()
        data = forms.application_from_form(form)
        unread = forms.county_codes(data)
        try:
            application = read_application(data, service.applicant(current_user), utcnow())
            pass_ = service.apply_for_pass(application, current_user)
        except (ValidationFailed, PlateTaken) as error:
            errors, status = forms.form_errors(error.fields | unread), error.status
        else:
            flash(_("Pass %(number)s issued. Send the holder link to the driver.",
                    number=pass_.number), "success")
            return redirect(url_for(".pass_detail", number=pass_.number))
    enterprise = service.own_enterprise(current_user)
    return render_template("passes/new.html", form=form, errors=errors, refusal=_refusal(),
                           categories=enterprise.categories if enterprise else []), status


def _refusal() -> str | None:
    """Why this clerk's enterprise may not apply now, shown before they fill in the form."""
    try:
        service.applicant(current_user)
    except DomainError as error:
        return str(error.message)
    return None


@bp.get("/passes/<number>")
@role_required("admin", "enterprise")
def pass_detail(number: str):
    return _detail_page(service.get_pass(number, current_user))


def _detail_page(pass_, errors=None, form=None, status=200):
    now = utcnow()
    page = render_template("passes/detail.html", pass_=pass_, now=now,
                           errors=errors or {}, form=form or {},
                           test_lapsed=pass_.person.test_lapsed_at(now),
                           checkpoint=checkpoint_view(pass_, now),
                           holder_url=sms.holder_url(pass_), sms_text=sms.message_text(pass_),
                           sms_phone=sms.masked_phone(pass_.person.phone),
                           sms_sent=sms.sent_messages(pass_),
                           replaced_by=service.replacement_of(pass_.number)
                           if pass_.revoked_reason == renewal.RENEWED else None)
    return page, status


@bp.get("/passes/<number>/qr.png")
@role_required("admin", "enterprise")
def qr_png(number: str):
    return png_response(service.qr_png_of(number, current_user), number, download=True)


@bp.post("/passes/<number>/revoke")
@role_required("admin", "enterprise")
def revoke(number: str):
    pass_ = service.get_pass(number, current_user)
    try:
        service.revoke_pass(number, request.form.get("reason"), current_user)
    except ValidationFailed as error:
        return _detail_page(pass_, {f"revoke.{k}": v for k, v in error.fields.items()},
                            request.form, 422)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Pass %(number)s revoked.", number=number), "success")
    return redirect(url_for(".pass_detail", number=number))


@bp.post("/passes/<number>/sms")
@role_required("admin", "enterprise")
def send_sms(number: str):
    pass_ = service.get_pass(number, current_user)
    try:
        message = sms.send_to_holder(pass_, current_user)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        if message.status == "failed":
            flash(_("The SMS gateway refused the message. Copy the text and send it yourself."),
                  "error")
        else:
            flash(_("Text message sent to %(phone)s.", phone=sms.masked_phone(message.phone)),
                  "success")
    return redirect(url_for(".pass_detail", number=number))


@bp.post("/passes/<number>/renew")
@role_required("enterprise")
def renew(number: str):
    old = service.get_pass(number, current_user)
    try:
        renewed = renewal.read_renewal(number, forms.renewal_from_form(request.form),
                                       current_user, utcnow())
        pass_ = renewal.renew_pass(renewed, current_user)
    except ValidationFailed as error:
        return _detail_page(old, {f"renew.{k}": v for k, v in error.fields.items()},
                            request.form, 422)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for(".pass_detail", number=number))
    flash(_("Renewed as pass %(number)s; the old pass is revoked. Send the new holder link.",
            number=pass_.number), "success")
    return redirect(url_for(".pass_detail", number=pass_.number))

