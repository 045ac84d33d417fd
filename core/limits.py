"""Rate limits, shared across app instances through Redis when REDIS_URL is set."""
import hashlib

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def _account_key() -> str:
    data = request.get_json(silent=True) if request.is_json else request.form
    username = data.get("username") if isinstance(data, dict) or hasattr(data, "get") else None
    name = username.strip().lower() if isinstance(username, str) else ""
    # surrogatepass: a JSON "\ud800" in the name must still count, not crash the limiter.
    return "account:" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _login_failed(response) -> bool:
    return response.status_code == 401 or g.get("login_failed", False)


def _login_limits() -> str:
    return current_app.config["LOGIN_LIMITS"]


def throttle_failed_logins(view):
    """Count failed logins per address and per account; past the limit answer 429."""
    per_address = limiter.limit(_login_limits, methods=["POST"], deduct_when=_login_failed)
    per_account = limiter.limit(_login_limits, key_func=_account_key, methods=["POST"],
                                deduct_when=_login_failed)
    return per_address(per_account(view))


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
