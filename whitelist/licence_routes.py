"""Business-licence pages and API: the enterprise uploads it, only the authority opens it."""
import io

from flask import flash, jsonify, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import role_required
from core.errors import NotFound, ValidationFailed
from whitelist import licence, service
from whitelist.api import api
from whitelist.routes import allow_licence_upload, bp, uploaded_licence


@bp.app_template_global("business_licence")
def business_licence(enterprise):
    return licence.licence_of(enterprise)


@bp.post("/enterprise/licence")
@role_required("enterprise")
def upload_own():
    allow_licence_upload()
    if current_user.enterprise is None:
        raise NotFound()
    file = uploaded_licence()
    try:
        licence.store(current_user.enterprise, *(file or (None, None)), current_user)
    except ValidationFailed as error:
        flash(str(error.fields["licence"]), "error")
    else:
        flash(_("Business licence uploaded."), "success")
    return redirect(url_for("whitelist.my_enterprise"))


@bp.get("/admin/enterprises/<code>/licence")
@role_required("admin")
def licence_download(code: str):
    return file_response(licence.licence_file(service.get_enterprise(code, current_user)))


def file_response(document):
    # Images open in the page; a PDF is downloaded. Sandboxed and never cached: it is a
    # company's document, only for the authority.
    response = send_file(io.BytesIO(document.data), mimetype=document.media_type,
                         as_attachment=not document.media_type.startswith("image/"),
                         download_name=document.filename, max_age=0)
    response.cache_control.private = True
    response.cache_control.no_store = True
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@api.put("/enterprises/<code>/licence")
@role_required("admin", "enterprise")
def put_licence(code: str):
    allow_licence_upload()
    enterprise = service.get_enterprise(code, current_user)
    stored = licence.store(enterprise, request.args.get("filename"), request.get_data(),
                           current_user)
    return jsonify(licence.summary(stored))


@api.get("/enterprises/<code>/licence")
@role_required("admin")
def get_licence(code: str):
    return file_response(licence.licence_file(service.get_enterprise(code, current_user)))
