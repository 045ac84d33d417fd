"""County search for the pickers on the forms: public, as GB/T 2260 itself is."""
from flask import Blueprint, Response, jsonify, request

from core.auth import public
from core.divisions import default_divisions

bp = Blueprint("divisions_api", __name__, url_prefix="/api/v1")

MAX_QUERY = 50
MAX_LIMIT = 50


@bp.get("/divisions")
@public
def search_divisions() -> Response:
    query = request.args.get("q", "")[:MAX_QUERY]
    limit = min(max(request.args.get("limit", 20, type=int), 1), MAX_LIMIT)
    divisions = default_divisions()
    found = [{"code": code, "name": divisions[code], "full_name": full_name}
             for code, full_name in divisions.search(query, limit)]
    response = jsonify({"divisions": found})
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
