"""Signing in and out: a session for pages, a bearer token for the API."""
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from accounts import service
from accounts.models import User
from core.api import json_body
from core.auth import login_manager, public, signed_in
from core.db import db
from core.errors import error_response
from core.limits import throttle_failed_logins

bp = Blueprint("accounts", __name__, template_folder="templates")
api = Blueprint("accounts_api", __name__, url_prefix="/api/v1/auth")



@login_manager.user_loader
def _load_session_user(user_id: str):
    return db.session.get(User, int(user_id), options=service.USER_LOAD_OPTIONS)


@login_manager.request_loader
def _load_bearer_user(req):
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return service.user_for_token(token.strip())


HOME_BY_ROLE = {
    "admin": "dashboard.page",
    "enterprise": "whitelist.my_enterprise",
    # An officer's work is scanning: they start at the scanner of their checkpoint.
    "officer": "scanner.scan",
}


def home_url(user) -> str:
    return url_for(HOME_BY_ROLE[user.role])


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
@throttle_failed_logins
def login():
    if request.method == "GET":
        return render_template("accounts/login.html", username="")
    username = request.form.get("username", "")
    try:
        user = service.authenticate(username, request.form.get("password"))
    except service.BadCredentials as error:
        g.login_failed = True
        return render_template("accounts/login.html", username=username, error=error.message), 401
    login_user(user)
    return redirect(_safe_next(request.args.get("next")) or home_url(user))


def _safe_next(target: str | None) -> str | None:
    """Follow ?next= only to a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


@bp.post("/logout")
@signed_in
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@api.post("/token")
@public
@throttle_failed_logins
def token():
    body = json_body()
    try:
        user = service.authenticate(body.get("username"), body.get("password"))
    except service.BadCredentials as error:
        return error_response(401, error.code, error.message)
    ttl = current_app.config["API_TOKEN_TTL_SECONDS"]
    access_token = service.issue_token(user, ttl)
    return jsonify(access_token=access_token, token_type="Bearer", expires_in=ttl)


@api.post("/revoke")
@signed_in
def revoke():
    service.revoke_token(request.headers["Authorization"].partition(" ")[2])
    return "", 204
