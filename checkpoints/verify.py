"""The checkpoint rules: what a scanned QR text means now (DESIGN.md, "Checkpoint verdicts")."""
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from checkpoints import scans, service
from checkpoints.models import REASON_CODES
from core import crypto
from core.db import db, utcnow
from core.validation import Fields
from core.validators import normalize_plate
from passes import keys, qr
from passes.models import Pass
from passes.tokens import PassFacts
from whitelist.service import colour_policy

SEVERITY = {"pass": 0, "check": 1, "deny": 2}

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
    """The outcome of one scan: the worst verdict among its reasons, and the pass if genuine."""

    verdict: str
    reasons: list[Reason]
    pass_: Pass | None = None
    scan_id: int | None = None

    @classmethod
    def of(cls, reasons: list[Reason], pass_: Pass | None = None) -> "Verdict":
        """Reasons in the contract's order; no reason at all means pass."""
        order = {code: i for i, code in enumerate(REASON_CODES)}
        reasons = sorted(reasons, key=lambda reason: order.get(reason.code, len(order)))
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


def read_pass(qr_text: str, now: datetime) -> Reading:
    """Decode and verify a QR text; a late or early pass still yields its facts."""
    if len(qr_text) > MAX_QR_TEXT:
        return Reading(reasons=["malformed"])
    try:
        jws = qr.from_qr_text(qr_text)
    except qr.BadQrText:
        return Reading(reasons=["malformed"])
    time_reasons = []
    try:
        claims = crypto.verify(jws, keys.verification_keys(now), now=int(now.timestamp()))
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


def judge(reading: Reading, plate_seen: str | None, now: datetime) -> Verdict:
    """Add the registry and live status to what the token says; every reason that applies."""
    if reading.facts is None:
        return Verdict.of([reason(code) for code in reading.reasons])
    pass_ = db.session.scalar(select(Pass).where(Pass.number == reading.facts.number))
    if pass_ is None or pass_.token != reading.jws:
        return Verdict.of([reason("not_found")])
    codes = list(reading.reasons)
    if pass_.revoked_at is not None:
        codes.append("revoked")
    if pass_.enterprise.state != "approved":
        codes.append("enterprise_not_whitelisted")
    person = pass_.person
    if person.health_code != "green":
        codes.append("driver_not_green")
    window = timedelta(hours=current_app.config["TEST_WINDOW_HOURS"])
    if now - person.test_sampled_at > window:
        codes.append("test_expired")
    if plate_seen and pass_.plate and normalize_plate(plate_seen) != normalize_plate(pass_.plate):
        codes.append("plate_mismatch")
    reasons = [reason(code) for code in codes] + _colour_reasons(pass_.enterprise.colour)
    return Verdict.of(reasons, pass_)


def _colour_reasons(colour: str | None) -> list[Reason]:
    if colour is None:
        return []
    policy = colour_policy().get(colour)
    if policy is None:
        return [reason("status_unknown")]  # a colour nobody wrote a rule for
    if policy.reason_code is None:
        return []
    return [Reason(policy.reason_code, policy.verdict, PolicyText(policy.action_zh,
                                                                  policy.action_en))]


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
    checkpoint = service.find(code) if code else None
    if code and (checkpoint is None or not checkpoint.active):
        fields.error("checkpoint", service.UNKNOWN_CHECKPOINT)
    fields.raise_if_invalid()
    service.check_assigned(checkpoint, officer)
    now = utcnow()
    result = judge(read_pass(qr_text, now), plate_seen, now)
    pass_ = result.pass_
    scan = scans.record_scan(
        checkpoint=checkpoint, officer=officer, verdict=result.verdict, reasons=result.codes,
        pass_number=pass_.number if pass_ else None,
        enterprise_code=pass_.enterprise.code if pass_ else None,
        plate_seen=plate_seen, now=now)
    result.scan_id = scan.id
    return result


def verify(qr_text: str, checkpoint_code: str, plate_seen: str | None, officer) -> Verdict:
    """Judge a scanned QR text at one of the officer's checkpoints and record the scan."""
    return verify_request({"qr": qr_text, "checkpoint": checkpoint_code, "plate": plate_seen},
                          officer)
