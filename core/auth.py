"""Who is calling: web sessions for pages, bearer tokens for the API, roles for both."""
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, Protocol, TypeVar

from flask import Flask, Request, Response, g, redirect, request, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from core.errors import Forbidden, error_response, wants_json

login_manager = LoginManager()
csrf = CSRFProtect()

P = ParamSpec("P")
R = TypeVar("R")
View = TypeVar("View", bound=Callable[..., Any])


class WebOnlySessionInterface(SecureCookieSessionInterface):
    """API calls never read or write the session cookie: a bearer token is their only
    credential, so a cross-site request riding on the cookie gets nowhere."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith("/api/"):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if request.path.startswith("/api/"):
            return
        super().save_session(app, session, response)

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = app.config["SESSION_COOKIE_SECURE"]
        return request.is_secure if configured is None else bool(configured)


class Caller(Protocol):
    """Who calls an API view, as far as the verify path needs to know."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...


def role_required(
        *roles: str) -> Callable[[Callable[P, R]], Callable[P, R | ResponseReturnValue]]:
    """Let in only signed-in users holding one of these roles."""
    return _guarded(roles, _signed_in_user)


def _signed_in_user() -> Caller | None:
    return current_user if current_user.is_authenticated else None


def _guarded(roles: tuple[str, ...], caller_of: Callable[[], Caller | None]
             ) -> Callable[[Callable[P, R]], Callable[P, R | ResponseReturnValue]]:
    """Refuse the view to a caller that `caller_of` cannot name (401) or whose role is not
    one of `roles` (403)."""

    def decorator(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
            caller = caller_of()
            if caller is None:
                refusal: ResponseReturnValue = login_manager.unauthorized()
                return refusal
            if caller.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return _allow(wrapped, roles)

    return decorator


# accounts registers how a bearer token becomes a caller (caller_loader).
_load_caller: Callable[[str], Caller | None] | None = None


def caller_loader(
        load: Callable[[str], Caller | None]) -> Callable[[str], Caller | None]:
    """Register `load(token) -> caller or None` for caller_required."""
    global _load_caller
    _load_caller = load
    return load


def caller_required(
        *roles: str) -> Callable[[Callable[P, R]], Callable[P, R | ResponseReturnValue]]:
    """role_required for API views that need only who calls (id, username, role), as
    `g.caller`: the caller comes from a cache of a second or so, not from the ORM user that
    current_user loads (accounts/callers.py says why and how stale it may be)."""
    return _guarded(roles, _bearer_caller)


def _bearer_caller() -> Caller | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if _load_caller is None or scheme.lower() != "bearer" or not token:
        return None
    caller = g.caller = _load_caller(token)
    return caller


def signed_in(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
    """Let in any signed-in user, whatever the role."""
    return role_required("admin", "enterprise", "officer")(view)


def public(view: View) -> View:
    """Mark a view as open to everyone, so the access test knows it is meant to be."""
    return _allow(view, ("anonymous", "admin", "enterprise", "officer"))


def _allow(view: View, roles: tuple[str, ...]) -> View:
    # The access test reads off each view which roles it lets in.
    view.allowed_roles = roles  # type: ignore[attr-defined]  # a function's own attribute
    return view


def _unauthorized() -> ResponseReturnValue:
    if wants_json():
        return error_response(401, "unauthorized", _l("Sign in first: send a bearer token."))
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    app.session_interface = WebOnlySessionInterface()
    login_manager.init_app(app)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.session_protection = "basic"
    csrf.init_app(app)
