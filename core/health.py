"""Liveness for load balancers and benchmarks: answers without touching the database."""
from flask import Blueprint, Response, jsonify

from core.auth import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> Response:
    return jsonify(status="ok")
