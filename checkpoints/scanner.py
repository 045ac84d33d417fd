"""The officer's scanning page and what it needs beside the JSON API.

The page talks to /api/v1 with a short-lived bearer token it gets here, since the API never
reads the session cookie. Its service worker and zxing-wasm are served from this app too, so
the page keeps working with no network once it has been opened.
"""
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, request, send_file
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from accounts import service as accounts_service
from checkpoints import zxing
from checkpoints.wording import (
    crew_reason_messages,
    personnel_reason_messages,
    reason_messages,
)
from core.auth import public, role_required
from core.db import utcnow
from core.divisions import default_divisions
from core.errors import DomainError, NotFound

bp = Blueprint("scanner", __name__, template_folder="templates")

# Long enough for a burst of scans, short enough that a lost phone's token soon dies;
# the page asks for a new one before it runs out.
PAGE_TOKEN_TTL_SECONDS = 15 * 60


class ScannerUnavailable(DomainError):
    status = 503
    code = "scanner_unavailable"
    message = _l("The barcode reader is not installed correctly. Ask the administrator.")


@bp.get("/checkpoint/scan")
@role_required("officer")
def scan():
    area = current_app.config["AREA_CODE"]
    divisions = default_divisions()
    counties = {code: divisions.full_name(code) for code, _ in divisions.counties(area[:2])}
    # The same words online and offline: the server's reason tables, in the page's language.
    return render_template("checkpoints/scan.html", counties=counties,
                           reasons=_in_words(reason_messages()),
                           personnel_reasons=_in_words(personnel_reason_messages()),
                           crew_reasons=_in_words(crew_reason_messages()),
                           province=divisions.name(area[:2] + "0000") or "",
                           zxing_version=zxing.VERSION, zxing_module=zxing.MODULE,
                           zxing_wasm=zxing.WASM)


@bp.get("/checkpoint/session")
@role_required("officer")
def session_state():
    """The server's clock and a fresh CSRF token, for a page that may have come from cache."""
    now = utcnow().isoformat(timespec="milliseconds")
    response = jsonify(now=now, csrf_token=generate_csrf(),
                       username=current_user.username)
    response.cache_control.no_store = True
    return response


@bp.post("/checkpoint/api-token")
@role_required("officer")
def api_token():
    ttl = min(PAGE_TOKEN_TTL_SECONDS, current_app.config["API_TOKEN_TTL_SECONDS"])
    token = accounts_service.issue_token(current_user, ttl)
    response = jsonify(access_token=token, token_type="Bearer", expires_in=ttl)
    response.cache_control.no_store = True
    return response


@bp.get("/checkpoint/sw.js")
@public
def service_worker():
    # Served from /checkpoint/ so that its scope covers the scanning page.
    path = Path(current_app.static_folder) / "js" / "scan" / "sw.js"
    return send_file(path, mimetype="text/javascript", max_age=0)


@bp.get("/vendor/zxing/<version>/<path:name>")
@public
def zxing_file(version: str, name: str):
    if version != zxing.VERSION or name not in zxing.FILES:
        raise NotFound()
    try:
        data = zxing.read(Path(current_app.root_path), name)
    except (zxing.VendorFileMissing, zxing.VendorFileMismatch) as error:
        current_app.logger.error("refusing to serve zxing-wasm: %s", error)
        raise ScannerUnavailable() from None
    response = current_app.response_class(data, mimetype=zxing.FILES[name].mimetype)
    response.set_etag(zxing.FILES[name].sha256)
    response.cache_control.public = True
    response.cache_control.max_age = 365 * 24 * 3600
    response.cache_control.immutable = True  # the version is in the URL
    return response.make_conditional(request)


def _in_words(messages: dict) -> dict[str, str]:
    """Lazy messages rendered now, in the request's language, for the page's JSON."""
    return {code: str(message) for code, message in messages.items()}
