"""The audit log in words: what each action code and detail key means, in the user's language.

The codes stay in the database and in `audit verify`; the page shows these names and keeps the
code in a tooltip for filtering. A test checks that every action the code records has a name.
"""
from collections.abc import Callable
from datetime import datetime

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from core.divisions import default_divisions
from core.ui import COLOUR_NAMES, KIND_NAMES, ROLE_NAMES, STATE_NAMES

ACTIONS = {
    "backup.create": _l("Backup made"),
    "backup.restore": _l("Backup restored"),
    "bulk.confirm": _l("Bulk application confirmed"),
    "bulk.upload": _l("Bulk application file checked"),
    "checkpoint.create": _l("Checkpoint added"),
    "checkpoint.update": _l("Checkpoint changed"),
    "checkpoint.refused": _l("Scan refused: officer not assigned here"),
    "enterprise.approve": _l("Enterprise white-listed"),
    "enterprise.colour": _l("Enterprise colour changed"),
    "enterprise.licence": _l("Business licence uploaded"),
    "enterprise.register": _l("Enterprise registered"),
    "enterprise.reinstate": _l("Enterprise reinstated"),
    "enterprise.reject": _l("Enterprise rejected"),
    "enterprise.suspend": _l("Enterprise suspended from the white list"),
    "federation.trust_list": _l("Trust list accepted"),
    "handover.create": _l("Load handed over"),
    "key.revoke": _l("Signing key revoked"),
    "key.rotate": _l("New signing key"),
    "notifications.read": _l("Notifications marked read"),
    "officer.checkpoints": _l("Officer's checkpoints changed"),
    "pass.issue": _l("Pass issued"),
    "pass.renew": _l("Pass renewed"),
    "pass.revoke": _l("Pass revoked"),
    "pass.sms": _l("Holder link sent by text message"),
    "quota.reset": _l("Issuing count reset"),
    "quota.set": _l("Issuing quota changed"),
    "people.recheck": _l("Daily re-check of drivers and staff"),
    "person.health": _l("Health code or test updated"),
    "user.activate": _l("Account activated"),
    "user.create": _l("Account created"),
    "user.deactivate": _l("Account deactivated"),
    "user.logout": _l("Signed out everywhere"),
    "user.password_change": _l("Password changed"),
    "user.password_reset": _l("Password reset by an administrator"),
    "webhook.remove": _l("Webhook removed"),
    "webhook.set": _l("Webhook set"),
}

DETAILS = {
    "active": _l("In use"),
    "added": _l("Added"),
    "area": _l("Area"),
    "at": _l("At"),
    "by_enterprise": _l("By enterprise"),
    "cargo": _l("Cargo"),
    "categories": _l("Categories"),
    "crew": _l("Crew"),
    "checkpoint": _l("Checkpoint"),
    "checkpoints": _l("Checkpoints staffed"),
    "count": _l("How many"),
    "created_at": _l("Made at"),
    "dropped": _l("Dropped"),
    "enterprise": _l("Enterprise"),
    "expires_at": _l("Expires"),
    "filename": _l("File"),
    "from": _l("From"),
    "handover": _l("Handover"),
    "health_code": _l("Health code"),
    "issuers": _l("Issuers"),
    "invalid": _l("Invalid rows"),
    "kid": _l("Key"),
    "kind": _l("Kind"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "name": _l("Registered name"),
    "notification": _l("Notification"),
    "off_list": _l("Off the white list"),
    "passes": _l("Passes"),
    "passes_to_reissue": _l("Passes to reissue"),
    "phone": _l("Phone"),
    "per_day": _l("Per day"),
    "per_hour": _l("Per hour"),
    "plate": _l("Plate"),
    "reason": _l("Reason"),
    "relay": _l("Relay pass"),
    "removed": _l("Removed"),
    "renewed_from": _l("Renews"),
    "restored": _l("Restored"),
    "role": _l("Role"),
    "rows": _l("Rows"),
    "schema_revision": _l("Schema revision"),
    "seals": _l("Seals"),
    "sender": _l("Sender"),
    "sha256": _l("SHA-256"),
    "source": _l("Source"),
    "size": _l("Size (bytes)"),
    "status": _l("Status"),
    "test_result": _l("Test result"),
    "test_sampled_at": _l("Test sampled"),
    "to": _l("To"),
    "url": _l("Address"),
    "value": _l("Value"),
    "used_this_hour": _l("Issued this hour"),
    "used_today": _l("Issued today"),
    "valid_from": _l("Valid from"),
    "valid_until": _l("Valid until"),
}

PASS_KIND_NAMES = {"vehicle": _l("Vehicle pass"), "personnel": _l("Supply-staff pass")}
HEALTH_FACT_NAMES = {"health_code": _l("Health code"), "test": _l("Nucleic-acid test")}
TEST_RESULT_NAMES = {"negative": _l("Negative"), "positive": _l("Positive")}
SMS_SENDER_NAMES = {"log": _l("Demo (written to the log)"), "http": _l("SMS gateway")}
SMS_STATUS_NAMES = {"logged": _l("Logged, not delivered"), "sent": _l("Sent"),
                    "failed": _l("Not sent")}


def _county(code: str) -> str:
    name = default_divisions().full_name(code)
    return f"{name} {code}" if name else code


def _named(names: dict):
    return lambda code: str(names.get(code, code))


# Values that are codes of a known kind, by the detail key that holds them. A "kind" is a
# checkpoint's, a pass's or a health fact's; they share no code.
VALUE_WORDS = {
    "from": _named({**COLOUR_NAMES, **STATE_NAMES}),
    "to": _named({**COLOUR_NAMES, **STATE_NAMES}),
    "health_code": _named(COLOUR_NAMES),
    "kind": _named({**KIND_NAMES, **PASS_KIND_NAMES, **HEALTH_FACT_NAMES}),
    "role": _named(ROLE_NAMES),
    "value": _named({**COLOUR_NAMES, **TEST_RESULT_NAMES}),
    "test_result": _named(TEST_RESULT_NAMES),
    "sender": _named(SMS_SENDER_NAMES),
    "status": _named(SMS_STATUS_NAMES),
    "area": _county,
    "origin": _county,
    "destination": _county,
}


def describe_values(*keys: str, in_words: Callable[[str], str]) -> None:
    """How a feature's codes under these detail keys read on the audit page. Features
    register their own words (whitelist/audit_words.py, people/audit_words.py), so the
    audit log imports none of them."""
    for key in keys:
        VALUE_WORDS[key] = in_words


def action_name(code: str) -> str:
    return str(ACTIONS.get(code, code))


def details_in_words(details: dict) -> list[tuple[str, str]]:
    """(label, value) pairs of the details worth showing, codes and times made readable."""
    return [(str(DETAILS.get(key, key)), _value_in_words(key, value))
            for key, value in details.items() if value not in (None, "", [])]


def _value_in_words(key: str, value) -> str:
    if isinstance(value, list):
        return "、".join(_value_in_words(key, item) for item in value)
    if isinstance(value, str):
        if key in VALUE_WORDS:
            return VALUE_WORDS[key](value)
        if moment := _timestamp(value):
            return format_datetime(moment, "yyyy-MM-dd HH:mm")
        return value
    return str(value)


def _timestamp(text: str) -> datetime | None:
    """An ISO 8601 time with its offset, as the services write them; None for other text."""
    if len(text) < 19 or text[4:5] != "-" or "T" not in text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else None
