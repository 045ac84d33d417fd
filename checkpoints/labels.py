"""Short display names of verdicts and reason codes, for scan lists, filters and charts."""
from flask_babel import lazy_gettext as _l

VERDICT_NAMES = {"pass": _l("Release"), "check": _l("Check"), "deny": _l("Not honoured")}
REASON_LABELS = {
    "malformed": _l("Not a pass code"), "bad_signature": _l("Bad signature"),
    "unknown_key": _l("Unknown key"), "not_found": _l("Not in registry"),
    "revoked": _l("Revoked"), "not_yet_valid": _l("Not yet valid"), "expired": _l("Expired"),
    "enterprise_not_whitelisted": _l("Off the white list"),
    "enterprise_red": _l("Enterprise red"), "enterprise_yellow": _l("Enterprise yellow"),
    "test_expired": _l("Test too old"), "driver_not_green": _l("Health code not green"),
    "plate_mismatch": _l("Plate mismatch"), "status_unknown": _l("Status unknown"),
    "key_revoked": _l("Key revoked"),
}
