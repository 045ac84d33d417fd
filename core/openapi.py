"""The OpenAPI document of the JSON API, kept beside the code and tested against its routes."""
import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify

from core.auth import public

DOCUMENT = Path(__file__).with_name("openapi.json")

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    return jsonify(document())
