"""Domain errors and their translation into JSON or HTML responses."""
from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError, ProgrammingError
from werkzeug.exceptions import HTTPException

from core.db import db

INSUFFICIENT_PRIVILEGE = "42501"


class DomainError(Exception):
    """A refusal the caller can act on; subclasses set status, code and message."""

    status = 400
    code = "bad_request"
    message = _l("The request cannot be processed.")

    def __init__(self, message=None, fields: dict | None = None):
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        self.fields = fields or {}


class ValidationFailed(DomainError):
    status = 422
    code = "invalid"
    message = _l("Some fields are not valid.")

    def __init__(self, fields: dict):
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


def error_response(status: int, code: str, message, fields: dict | None = None):
    fields = {path: str(text) for path, text in (fields or {}).items()}
    if wants_json():
        body = {"error": {"code": code, "message": str(message), "fields": fields}}
        return jsonify(body), status
    page = render_template("error.html", status=status, code=code, message=message, fields=fields)
    return page, status


class NulInAddress(DomainError):
    status = 400
    code = "bad_request"
    message = _l("The address holds a NUL character.")


def _refuse_nul_in_address() -> None:
    """PostgreSQL cannot take text holding NUL: refuse %00 before any query sees it."""
    if "\x00" in request.path or b"%00" in request.query_string:
        raise NulInAddress()


def _domain_error(error: DomainError):
    return error_response(error.status, error.code, error.message, error.fields)


def _http_error(error: HTTPException):
    code = (error.name or "error").lower().replace(" ", "_")
    return error_response(error.code or 500, code, error.description or error.name)


def _database_unavailable(error: OperationalError):
    db.session.rollback()
    if hasattr(current_app, "login_manager"):
        # The page layout asks who is signed in: asking the database again would fail the
        # same way and turn this 503 into a 500.
        g._login_user = current_app.login_manager.anonymous_user()
    message = _l("The database is unavailable. Please try again shortly.")
    return error_response(503, "unavailable", message)


def _database_refused(error: ProgrammingError):
    # The database refused this role the table (rights revoked, SQLSTATE 42501): an outage to
    # the client, like a locked database; nothing was written. Other programming errors are bugs.
    if getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
        raise error
    current_app.logger.error("the database refused access: %s", error.orig)
    return _database_unavailable(error)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul_in_address)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(ProgrammingError, _database_refused)
