"""Bulk application pages: the template, the upload and its report, the confirmation."""
import io

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from bulk import links as bulk_links
from bulk import service as bulk_service
from bulk.files import MAX_ROWS, MAX_ROWS_TEXT, FileRefused, column_name
from bulk.service import RowsNoLongerValid
from core.auth import role_required
from core.errors import DomainError, error_response, wants_json
from passes.application import (
    EnterpriseNotApproved,
    EnterpriseRed,
    NoEnterprise,
    check_enterprise,
)
from passes.service import own_enterprise

bulk = Blueprint("bulk", __name__, url_prefix="/passes/bulk", template_folder="templates")
MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bulk.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    message = _("The file is too large. At most %(rows)s rows per file: split it and upload "
                "the parts one by one.", rows=MAX_ROWS_TEXT)
    return error_response(413, "file_too_large", message)


@bulk.get("")
@role_required("enterprise")
def index():
    return _index_page()


def _index_page(error: str | None = None, status: int = 200):
    return render_template("bulk/index.html", error=error, refusal=_refusal(),
                           batches=bulk_service.recent_batches(current_user),
                           max_rows=MAX_ROWS), status


@bulk.get("/template.<any(csv, xlsx):kind>")
@role_required("enterprise")
def template(kind: str):
    return _download(bulk_service.template(kind, current_user), f"bulk-template.{kind}",
                     MIME[kind])


@bulk.post("/upload")
@role_required("enterprise")
def upload():
    file = request.files.get("file")
    if file is None or not file.filename:
        return _upload_refused(_("Choose a CSV or Excel file first."))
    content = file.read()
    file.close()  # a large upload is spooled to a temporary file: let it go now
    try:
        batch = bulk_service.upload(file.filename, content, current_user)
    except FileRefused as refusal:
        return _upload_refused(str(refusal.message))
    target = url_for(".batch", batch_id=batch.id)
    if wants_json():
        return jsonify(url=target, invalid=len(batch.invalid_rows))
    return redirect(target)


def _refusal() -> str | None:
    """Why this clerk's enterprise may not apply now, shown before they upload anything."""
    try:
        check_enterprise(own_enterprise(current_user))
    except DomainError as error:
        return str(error.message)
    return None


def _upload_refused(message: str):
    if wants_json():
        return error_response(422, "file_refused", message, fields={"file": message})
    return _index_page(error=message, status=422)


@bulk.get("/<int:batch_id>")
@role_required("enterprise")
def batch(batch_id: int):
    return render_template("bulk/batch.html", batch=bulk_service.get_batch(
        batch_id, current_user), refusal=_refusal(), max_rows=MAX_ROWS, column_name=column_name)


@bulk.get("/<int:batch_id>/report.csv")
@role_required("enterprise")
def report(batch_id: int):
    batch = bulk_service.get_batch(batch_id, current_user)
    return _download(bulk_service.report_csv(batch), f"bulk-{batch.id}-report.csv", MIME["csv"])


@bulk.get("/<int:batch_id>/links.csv")
@role_required("enterprise")
def links(batch_id: int):
    batch = bulk_service.get_batch(batch_id, current_user)
    return _download(bulk_links.links_csv(batch), f"bulk-{batch.id}-holder-links.csv",
                     MIME["csv"])


@bulk.post("/<int:batch_id>/confirm")
@role_required("enterprise")
def confirm(batch_id: int):
    try:
        batch, issued_now = bulk_service.confirm(batch_id, current_user)
    except (RowsNoLongerValid, NoEnterprise, EnterpriseNotApproved, EnterpriseRed) as refusal:
        flash(str(refusal.message), "error")
        return redirect(url_for(".batch", batch_id=batch_id))
    if issued_now:
        flash(_("%(count)d passes issued.", count=len(batch.pass_numbers)), "success")
    else:
        flash(_("This file was already confirmed: no pass was issued twice."), "info")
    return redirect(url_for(".batch", batch_id=batch.id))


def _download(content: bytes, filename: str, mimetype: str):
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=filename)
