"""Small helpers shared by the JSON API blueprints."""
from flask import request
from flask_babel import lazy_gettext as _l

from core.errors import DomainError, ValidationFailed
from core.validation import UNSTORABLE, unstorable_paths


class NotJson(DomainError):
    status = 415
    code = "unsupported_media_type"
    message = _l("Send a JSON body with Content-Type: application/json.")


class MalformedJson(DomainError):
    status = 400
    code = "malformed_json"
    message = _l("The body is not valid JSON.")


class NotAnObject(DomainError):
    status = 422
    code = "invalid"
    message = _l("The body must be a JSON object.")


def json_body() -> dict[str, object]:
    """The request's JSON object, or the matching 415/400/422 refusal."""
    if not request.is_json:
        raise NotJson()
    body = request.get_json(silent=True)
    if body is None:
        raise MalformedJson()
    if not isinstance(body, dict):
        raise NotAnObject(fields={"body": _l("Must be an object.")})
    # Every text, read through Fields or not (usernames, scan ids...), must fit the database.
    if unstorable := dict.fromkeys(unstorable_paths(body), UNSTORABLE):
        raise ValidationFailed(unstorable)
    return body


# Far past any real listing, and small enough that page * per_page fits a 64-bit OFFSET.
MAX_PAGE = 1_000_000


def page_args(default_size: int) -> tuple[int, int]:
    """?page= and ?per_page= as sane positive integers."""
    page = request.args.get("page", 1, type=int)
    size = request.args.get("per_page", default_size, type=int)
    return min(max(page, 1), MAX_PAGE), min(max(size, 1), 100)
