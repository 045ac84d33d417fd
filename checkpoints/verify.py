"""The checkpoint rules: what a scanned QR text means now (DESIGN.md, "Checkpoint verdicts")."""
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from checkpoints import scans, service
from checkpoints.models import REASON_CODES
from checkpoints.registry import PassStatus, pass_status
from core import crypto
from core.db import utcnow
from core.validation import Fields
from core.validators import normalize_plate
from passes import keys, qr
from passes.tokens import PassFacts
from whitelist.service import colour_policy

SEVERITY = {"pass": 0, "check": 1, "deny": 2}
REASON_ORDER = {code: position for position, code in enumerate(REASON_CODES)}

# Reason code -> (verdict, message). The colour reasons are not here: the ColourPolicy
# rows of the white list say which verdict and words each colour gets.
REASONS = {
    "malformed": ("deny", _l("Not a pass code, or the code is damaged.")),
    "bad_signature": ("deny", _l("The signature does not match: the pass was altered or "
                                 "forged.")),
    "unknown_key": ("deny", _l("Signed with a key this system does not know: treat as "
                               "forged.")),
    "key_revoked": ("deny", _l("Signed with a key that has been revoked: the pass must be "
                               "re-issued.")),
    "not_found": ("deny", _l("Not in the pass registry: treat as forged and report it.")),
    "revoked": ("deny", _l("The pass has been revoked.")),
    "not_yet_valid": ("deny", _l("The pass is not valid yet.")),
    "expired": ("deny", _l("The pass has expired.")),
    "enterprise_not_whitelisted": ("deny", _l("The enterprise is not on the white list.")),
    "driver_not_green": ("deny", _l("The holder's health code is not green now.")),
    "test_expired": ("check", _l("The latest negative test is older than the test window: "
                                 "sample on site and let go.")),
    "plate_mismatch": ("deny", _l("The plate seen does not match the pass.")),
    "status_unknown": ("check", _l("Live status unknown: check by hand.")),
}

# A QR symbol holds at most 7,089 digits; anything longer was never read from one.
MAX_QR_TEXT = 7089 + len(qr.QR_PREFIX)


@dataclass(frozen=True)
class PolicyText:
    """Words kept in both languages in the policy data rather than in the catalogue."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.zh if str(get_locale()) == "zh" else self.en


@dataclass(frozen=True)
class Reason:
    code: str
    verdict: str
    message: object


@dataclass
class Verdict:
    """The outcome of one scan: the worst verdict among its reasons, and the registry's
    pass if genuine."""

    verdict: str
    reasons: list[Reason]
    pass_: PassStatus | None = None
    scan_id: int | None = None

    @classmethod
    def of(cls, reasons: list[Reason], pass_: PassStatus | None = None) -> "Verdict":
        """Reasons in the contract's order; no reason at all means pass."""
        reasons = sorted(reasons, key=lambda reason: REASON_ORDER.get(reason.code,
                                                                      len(REASON_ORDER)))
        worst = max((reason.verdict for reason in reasons), key=SEVERITY.get, default="pass")
        return cls(worst, reasons, pass_)

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]


@dataclass
class Reading:
    """What the token alone says: its verified facts, or the reason it cannot be read."""

    jws: str | None = None
    facts: PassFacts | None = None
    reasons: list[str] = field(default_factory=list)


def reason(code: str) -> Reason:
    verdict, message = REASONS[code]
    return Reason(code, verdict, message)


def read_pass(qr_text: str, now: datetime,
              verification_keys: dict[str, ec.EllipticCurvePublicKey] | None = None) -> Reading:
    """Decode and verify a QR text; a late or early pass still yields its facts.

    Without verification_keys, every published key is tried.
    """
    try:
        jws = _jws_of(qr_text)
    except qr.BadQrText:
        return Reading(reasons=["malformed"])
    return read_jws(jws, now, verification_keys)


def read_jws(jws: str, now: datetime,
             verification_keys: dict[str, ec.EllipticCurvePublicKey] | None = None) -> Reading:
    if verification_keys is None:
        verification_keys = keys.verification_keys(now)
    time_reasons = []
    try:
        claims = crypto.verify(jws, verification_keys, now=int(now.timestamp()), deflate=True)
    except crypto.TokenExpired as late:
        claims, time_reasons = late.claims, ["expired"]
    except crypto.TokenNotYetValid as early:
        claims, time_reasons = early.claims, ["not_yet_valid"]
    except crypto.UnknownKey:
        # Revoked keys leave the JWKS, so they look unknown until we ask why.
        revoked = crypto.read_header(jws).get("kid") in keys.revoked_kids()
        return Reading(reasons=["key_revoked" if revoked else "unknown_key"])
    except crypto.BadSignature:
        return Reading(reasons=["bad_signature"])
    except crypto.MalformedToken:
        return Reading(reasons=["malformed"])
    try:
        facts = PassFacts.from_claims(claims)
    except (KeyError, TypeError, ValueError):
        return Reading(reasons=["malformed"])
    return Reading(jws, facts, time_reasons)


def _jws_of(qr_text: str) -> str:
    if len(qr_text) > MAX_QR_TEXT:
        raise qr.BadQrText("longer than any QR symbol holds")
    return qr.from_qr_text(qr_text)


def check(qr_text: str, plate_seen: str | None, now: datetime) -> Verdict:
    """Read and judge a QR text, asking the registry once for a genuine pass.

    The registry row of the pass the token claims to be carries its signing key, so the
    signature is checked against that key alone; anything else (a forged number, an unknown
    or revoked key) is read against every published key, as read_pass does on its own.
    """
    try:
        jws = _jws_of(qr_text)
    except qr.BadQrText:
        return judge(Reading(reasons=["malformed"]), plate_seen, now)
    kid, number = crypto.peek(jws)
    status = pass_status(number, now) if number else None
    verification_keys = None
    if status is not None and status.kid == kid and status.key_published:
        verification_keys = {kid: keys.public_key(status.public_jwk)}
    reading = read_jws(jws, now, verification_keys)
    if reading.facts is None or reading.facts.number != number:
        return judge(reading, plate_seen, now)
    return _judge_against(status, reading, plate_seen, now)


def judge(reading: Reading, plate_seen: str | None, now: datetime) -> Verdict:
    """Add the registry and live status to what the token says; every reason that applies."""
    if reading.facts is None:
        return Verdict.of([reason(code) for code in reading.reasons])
    return _judge_against(pass_status(reading.facts.number, now), reading, plate_seen, now)


def _judge_against(status: PassStatus | None, reading: Reading, plate_seen: str | None,
                   now: datetime) -> Verdict:
    """The verdict on a verified token, given the registry's row for its number (None when
    the registry has no such pass)."""
    if status is None or status.token != reading.jws:
        return Verdict.of([reason("not_found")])
    codes = list(reading.reasons)
    if status.revoked_at is not None:
        codes.append("revoked")
    if status.enterprise_state != "approved":
        codes.append("enterprise_not_whitelisted")
    if status.health_code != "green":
        codes.append("driver_not_green")
    window = timedelta(hours=current_app.config["TEST_WINDOW_HOURS"])
    if now - status.test_sampled_at > window:
        codes.append("test_expired")
    if plate_seen and status.plate and normalize_plate(plate_seen) != normalize_plate(
            status.plate):
        codes.append("plate_mismatch")
    reasons = [reason(code) for code in codes] + _colour_reasons(status)
    return Verdict.of(reasons, status)


def _colour_reasons(status: PassStatus) -> list[Reason]:
    if status.colour is None:
        return []
    if status.policy_colour is None:
        return [reason("status_unknown")]  # a colour nobody wrote a rule for
    if status.policy_reason_code is None:
        return []
    return [Reason(status.policy_reason_code, status.policy_verdict,
                   PolicyText(status.policy_action_zh, status.policy_action_en))]


def reason_messages() -> dict[str, object]:
    """The message of every reason code, the colour ones from the policy data."""
    messages = {code: message for code, (_, message) in REASONS.items()}
    for policy in colour_policy().values():
        if policy.reason_code:
            messages[policy.reason_code] = PolicyText(policy.action_zh, policy.action_en)
    return messages


def verify_request(data: Mapping, officer) -> Verdict:
    """Check a verify request's fields, judge the pass and record the scan."""
    fields = Fields(data)
    qr_text = fields.text("qr", max_length=current_app.config["MAX_CONTENT_LENGTH"])
    code = fields.text("checkpoint", max_length=32)
    plate_seen = fields.text("plate", required=False, max_length=16)
    checkpoint = service.staffing(code, officer) if code else None
    if code and (checkpoint is None or not checkpoint.active):
        fields.error("checkpoint", service.UNKNOWN_CHECKPOINT)
    fields.raise_if_invalid()
    if not checkpoint.assigned:
        service.refuse_unassigned(checkpoint, officer)
    now = utcnow()
    result = check(qr_text, plate_seen, now)
    pass_ = result.pass_
    result.scan_id = scans.record_scan(
        checkpoint_id=checkpoint.id, officer_id=officer.id, verdict=result.verdict,
        reasons=result.codes, pass_number=pass_.number if pass_ else None,
        enterprise_code=pass_.enterprise_code if pass_ else None,
        plate_seen=plate_seen, now=now)
    return result


def verify(qr_text: str, checkpoint_code: str, plate_seen: str | None, officer) -> Verdict:
    """Judge a scanned QR text at one of the officer's checkpoints and record the scan."""
    return verify_request({"qr": qr_text, "checkpoint": checkpoint_code, "plate": plate_seen},
                          officer)
