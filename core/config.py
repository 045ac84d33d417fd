"""Configuration: defaults, then the environment, then the caller's test config."""
import contextlib
import fcntl
import json
import os
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from flask import Config, Flask

DEFAULTS = {
    "AREA_CODE": "450500",
    "TEST_WINDOW_HOURS": 48,
    "MAX_VALIDITY_DAYS": 15,
    "CLOCK_SKEW_SECONDS": 300,
    "API_TOKEN_TTL_SECONDS": 3600,
    "OFFLINE_MAX_AGE_SECONDS": 4 * 3600,
    # How long a handheld may keep working offline on one bundle: uploaded scans dated
    # earlier than this before their upload are refused (422 scans.N.scanned_at).
    "OFFLINE_BUNDLE_LIFETIME_HOURS": 72,
    # The same pass at another checkpoint within this many minutes, or farther away than a
    # truck drives at this speed since: a likely copy (possible_copy).
    "SCAN_COPY_WINDOW_MINUTES": 30,
    "TRUCK_MAX_SPEED_KMH": 120,
    # The scan log counts and pages through at most this many of a filter's newest matches.
    "SCAN_LOG_LIMIT": 10_000,
    # deploy/nginx.conf's client_max_body_size matches this.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted
    # (deploy/nginx.conf: 1). 0 reads the connection itself: right only without a proxy.
    "PROXY_COUNT": 0,
    # Pooled connections are pinged after sitting idle, not at every checkout
    # (core/db.py ping_after_idle); "pool_pre_ping": True here pings at every checkout.
    # The pool holds core/db.py POOL_SIZE connections unless "pool_size" says otherwise.
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "BABEL_DEFAULT_LOCALE": "zh",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LOGIN_LIMITS": "5 per minute;30 per hour",
    "PAGE_SIZE": 20,
    # Passes one enterprise may be issued per clock hour and per local calendar day
    # (quotas/service.py): no clerk can use up the area's serials. The authority may set
    # an enterprise's own limits.
    "ISSUE_QUOTA_PER_HOUR": 500,
    "ISSUE_QUOTA_PER_DAY": 3000,
    # Issuing requests one worker process works on at once (passes/admission.py); the rest
    # wait their turn. Issues queue for one lock across the deployment anyway.
    "ISSUING_PER_WORKER": 1,
    # Federation (README, "One national pass"): the operator's public JWK set (a file path)
    # and where its signed trust list is (a URL or a file path); both unset: only this
    # city's own passes are recognised.
    "TRUST_ANCHOR": None,
    "TRUST_LIST": None,
    # `federation sync` warns this many days before the trust list in force expires.
    "TRUST_LIST_WARN_DAYS": 7,
    # How old this issuer's status feed may grow before other cities answer `check`.
    "FEED_MAX_AGE_SECONDS": 900,
    # Printed on the pass sheet and the holder page, and at the head of the text message.
    "ISSUING_AUTHORITY": "北海市新冠肺炎疫情防控指挥部",
    # passes/sms.py: "log" writes the message to the app log (demo; nothing is delivered),
    # "http" POSTs it as JSON to SMS_GATEWAY_URL.
    "SMS_SENDER": "log",
    # whitelist/licence.py: the largest business-licence file accepted (PDF, JPEG or PNG).
    "LICENCE_MAX_BYTES": 5 * 1024 * 1024,
    "SMS_GATEWAY_URL": None,
    "SMS_PER_PASS_PER_DAY": 3,
    "SMS_PER_ENTERPRISE_PER_DAY": 500,
    # scrypt is memory-hard; tests swap in a cheap method to stay fast.
    "PASSWORD_HASH_METHOD": "scrypt",
}

# Generated once into the instance folder when the environment does not give them.
INSTANCE_SECRETS = ("SECRET_KEY", "KEY_ENCRYPTION_SECRET")
# Generated the same way but never copied into a backup: the key that signs the audit
# chain's heads must not travel with the database it guards.
LOCAL_SECRETS = ("AUDIT_ANCHOR_KEY",)
SECRETS_FILE = "secrets.json"


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill app.config from defaults, the environment and test_config, in that order."""
    app.config.from_mapping(DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
        "DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'passes.sqlite3'}"
    )
    app.config["REDIS_URL"] = os.environ.get("REDIS_URL")
    # LP_TEST_WINDOW_HOURS=24 and the like; values are parsed as JSON when they can be.
    app.config.from_prefixed_env("LP")
    for name in INSTANCE_SECRETS + LOCAL_SECRETS:
        if name in os.environ:
            app.config[name] = os.environ[name]
    if test_config:
        app.config.update(test_config)
    if "LP_SESSION_COOKIE_SECURE" not in os.environ and "SESSION_COOKIE_SECURE" not in (
            test_config or {}):
        # Flask's own default is False; None means Secure whenever the request came over
        # HTTPS, directly or through the trusted proxy (core.auth reads it per request).
        app.config["SESSION_COOKIE_SECURE"] = None
    _fill_instance_secrets(app)
    _check(app.config)


def _fill_instance_secrets(app: Flask) -> None:
    missing = [name for name in INSTANCE_SECRETS + LOCAL_SECRETS if not app.config.get(name)]
    if missing:
        stored = update_instance_secrets(app.instance_path, generate=missing)
        app.config.update({name: stored[name] for name in missing})


def update_instance_secrets(instance_path: str | os.PathLike[str],
                            generate: Iterable[str] = (),
                            replace: Mapping[str, str] | None = None) -> dict[str, str]:
    """The secrets kept in the instance folder, after making those named in `generate` that
    are missing and storing `replace`. Under a lock: processes starting at once agree."""
    folder = Path(instance_path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / SECRETS_FILE
    with _locked(folder / "secrets.lock"):
        stored = json.loads(path.read_text()) if path.exists() else {}
        new = {name: secrets.token_urlsafe(32) for name in generate if name not in stored}
        new |= replace or {}
        if new:
            stored |= new
            write_private(path, json.dumps(stored, indent=2).encode())
    return stored


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # released when closed
        yield
    finally:
        os.close(descriptor)


def write_private(path: Path, data: bytes) -> None:
    """Replace path with data, readable by this user only, whatever lay there (a file of another
    mode, a symlink): written to a fresh file beside it, then renamed over it."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as out:  # mkstemp creates it 0600, O_EXCL
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _check(config: Config) -> None:
    """Fail at start-up, not at the first request, on settings that cannot work."""
    area = str(config["AREA_CODE"])
    if len(area) != 6 or not area.isdigit():
        raise ValueError(f"AREA_CODE must be 6 digits, got {area!r}")
    config["AREA_CODE"] = area
    count = config["PROXY_COUNT"]
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError(f"PROXY_COUNT must be 0 or a positive integer, got {count!r}")
    for name in ("TEST_WINDOW_HOURS", "MAX_VALIDITY_DAYS", "API_TOKEN_TTL_SECONDS",
                 "SCAN_COPY_WINDOW_MINUTES", "TRUCK_MAX_SPEED_KMH",
                 "OFFLINE_BUNDLE_LIFETIME_HOURS"):
        if not isinstance(config[name], int) or config[name] <= 0:
            raise ValueError(f"{name} must be a positive integer, got {config[name]!r}")
    if config["TRUST_LIST"] and not config["TRUST_ANCHOR"]:
        raise ValueError("TRUST_LIST needs TRUST_ANCHOR: the public keys that sign it")
    if config["SMS_SENDER"] not in ("log", "http"):
        raise ValueError(f"SMS_SENDER must be log or http, got {config['SMS_SENDER']!r}")
    if config["SMS_SENDER"] == "http" and not config["SMS_GATEWAY_URL"]:
        raise ValueError("SMS_SENDER=http needs SMS_GATEWAY_URL")
    for name in ("ISSUE_QUOTA_PER_HOUR", "ISSUE_QUOTA_PER_DAY", "TRUST_LIST_WARN_DAYS",
                 "FEED_MAX_AGE_SECONDS", "SMS_PER_PASS_PER_DAY", "SMS_PER_ENTERPRISE_PER_DAY"):
        if not isinstance(config[name], int) or isinstance(config[name], bool) or config[name] < 1:
            raise ValueError(f"{name} must be a positive integer, got {config[name]!r}")
