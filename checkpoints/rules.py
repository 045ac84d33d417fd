"""The checkpoint verdict as one pure function: facts + now + policy in, verdict + reasons out.

No Flask, database or locale: the server (checkpoints/judging.py), the pass pages' "what a
checkpoint would say" and the re-judging of uploaded offline scans all call `decide`, and
static/js/scan/rules.js is its twin; tests/vectors/verify.json holds both to the same answers.
"""
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from checkpoints.reasons import BY_CODE, RANK, SEVERITY
from core.validators import normalize_plate


@dataclass(frozen=True)
class ColourRule:
    verdict: str
    reason_code: str | None


@dataclass(frozen=True)
class Policy:
    """The deployment's thresholds and its colour policy (data, not code)."""

    colours: Mapping[str, ColourRule]
    test_window: timedelta = timedelta(hours=48)
    copy_window: timedelta = timedelta(minutes=30)
    max_speed_kmh: float = 120.0


@dataclass(frozen=True)
class EarlierScan:
    """The pass's latest scan at another checkpoint, and how far that checkpoint is."""

    checkpoint: str
    scanned_at: datetime
    distance_km: float | None = None  # None when either checkpoint has no coordinates


@dataclass(frozen=True)
class Facts:
    """Everything known about one scanned pass. `unreadable` ends the check by itself."""

    unreadable: str | None = None
    kind: str = "vehicle"
    plate: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    revoked: bool = False
    handed_over: bool = False
    # The live status; status_known False (a stale offline bundle) leaves these unused.
    status_known: bool = True
    # A foreign pass whose issuer's status feed is missing or older than its allowed age: the
    # feed's facts (if any) still count, and issuer_status_stale stands for the rest.
    issuer_stale: bool = False
    enterprise_state: str | None = None
    colour: str | None = None
    health_code: str | None = "green"  # None: no code on record, so not green
    test_sampled_at: datetime | None = None  # the holder's latest test
    latest_test_positive: bool = False
    # Where and what the officer sees.
    plate_seen: str | None = None
    checkpoint_area: str | None = None
    route: tuple[str, ...] = ()  # origin, via..., destination
    earlier_scan: EarlierScan | None = None


@dataclass(frozen=True)
class Decision:
    verdict: str
    reasons: tuple[str, ...] = field(default_factory=tuple)


def decide(facts: Facts, now: datetime, policy: Policy) -> Decision:
    """The verdict a checkpoint gives: the worst of every reason that applies, worst first."""
    if facts.unreadable:
        return ordered([facts.unreadable], policy)
    codes = []
    if facts.valid_from is not None and now < facts.valid_from:
        codes.append("not_yet_valid")
    if facts.valid_until is not None and now >= facts.valid_until:
        codes.append("expired")
    if facts.revoked:
        codes.append("revoked")
    if facts.handed_over:
        codes.append("handed_over")
    if facts.status_known:
        codes += _live_reasons(facts, policy)
    elif not facts.issuer_stale:
        codes.append("status_unknown")
    if facts.issuer_stale:
        codes.append("issuer_status_stale")
    if not (facts.status_known and facts.latest_test_positive) and _test_lapsed(facts, now,
                                                                                policy):
        codes.append("test_expired")
    if (facts.kind == "vehicle" and facts.plate_seen and facts.plate
            and normalize_plate(facts.plate_seen) != normalize_plate(facts.plate)):
        codes.append("plate_mismatch")
    if facts.checkpoint_area and facts.route and facts.checkpoint_area not in facts.route:
        codes.append("off_route")
    if facts.earlier_scan and possible_copy(facts.earlier_scan, now, policy):
        codes.append("possible_copy")
    return ordered(codes, policy)


def _live_reasons(facts: Facts, policy: Policy) -> list[str]:
    codes = []
    if facts.enterprise_state != "approved":
        codes.append("enterprise_not_whitelisted")
    if facts.colour is not None:
        rule = policy.colours.get(facts.colour)
        if rule is None:
            codes.append("status_unknown")  # a colour nobody wrote a rule for
        elif rule.reason_code:
            codes.append(rule.reason_code)
    if facts.latest_test_positive:
        codes.append("test_positive")
    if facts.health_code != "green":
        codes.append("driver_not_green")
    return codes


def _test_lapsed(facts: Facts, now: datetime, policy: Policy) -> bool:
    # Exactly the window's age is still inside it.
    return facts.test_sampled_at is not None and now - facts.test_sampled_at > policy.test_window


def possible_copy(earlier: EarlierScan, now: datetime, policy: Policy) -> bool:
    """Seen at another checkpoint too recently, or farther away than a truck drives since."""
    elapsed = now - earlier.scanned_at
    if elapsed <= policy.copy_window:
        return True
    if earlier.distance_km is None:
        return False
    return earlier.distance_km > policy.max_speed_kmh * elapsed.total_seconds() / 3600


def verdict_of(code: str, policy: Policy) -> str:
    """A reason's verdict: the colour policy's for a colour reason, else the registry's."""
    for rule in policy.colours.values():
        if rule.reason_code == code:
            return rule.verdict
    return BY_CODE[code].verdict


def ordered(codes: Iterable[str], policy: Policy) -> Decision:
    """Each code once, worst first (by the verdict it calls for, then the registry's order)."""
    unique = list(dict.fromkeys(codes))
    verdicts = {code: verdict_of(code, policy) for code in unique}
    unique.sort(key=lambda code: (-SEVERITY[verdicts[code]], RANK[code]))
    worst = max(verdicts.values(), key=SEVERITY.__getitem__, default="pass")
    return Decision(worst, tuple(unique))


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points: a lower bound on the road."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))

