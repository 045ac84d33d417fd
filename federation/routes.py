"""This issuer's status feed, for the other cities' deployments."""
from flask import Blueprint, jsonify

from core.auth import public
from core.db import utcnow
from federation.feed import status_feed

api = Blueprint("federation", __name__, url_prefix="/api/v1")


@api.get("/status-feed")
@public
def feed():
    response = jsonify({"jws": status_feed(utcnow())})
    response.cache_control.no_cache = True  # live status: never served from a cache
    return response
