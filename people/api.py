"""The authority's door for the health-code and testing platforms (shared/CONTRACT.md)."""
from flask import Blueprint, jsonify
from flask_login import current_user

from core.api import json_body
from core.auth import role_required
from core.db import utcnow
from people import results

api = Blueprint("people_api", __name__, url_prefix="/api/v1")


@api.post("/health-results")
@role_required("admin")
def record_health_results():
    now = utcnow()
    accepted, stored = results.record_results(results.read_results(json_body(), now),
                                              current_user, now)
    return jsonify(accepted=accepted, stored=stored)
