"""The authority's door for the health-code and testing platforms (shared/CONTRACT.md)."""
from flask import Blueprint, jsonify
from flask_login import current_user

from core.api import json_body
from core.auth import role_required
from people import results

api = Blueprint("people_api", __name__, url_prefix="/api/v1")


@api.post("/health-results")
@role_required("admin")
def record_health_results():
    accepted, stored = results.record_results(json_body(), current_user)
    return jsonify(accepted=accepted, stored=stored)
