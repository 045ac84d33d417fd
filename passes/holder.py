"""The holder's pages: public, behind an unguessable link the enterprise sends the driver."""
from pathlib import Path

from flask import Blueprint, current_app, jsonify, make_response, render_template, send_file
from flask_babel import gettext as _

from core.auth import public
from core.db import utcnow
from passes import service
from passes.models import Pass
from passes.renewal import RENEWED
from passes.responses import png_response
from passes.verdicts import checkpoint_view
from passtokens import qr, tokens

holder = Blueprint("holder", __name__, url_prefix="/h", template_folder="templates")

PRINTED_QR_MM = 60  # the rules ask for at least 40 mm; larger scans better off paper


@holder.app_template_global()
def revocation_reason_in_words(reason: str | None) -> str:
    """A revocation's reason as written, but the one the system writes (a renewal's) in the
    reader's language."""
    if reason == RENEWED:
        return _("replaced by its renewal")
    return reason or ""


def status_message(pass_: Pass, status: str) -> str:
    """Why a pass is not valid, in words for the driver and the officer."""
    if status == "revoked":
        return _("Revoked: %(reason)s", reason=revocation_reason_in_words(pass_.revoked_reason))
    return {
        "expired": _("Expired: the validity window has ended."),
        "not_yet_valid": _("Not valid yet: the validity window has not started."),
    }.get(status, _("Valid"))


@holder.after_request
def _keep_out_of_search_engines(response):
    # The secret is the path: a link that leaks must not become a search result too.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@holder.get("/sw.js")
@public
def service_worker():
    path = Path(current_app.static_folder) / "js" / "holder-sw.js"
    response = send_file(path, mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/h/"
    return response


@holder.get("/<secret>")
@public
def page(secret: str):
    pass_ = service.pass_for_holder(secret)
    now = utcnow()
    status = pass_.status(now)
    response = make_response(render_template(
        "passes/holder.html", pass_=pass_, status=status, now=now,
        message=status_message(pass_, status), checkpoint=checkpoint_view(pass_, now),
        svg=qr.render_svg(tokens.qr_text(pass_))))
    response.cache_control.no_cache = True  # always revalidate when online: it may be revoked
    return response


@holder.get("/<secret>/status.json")
@public
def status(secret: str):
    pass_ = service.pass_for_holder(secret)
    now = utcnow()
    state = pass_.status(now)
    checkpoint = checkpoint_view(pass_, now)
    response = jsonify(number=pass_.number, status=state, message=status_message(pass_, state),
                       checkpoint_verdict=checkpoint.as_json(),
                       checkpoint_message=checkpoint.words,
                       valid_from=pass_.valid_from.isoformat(),
                       valid_until=pass_.valid_until.isoformat(), checked_at=now.isoformat())
    response.cache_control.no_store = True
    return response


@holder.get("/<secret>/qr.png")
@public
def qr_png(secret: str):
    pass_ = service.pass_for_holder(secret)
    return png_response(service.qr_png(pass_), pass_.number, download=True)


@holder.get("/<secret>/print")
@public
def print_page(secret: str):
    pass_ = service.pass_for_holder(secret)
    text = tokens.qr_text(pass_)
    modules = qr.build_matrix(text).modules.shape[0] + 2 * qr.BORDER
    svg = qr.render_svg(text, module_mm=round(PRINTED_QR_MM / modules, 4))
    status = pass_.status(utcnow())
    return render_template("passes/print.html", pass_=pass_, status=status,
                           message=status_message(pass_, status), svg=svg)
