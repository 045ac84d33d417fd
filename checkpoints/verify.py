"""The checkpoint rules: what a scanned QR text means now (DESIGN.md, "Checkpoint verdicts")."""
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from checkpoints import rules, scans, service
from checkpoints.models import Checkpoint
from checkpoints.reasons import BY_CODE, REGISTRY
from checkpoints.registry import PassStatus, pass_status, pass_statuses
from core import crypto
from core.db import utcnow
from core.validation import Fields
from federation import foreign
from passes import service as passes
from passes.models import Pass
from passtokens import keys, qr, tokens
from passtokens.tokens import MalformedClaims, PassFacts
from whitelist.service import colour_policy

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
    """The outcome of one scan: the worst verdict among its reasons (worst first), the
    registry's pass if genuine, and where the pass was seen last if that looks like a copy."""

    verdict: str
    reasons: list[Reason]
    pass_: PassStatus | None = None
    scan_id: int | None = None
    earlier: scans.LastSeen | None = None
    replaced_by: str | None = None

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]


@dataclass
class Reading:
    """What the token alone says: its verified facts, or the reason it cannot be read."""

    jws: str | None = None
    facts: PassFacts | None = None
    reasons: list[str] = field(default_factory=list)


def read_pass(qr_text: str, now: datetime,
              verification_keys: dict[str, ec.EllipticCurvePublicKey] | None = None) -> Reading:
    """Decode and verify a QR text; a late or early pass still yields its facts.

    Without verification_keys, every published key is tried.
    """
    try:
        jws = jws_of(qr_text)
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
    except MalformedClaims:
        return Reading(reasons=["malformed"])
    return Reading(jws, facts, time_reasons)


def jws_of(qr_text: str) -> str:
    if len(qr_text) > MAX_QR_TEXT:
        raise qr.BadQrText("longer than any QR symbol holds")
    return qr.from_qr_text(qr_text)


def check(qr_text: str, plate_seen: str | None, now: datetime,
          checkpoint: Checkpoint | None = None, area: str | None = None) -> Verdict:
    """Read and judge a QR text, asking the registry once for a genuine pass.

    At a checkpoint, its county is compared with the route and the pass's scans elsewhere
    with this one; without one, `area` (if any) stands in for its county.

    The registry row of the pass the token claims to be carries its signing key, so the
    signature is checked against that key alone; anything else (a forged number, an unknown
    or revoked key) is read against every published key, as read_pass does on its own. A
    number under another area is another city's pass, judged with its issuer's keys and feed.
    Either way the claims are held to the contract only after the signature holds
    (PassFacts.from_claims), so genuinely signed claims that do not fit it are malformed:
    a jti that is not a string finds no registry row here, yet is never not_found.
    """
    try:
        jws = jws_of(qr_text)
    except qr.BadQrText:
        return judge(Reading(reasons=["malformed"]), plate_seen, now)
    kid, number = crypto.peek(jws)
    issuer = foreign.issuer_area(number, current_app.config["AREA_CODE"])
    if issuer is not None:
        return _judge_foreign(jws, issuer, plate_seen, now, checkpoint, area)
    status = pass_status(number, now) if number else None
    verification_keys = None
    if status is not None and status.kid == kid and status.key_published:
        verification_keys = {kid: keys.public_key(status.public_jwk)}
    reading = read_jws(jws, now, verification_keys)
    if reading.facts is None or reading.facts.number != number:
        return judge(reading, plate_seen, now)
    return _judge_against(status, reading, plate_seen, now, checkpoint, area)


def judge(reading: Reading, plate_seen: str | None, now: datetime,
          checkpoint: Checkpoint | None = None) -> Verdict:
    """Add the registry and live status to what the token says; every reason that applies."""
    if reading.facts is None:
        return _verdict(rules.Facts(unreadable=reading.reasons[0]), None, _policy(None))
    return _judge_against(pass_status(reading.facts.number, now), reading, plate_seen, now,
                          checkpoint)


def _judge_against(status: PassStatus | None, reading: Reading, plate_seen: str | None,
                   now: datetime, checkpoint: Checkpoint | None = None,
                   area: str | None = None) -> Verdict:
    """The verdict on a verified token, given the registry's row for its number (None when
    the registry has no such pass)."""
    policy = _policy(status)
    if status is None or status.token != reading.jws:
        return _verdict(rules.Facts(unreadable="not_found"), None, policy)
    earlier = scans.last_seen_elsewhere(status.number, checkpoint, now, horizon()) \
        if checkpoint is not None else None
    facts = facts_of(status, plate_seen, checkpoint.area if checkpoint else area, earlier)
    result = _verdict(facts, status, policy, now)
    if earlier is not None and "possible_copy" in result.codes:
        result.earlier = earlier
    if status.revoked_at is not None:
        result.replaced_by = passes.replacement_of(status.number)
    return result


def _judge_foreign(jws: str, issuer: str, plate_seen: str | None, now: datetime,
                   checkpoint: Checkpoint | None, area: str | None) -> Verdict:
    """Another city's pass: its issuer's keys and feed, this deployment's rules and policy."""
    policy = policy_with({colour: rules.ColourRule(row.verdict, row.reason_code)
                          for colour, row in colour_policy().items()})
    reading = foreign.read_foreign(jws, issuer, now)
    if reading.unreadable:
        return _verdict(rules.Facts(unreadable=reading.unreadable), None, policy)
    number = reading.pass_.number
    earlier = scans.last_seen_elsewhere(number, checkpoint, now, horizon()) \
        if checkpoint is not None else None
    facts = foreign.with_scene(reading, plate_seen, checkpoint.area if checkpoint else area,
                               earlier.as_fact() if earlier else None)
    result = _verdict(facts, None, policy, now)
    result.pass_ = reading.pass_
    if earlier is not None and "possible_copy" in result.codes:
        result.earlier = earlier
    return result


def facts_of(status: PassStatus, plate_seen: str | None = None, area: str | None = None,
             earlier: "scans.LastSeen | None" = None) -> rules.Facts:
    """The registry's row as the rules' facts."""
    return rules.Facts(
        kind=status.kind, plate=status.plate, valid_from=status.valid_from,
        valid_until=status.valid_until, revoked=status.revoked_at is not None,
        handed_over=status.handed_over_at is not None,
        enterprise_state=status.enterprise_state, colour=status.colour,
        health_code=status.health_code, test_sampled_at=status.test_sampled_at,
        latest_test_positive=status.latest_test_positive, plate_seen=plate_seen,
        checkpoint_area=area, route=status.route,
        earlier_scan=earlier.as_fact() if earlier else None)


def _policy(status: PassStatus | None) -> rules.Policy:
    """The thresholds from the configuration; of the colour policy, the row the pass's
    enterprise colour has (the registry query brought it), which is all a verdict needs."""
    colours = {}
    if status is not None and status.policy_colour is not None:
        colours[status.policy_colour] = rules.ColourRule(status.policy_verdict,
                                                         status.policy_reason_code)
    return policy_with(colours)


def policy_with(colours: dict[str, rules.ColourRule]) -> rules.Policy:
    config = current_app.config
    return rules.Policy(colours=colours,
                        test_window=timedelta(hours=config["TEST_WINDOW_HOURS"]),
                        copy_window=timedelta(minutes=config["SCAN_COPY_WINDOW_MINUTES"]),
                        max_speed_kmh=config["TRUCK_MAX_SPEED_KMH"])


def horizon() -> timedelta:
    """How far back a scan elsewhere can still be a copy: a day's drive at the speed limit
    covers any two checkpoints of a country."""
    return max(timedelta(minutes=current_app.config["SCAN_COPY_WINDOW_MINUTES"]),
               timedelta(hours=24))


def _verdict(facts: rules.Facts, status: PassStatus | None, policy: rules.Policy,
             now: datetime | None = None) -> Verdict:
    decision = rules.decide(facts, now or datetime.min, policy)
    return Verdict(decision.verdict, [_reason(code, status, policy) for code in
                                      decision.reasons], status)


def _reason(code: str, status: PassStatus | None, policy: rules.Policy) -> Reason:
    if status is not None and code == status.policy_reason_code:
        message = PolicyText(status.policy_action_zh, status.policy_action_en)
    else:
        message = BY_CODE[code].message_for(status.kind if status else None)
    return Reason(code, rules.verdict_of(code, policy), message)


def reason_messages() -> dict[str, object]:
    """The message of every reason code, the colour ones from the policy data."""
    messages = {reason.code: reason.message for reason in REGISTRY}
    for policy in colour_policy().values():
        if policy.reason_code:
            messages[policy.reason_code] = PolicyText(policy.action_zh, policy.action_en)
    return messages


def personnel_reason_messages() -> dict[str, object]:
    """The reasons worded otherwise for a supply-staff pass (ReasonCode.message_for)."""
    return {reason.code: reason.personnel_message for reason in REGISTRY
            if reason.personnel_message}


def checkpoint_verdict(pass_: Pass, now: datetime | None = None) -> Verdict:
    """What a checkpoint on the pass's route would answer now, by the same rules as a scan:
    its own QR text, at its origin county, with no plate seen and no other scans."""
    return check(tokens.qr_text(pass_), None, now or utcnow(), area=pass_.origin)


def checkpoint_verdicts(numbers: list[str], now: datetime) -> dict[str, Verdict]:
    """checkpoint_verdict of many passes (a page of a pass list) from one registry query.

    The tokens are the registry's own, so their signatures need no checking: only whether
    their key is still honoured, as reading the token would find.
    """
    return {number: _registry_verdict(status, now)
            for number, status in pass_statuses(numbers, now).items()}


def _registry_verdict(status: PassStatus, now: datetime) -> Verdict:
    policy = _policy(status)
    if not status.key_published:
        unreadable = "key_revoked" if status.key_revoked else "unknown_key"
        return _verdict(rules.Facts(unreadable=unreadable), None, policy)
    return _verdict(facts_of(status, area=status.origin), status, policy, now)


def in_plain_words(result: Verdict) -> str | None:
    """The verdict as a driver or clerk understands it; None when checkpoints release it."""
    if result.verdict == "pass":
        return None
    kind = result.pass_.kind if result.pass_ else None
    why = _("; ").join(str(BY_CODE[code].holder_message or BY_CODE[code].message_for(kind))
                       for code in result.codes)
    if result.verdict == "deny":
        return _("Checkpoints will refuse this pass because %(why)s.", why=why)
    return _("Checkpoints will stop this pass for a check because %(why)s.", why=why)


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
    result = check(qr_text, plate_seen, now, checkpoint)
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
