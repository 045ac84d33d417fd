"""Failed sign-ins, counted per account and per address, for the login page and the token
endpoint alike (LOGIN_LIMITS each).

A try is counted before its password is checked, and a try that finds the count past the
limit gives its count back and is refused: however many guesses arrive at once, no more
than the limit are ever checked. A right password gives its count back too.

A browser that has signed in to an account before carries a signed device cookie for it;
its tries at that account skip the per-address count. Colleagues behind one office address
can then still sign in while someone else's typos, or a password sprayer, have that address
locked; the account's own count still holds for them.
"""
import hashlib
import time
from contextlib import contextmanager

from flask import current_app
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from accounts.service import BadCredentials
from core.errors import DomainError
from core.limits import counters, windows

DEVICE_COOKIE = "lp_device"
DEVICE_MAX_AGE = 90 * 24 * 3600
DEVICE_ACCOUNTS = 8  # a shared handheld may be used by a shift of officers


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int):
        # Whole minutes, or whole hours past one, rounded up: the page reads the same for
        # every account at once, and never promises less than the wait.
        unit = 60 if retry_after <= 3600 else 3600
        wait = format_timedelta(-(-retry_after // unit) * unit, threshold=1,
                                add_direction=False)
        super().__init__(_l("Too many failed sign-ins. Try again in %(wait)s.", wait=wait))
        self.retry_after = retry_after


def account_name(username) -> str:
    name = username.strip().casefold() if isinstance(username, str) else ""
    # surrogatepass: a JSON "\ud800" in the name must still be counted, not crash.
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@contextmanager
def counted_try(username, address: str | None, known_device: bool = False,
                failures: tuple[type[Exception], ...] = (BadCredentials,)):
    """Count a sign-in try before it is checked; raise TooManyAttempts past a limit. Only a
    try ending in one of `failures` keeps its count."""
    names = ["account:" + account_name(username)]
    if not known_device:
        names.append(f"address:{address}")
    taken = _take(names)
    failed = False
    try:
        yield
    except failures:
        failed = True
        raise
    finally:
        if not failed:
            _give_back(taken)


def _take(names: list[str]) -> list[str]:
    now, store = time.time(), counters()
    taken, waits = [], []
    for window in windows(current_app.config["LOGIN_LIMITS"]):
        for name in names:
            key, wait = window.add(store, name, now)
            taken.append(key)
            if wait is not None:
                waits.append(wait)
    if waits:
        _give_back(taken)
        raise TooManyAttempts(max(waits))
    return taken


def _give_back(keys: list[str]) -> None:
    store = counters()
    for key in keys:
        store.give_back(key)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def known_accounts(cookie: str | None) -> list[str]:
    """The accounts (as account_name digests) this browser has signed in to."""
    if not cookie:
        return []
    try:
        names = _serializer().loads(cookie, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return []
    return names if isinstance(names, list) else []


def device_cookie(cookie: str | None, username: str) -> str:
    """The device cookie after a successful sign-in to this account."""
    name = account_name(username)
    names = [name] + [other for other in known_accounts(cookie) if other != name]
    return _serializer().dumps(names[:DEVICE_ACCOUNTS])
