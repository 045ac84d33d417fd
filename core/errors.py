"""Domain errors and their translation into JSON or HTML responses."""
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from werkzeug.exceptions import HTTPException

from core.db import db

HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Sign in first."),
    403: _l("You may not open this page."),
    404: _l("There is no such page. Check the address, or start again from the start page."),
    405: _l("This page does not take that kind of request."),
    413: _l("What was sent is too large."),
    415: _l("What was sent is not in a form this page takes."),
    429: _l("Too many attempts. Wait a minute and try again."),
    500: _l("Something went wrong on our side. Please try again."),
}

INSUFFICIENT_PRIVILEGE = "42501"

# What a refusal says: a str, or a lazy translation that str() renders in the user's language.
Message = object
ErrorResponse = tuple[Response | str, int]


class DomainError(Exception):
    """A refusal the caller can act on; subclasses set status, code and message."""

    status = 400
    code = "bad_request"
    message = _l("The request cannot be processed.")

    def __init__(self, message: Message = None, fields: Mapping[str, Message] | None = None):
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        self.fields = dict(fields or {})


class ValidationFailed(DomainError):
    status = 422
    code = "invalid"
    message = _l("Some fields are not valid.")

    def __init__(self, fields: Mapping[str, Message]):
        super().__init__(fields=fields)


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = _l("You are not allowed to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = _l("Not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = _l("This conflicts with the current state.")


def wants_json() -> bool:
    """API paths always get JSON; pages get it only when the client prefers it."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, code: str, message: Message,
                   fields: Mapping[str, Message] | None = None,
                   back_url: str | None = None) -> ErrorResponse:
    texts = {path: str(text) for path, text in (fields or {}).items()}
    if wants_json():
        body = {"error": {"code": code, "message": str(message), "fields": texts}}
        return jsonify(body), status
    page = render_template("error.html", status=status, code=code, message=message, fields=texts,
                           back_url=back_url)
    return page, status


def restoring(path: str) -> str:
    """`path` with ?restore=1: the page puts back what was typed into its form
    (static/js/keep-form.js)."""
    parts = urlsplit(path)
    query = parse_qsl(parts.query) + [("restore", "1")]
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


class NulInAddress(DomainError):
    status = 400
    code = "bad_request"
    message = _l("The address holds a NUL character.")


def _refuse_nul_in_address() -> None:
    """PostgreSQL cannot take text holding NUL: refuse %00 before any query sees it."""
    if "\x00" in request.path or b"%00" in request.query_string:
        raise NulInAddress()


def _domain_error(error: DomainError) -> ResponseReturnValue:
    response = error_response(error.status, error.code, error.message, error.fields)
    if retry_after := getattr(error, "retry_after", None):
        return (*response, {"Retry-After": str(retry_after)})
    return response


def _http_error(error: HTTPException) -> ErrorResponse:
    code = (error.name or "error").lower().replace(" ", "_")
    status = error.code or 500
    # werkzeug's descriptions are English only: say it in the user's language.
    return error_response(status, code, HTTP_MESSAGES.get(status, error.name))


def _form_refused(error: CSRFError) -> ErrorResponse:
    """The form's CSRF token expired or its session ended: nothing was stored. Say so in the
    user's language and lead back to the form, which puts back what was typed."""
    message = _l("This form was open too long, or you signed out in another window, so it "
                 "was not sent and nothing was saved. What you typed is kept: go back to the "
                 "form, check it and send it again.")
    referrer = urlsplit(request.referrer or "")
    same_site = referrer.netloc == request.host and referrer.path.startswith("/")
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return error_response(400, "form_expired", message,
                          back_url=restoring(path) if same_site else None)


def _database_unavailable(error: DBAPIError) -> ErrorResponse:
    db.session.rollback()
    if hasattr(current_app, "login_manager"):
        # The page layout asks who is signed in: asking the database again would fail the
        # same way and turn this 503 into a 500.
        g._login_user = current_app.login_manager.anonymous_user()
    message = _l("The database is unavailable. Please try again shortly.")
    return error_response(503, "unavailable", message)


def _database_refused(error: ProgrammingError) -> ErrorResponse:
    # The database refused this role the table (rights revoked, SQLSTATE 42501): an outage to
    # the client, like a locked database; nothing was written. Other programming errors are bugs.
    if getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
        raise error
    current_app.logger.error("the database refused access: %s", error.orig)
    return _database_unavailable(error)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_in_address)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _form_refused)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(ProgrammingError, _database_refused)
