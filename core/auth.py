"""Who is calling: web sessions for pages, bearer tokens for the API, roles for both."""
from functools import wraps

from flask import Flask, g, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from core.errors import Forbidden, error_response, wants_json

login_manager = LoginManager()
csrf = CSRFProtect()


class WebOnlySessionInterface(SecureCookieSessionInterface):
    """API calls never read or write the session cookie: a bearer token is their only
    credential, so a cross-site request riding on the cookie gets nowhere."""

    def open_session(self, app, request):
        if request.path.startswith("/api/"):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if request.path.startswith("/api/"):
            return
        super().save_session(app, session, response)

    def get_cookie_secure(self, app) -> bool:
        configured = app.config["SESSION_COOKIE_SECURE"]
        return request.is_secure if configured is None else bool(configured)


def role_required(*roles: str):
    """Let in only signed-in users holding one of these roles."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


# accounts registers how a bearer token becomes a caller (caller_loader).
_load_caller = None


def caller_loader(load):
    """Register `load(token) -> caller or None` for caller_required."""
    global _load_caller
    _load_caller = load
    return load


def caller_required(*roles: str):
    """role_required for API views that need only who calls (id, username, role), as
    `g.caller`: the caller comes from a cache of a second or so, not from the ORM user that
    current_user loads (accounts/callers.py says why and how stale it may be)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            token = token.strip()
            caller = _load_caller(token) if scheme.lower() == "bearer" and token else None
            if caller is None:
                return login_manager.unauthorized()
            if caller.role not in roles:
                raise Forbidden()
            g.caller = caller
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


def signed_in(view):
    """Let in any signed-in user, whatever the role."""
    return role_required("admin", "enterprise", "officer")(view)


def public(view):
    """Mark a view as open to everyone, so the access test knows it is meant to be."""
    view.allowed_roles = ("anonymous", "admin", "enterprise", "officer")
    return view


def _unauthorized():
    if wants_json():
        return error_response(401, "unauthorized", _l("Sign in first: send a bearer token."))
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    app.session_interface = WebOnlySessionInterface()
    login_manager.init_app(app)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.session_protection = "basic"
    csrf.init_app(app)
