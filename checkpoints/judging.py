"""The checkpoint rules applied to a pass: what a scanned QR text means now (DESIGN.md,
"Checkpoint verdicts"), from the token, the registry's standing of the pass and the scene."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import Connection

from checkpoints import rules, scans
from checkpoints.reading import Reading, read_jws, token_in
from checkpoints.reasons import BY_CODE
from checkpoints.service import Post
from core import crypto
from core.i18n import in_language
from federation import foreign
from passes import service as passes
from passes.models import Pass
from passes.standing import PassStatus, standing, standings
from passtokens import keys, tokens
from whitelist.service import colour_policy


@dataclass(frozen=True)
class PolicyText:
    """Words kept in both languages in the policy data rather than in the catalogue."""

    zh: str
    en: str

    def __str__(self) -> str:
        return in_language(self.zh, self.en)


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


def check(qr_text: str, plate_seen: str | None, now: datetime, area: str | None = None
          ) -> Verdict:
    """Read and judge a QR text away from any checkpoint; `area` (if any) stands in for the
    checkpoint's county."""
    return check_token(token_in(qr_text), plate_seen, now, area=area)


def check_token(jws: str | None, plate_seen: str | None, now: datetime,
                checkpoint: Post | None = None, area: str | None = None,
                connection: Connection | None = None) -> Verdict:
    """Judge a QR text's token (None: the text held none), asking the registry once for a
    genuine pass.

    At a checkpoint, its county is compared with the route and the pass's last scan
    elsewhere (read with the checkpoint, checkpoints.service.post) with this one; without
    one, `area` (if any) stands in for its county.

    The registry row of the pass the token claims to be carries its signing key, so the
    signature is checked against that key alone; anything else (a forged number, an unknown
    or revoked key) is read against every published key, as read_pass does on its own. A
    number under another area is another city's pass, judged with its issuer's keys and feed.
    Either way the claims are held to the contract only after the signature holds
    (PassFacts.from_claims), so genuinely signed claims that do not fit it are malformed:
    a jti that is not a string finds no registry row here, yet is never not_found.
    The registry is read on `connection` if given, else on the session's.
    """
    if jws is None:
        return judge(Reading(reasons=["malformed"]), plate_seen, now)
    kid, number = crypto.peek(jws)
    issuer = foreign.issuer_area(number, current_app.config["AREA_CODE"])
    if issuer is not None:
        return _judge_foreign(jws, issuer, plate_seen, now, checkpoint, area)
    status = standing(number, now, connection) if number else None
    verification_keys: dict[str, ec.EllipticCurvePublicKey] | None = None
    if (status is not None and kid is not None and status.kid == kid and status.key_published
            and status.public_jwk is not None):
        verification_keys = {kid: keys.public_key(status.public_jwk)}
    reading = read_jws(jws, now, verification_keys)
    if reading.facts is None or reading.facts.number != number:
        return judge(reading, plate_seen, now)
    return _judge_against(status, reading, plate_seen, now, checkpoint, area)


def judge(reading: Reading, plate_seen: str | None, now: datetime) -> Verdict:
    """Add the registry and live status to what the token says; every reason that applies."""
    if reading.facts is None:
        return _verdict(rules.Facts(unreadable=reading.reasons[0]), None, _policy(None))
    return _judge_against(standing(reading.facts.number, now), reading, plate_seen, now)


def _judge_against(status: PassStatus | None, reading: Reading, plate_seen: str | None,
                   now: datetime, checkpoint: Post | None = None,
                   area: str | None = None) -> Verdict:
    """The verdict on a verified token, given the registry's row for its number (None when
    the registry has no such pass)."""
    policy = _policy(status)
    if status is None or status.token != reading.jws:
        return _verdict(rules.Facts(unreadable="not_found"), None, policy)
    earlier = checkpoint.earlier if checkpoint else None
    facts = facts_of(status, plate_seen, checkpoint.area if checkpoint else area, earlier)
    result = _verdict(facts, status, policy, now)
    if earlier is not None and "possible_copy" in result.codes:
        result.earlier = earlier
    if status.revoked_at is not None:
        result.replaced_by = passes.replacement_of(status.number)
    return result


def _judge_foreign(jws: str, issuer: str, plate_seen: str | None, now: datetime,
                   checkpoint: Post | None, area: str | None) -> Verdict:
    """Another city's pass: its issuer's keys and feed, this deployment's rules and policy."""
    policy = policy_with({colour: rules.ColourRule(row.verdict, row.reason_code)
                          for colour, row in colour_policy().items()})
    reading = foreign.read_foreign(jws, issuer, now)
    if reading.unreadable:
        return _verdict(rules.Facts(unreadable=reading.unreadable), None, policy)
    earlier = checkpoint.earlier if checkpoint else None
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
        latest_test_positive=status.latest_test_positive or status.crew_test_positive,
        plate_seen=plate_seen,
        checkpoint_area=area, route=status.route,
        earlier_scan=earlier.as_fact() if earlier else None)


def _policy(status: PassStatus | None) -> rules.Policy:
    """The thresholds from the configuration; of the colour policy, the row the pass's
    enterprise colour has (the registry query brought it), which is all a verdict needs."""
    colours = {}
    if (status is not None and status.policy_colour is not None
            and status.policy_verdict is not None):
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
    message: object
    if status is not None and code == status.policy_reason_code:
        message = PolicyText(status.policy_action_zh or "", status.policy_action_en or "")
    else:
        message = BY_CODE[code].message_for(status.kind if status else None,
                                            crew=status is not None and status.only_crew_positive)
    return Reason(code, rules.verdict_of(code, policy), message)


def checkpoint_verdict(pass_: Pass, now: datetime) -> Verdict:
    """What a checkpoint on the pass's route would answer now, by the same rules as a scan:
    its own QR text, at its origin county, with no plate seen and no other scans."""
    return check(tokens.qr_text(pass_), None, now, area=pass_.origin)


def checkpoint_verdicts(numbers: list[str], now: datetime) -> dict[str, Verdict]:
    """checkpoint_verdict of many passes (a page of a pass list) from one registry query.

    The tokens are the registry's own, so their signatures need no checking: only whether
    their key is still honoured, as reading the token would find.
    """
    return {number: registry_verdict(status, now)
            for number, status in standings(numbers, now).items()}


def registry_verdict(status: PassStatus, now: datetime) -> Verdict:
    """checkpoint_verdict of a pass from the registry's read of it (passes.standing)."""
    policy = _policy(status)
    if not status.key_published:
        unreadable = "key_revoked" if status.key_revoked else "unknown_key"
        return _verdict(rules.Facts(unreadable=unreadable), None, policy)
    return _verdict(facts_of(status, area=status.origin), status, policy, now)
