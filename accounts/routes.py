"""Signing in and out: a session for pages, a bearer token for the API."""
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from accounts import login_limits, passwords, service
from accounts.inputs import read_password_change
from accounts.login_limits import TooManyAttempts, counted_try
from accounts.models import User
from core.api import json_body
from core.auth import caller_loader, login_manager, public, signed_in
from core.db import db
from core.errors import ValidationFailed, error_response

bp = Blueprint("accounts", __name__, template_folder="templates")
api = Blueprint("accounts_api", __name__, url_prefix="/api/v1/auth")


@login_manager.user_loader
def _load_session_user(session_id: str):
    # "id:generation" (User.get_id): a session from before the account's sessions were
    # ended, or from before generations existed, no longer signs anyone in.
    user_id, _, generation = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id), options=service.user_load_options())
    if user is None or generation != str(user.session_generation):
        return None
    return user


@login_manager.request_loader
def _load_bearer_user(req):
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return service.user_for_token(token.strip())


caller_loader(service.caller_for_token)


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
def login():
    if request.method == "GET":
        if current_user.is_authenticated:  # e.g. the scanning page's "sign in again" link
            return redirect(_safe_next(request.args.get("next")) or home_url(current_user))
        return render_template("accounts/login.html", username="")
    username = request.form.get("username", "")
    device = request.cookies.get(login_limits.DEVICE_COOKIE)
    known = login_limits.account_name(username) in login_limits.known_accounts(device)
    try:
        with counted_try(username, request.remote_addr, known_device=known):
            user = service.authenticate(username, request.form.get("password"))
    except (service.BadCredentials, TooManyAttempts) as error:
        page = render_template("accounts/login.html", username=username, error=error.message)
        return page, error.status, _retry_after(error)
    login_user(user)
    target = url_for("accounts.change_password") if user.must_change_password else None
    response = redirect(target or _safe_next(request.args.get("next")) or home_url(user))
    _remember_device(response, login_limits.device_cookie(device, username))
    return response


def _remember_device(response, cookie: str) -> None:
    """This browser has signed in to the account: its next tries skip the address count."""
    response.set_cookie(login_limits.DEVICE_COOKIE, cookie, max_age=login_limits.DEVICE_MAX_AGE,
                        httponly=True, samesite="Lax",
                        secure=current_app.session_interface.get_cookie_secure(current_app))


def _retry_after(error) -> dict:
    return {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyAttempts) else {}


def _safe_next(target: str | None) -> str | None:
    """Follow ?next= only to a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


@bp.post("/logout")
@signed_in
def logout():
    service.sign_out(current_user._get_current_object())
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@api.post("/token")
@public
def token():
    body = json_body()
    try:
        with counted_try(body.get("username"), request.remote_addr):
            user = service.authenticate(body.get("username"), body.get("password"))
    except (service.BadCredentials, TooManyAttempts) as error:
        answer, status = error_response(error.status, error.code, error.message)
        return answer, status, _retry_after(error)
    if user.must_change_password:
        return error_response(403, "password_change_required",
                              _("Change the temporary password on the password page first."))
    ttl = current_app.config["API_TOKEN_TTL_SECONDS"]
    access_token = service.issue_token(user, ttl)
    return jsonify(access_token=access_token, token_type="Bearer", expires_in=ttl)


@api.post("/revoke")
@signed_in
def revoke():
    service.revoke_token(request.headers["Authorization"].partition(" ")[2])
    return "", 204


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    user, errors, status = current_user._get_current_object(), {}, 200
    if request.method == "POST":
        try:
            # A wrong current password is a guess at it: counted like a failed sign-in.
            with counted_try(user.username, request.remote_addr, known_device=True,
                             failures=(passwords.WrongCurrentPassword,)):
                passwords.change_password(user, read_password_change(request.form))
        except TooManyAttempts as error:
            errors, status = {"current_password": error.message}, 429
        except ValidationFailed as error:
            errors, status = error.fields, 422
        else:
            login_user(user)  # this browser stays signed in, under the new generation
            flash(_("Your password is changed. You were signed out everywhere else."), "success")
            return redirect(home_url(user))
    return render_template("accounts/password.html", errors=errors,
                           forced=user.must_change_password), status


# A temporary password opens nothing but its change (and signing out).
_OPEN_WHILE_TEMPORARY = {"accounts.change_password", "accounts.logout", "static"}


@bp.before_app_request
def _require_password_change():
    if "_user_id" not in session or request.endpoint in _OPEN_WHILE_TEMPORARY:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("accounts.change_password"))
    return None
