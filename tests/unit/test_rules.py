"""The pure verdict (checkpoints/rules.py) and its reason registry, at a fixed clock.

Every vector of tests/vectors/verify.json whose QR is the pass's own runs here through
`rules.decide`, as the offline page's twin runs them under node (tests/js/rules.test.mjs).
"""
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkpoints import reasons, rules
from tests.vectors import generate_verify

VECTORS = json.loads(generate_verify.PATH.read_text(encoding="utf-8"))
GENUINE = [case for case in VECTORS["cases"] if case["qr"]["form"] == "genuine"]
NOW = datetime.fromtimestamp(1658300000, UTC)  # the JS runner's clock
ROOT = Path(__file__).resolve().parents[2]
POLICY = rules.Policy(
    colours={colour: rules.ColourRule(row["verdict"], row["reason_code"])
             for colour, row in VECTORS["colour_policy"].items()},
    test_window=timedelta(hours=VECTORS["test_window_hours"]),
    copy_window=timedelta(minutes=VECTORS["copy_window_minutes"]),
    max_speed_kmh=VECTORS["max_speed_kmh"])


def hours(value: float) -> datetime:
    return NOW + timedelta(hours=value)


def facts_of(case: dict) -> rules.Facts:
    """The world a vector describes, as the rules' facts (a stale bundle: no live status)."""
    signed, holder, enterprise = case["pass"], case["holder"], case["enterprise"]
    known = "online" in case["paths"] or case["bundle_age_s"] <= VECTORS["max_age_s"]
    earlier = case["earlier_scan"]
    return rules.Facts(
        unreadable="key_revoked" if case["key_revoked"] else None,  # read from the token
        kind=signed["kind"], plate=signed["plate"], valid_from=hours(signed["valid_from_h"]),
        valid_until=hours(signed["valid_until_h"]), revoked=case["pass_revoked"],
        handed_over=case["handed_over"], status_known=known,
        enterprise_state=enterprise["state"] if enterprise["in_bundle"] else None,
        colour=enterprise["colour"] if enterprise["in_bundle"] else None,
        health_code=holder["health_code"] if known else "green",
        test_sampled_at=hours(-(holder["test_age_h"] if known else signed["test_age_h"])),
        latest_test_positive=holder["test_positive"], plate_seen=case["plate_seen"],
        checkpoint_area=case["checkpoint_area"],
        route=("450502", *signed["via"], "450521"),
        earlier_scan=rules.EarlierScan("CP-EARLIER", NOW - timedelta(
            minutes=earlier["minutes_ago"]), earlier["distance_km"]) if earlier else None)


@pytest.mark.parametrize("case", GENUINE, ids=[case["name"] for case in GENUINE])
def test_pure_rules_match_vector_at_a_fixed_clock(case):
    decision = rules.decide(facts_of(case), NOW, POLICY)
    assert (decision.verdict, list(decision.reasons)) == (case["expected"]["verdict"],
                                                          case["expected"]["reasons"])


def test_unreadable_token_ends_the_check_with_its_one_reason():
    facts = rules.Facts(unreadable="bad_signature", revoked=True, colour="red")
    assert rules.decide(facts, NOW, POLICY) == rules.Decision("deny", ("bad_signature",))


def test_denial_leads_with_why_it_is_denied():
    decision = rules.ordered(["test_expired", "off_route", "enterprise_red", "revoked"], POLICY)
    assert decision.reasons == ("revoked", "enterprise_red", "off_route", "test_expired")


def test_colour_reason_takes_its_verdict_and_order_from_the_policy():
    strict = rules.Policy(colours={"yellow": rules.ColourRule("deny", "enterprise_yellow")})
    decision = rules.ordered(["plate_mismatch", "test_expired", "enterprise_yellow"], strict)
    assert decision == rules.Decision("deny", ("plate_mismatch", "enterprise_yellow",
                                               "test_expired"))


def test_possible_copy_by_distance_needs_coordinates_at_both_ends():
    an_hour_ago = NOW - timedelta(hours=1)
    assert rules.possible_copy(rules.EarlierScan("A", an_hour_ago, 121), NOW, POLICY)
    assert not rules.possible_copy(rules.EarlierScan("A", an_hour_ago, 119), NOW, POLICY)
    assert not rules.possible_copy(rules.EarlierScan("A", an_hour_ago, None), NOW, POLICY)


def test_copy_window_is_inclusive():
    at_the_edge = rules.EarlierScan("A", NOW - POLICY.copy_window, None)
    assert rules.possible_copy(at_the_edge, NOW, POLICY)
    just_past = rules.EarlierScan("A", NOW - POLICY.copy_window - timedelta(seconds=1), None)
    assert not rules.possible_copy(just_past, NOW, POLICY)


def test_distance_between_beihai_and_nanning_is_about_170_km():
    assert 160 < rules.distance_km((21.48, 109.12), (22.82, 108.37)) < 180


def test_registry_bits_are_unique_and_keep_the_scan_logs_old_codes():
    bits = [reason.bit for reason in reasons.REGISTRY]
    assert len(set(bits)) == len(bits)
    # The scan log's rows carry these bits: the first fifteen codes keep their positions.
    first = ("malformed", "bad_signature", "unknown_key", "not_found", "revoked",
             "not_yet_valid", "expired", "enterprise_not_whitelisted", "enterprise_red",
             "enterprise_yellow", "test_expired", "driver_not_green", "plate_mismatch",
             "status_unknown", "key_revoked")
    assert [reasons.BY_CODE[code].bit for code in first] == list(range(15))


def test_registry_lists_every_deny_before_every_check():
    verdicts = [reason.verdict for reason in reasons.REGISTRY]
    assert verdicts == sorted(verdicts, key=lambda v: -reasons.SEVERITY[v])


def test_registry_has_every_contract_reason_code():
    contract = {"malformed", "bad_signature", "unknown_key", "not_found", "revoked",
                "not_yet_valid", "expired", "enterprise_not_whitelisted", "enterprise_red",
                "enterprise_yellow", "test_expired", "driver_not_green", "plate_mismatch",
                "status_unknown", "key_revoked", "test_positive", "off_route", "possible_copy",
                "handed_over", "unknown_issuer", "issuer_status_stale"}
    assert set(reasons.REASON_CODES) == contract


def test_scanning_page_reason_table_is_generated_from_the_registry():
    path = ROOT / "static" / "js" / "scan" / "reasons.js"
    assert path.read_text(encoding="utf-8") == reasons.js_module()


def test_openapi_reason_enum_is_the_registry():
    document = json.loads((ROOT / "core" / "openapi.json").read_text(encoding="utf-8"))
    assert document["components"]["schemas"]["ReasonCode"]["enum"] == list(reasons.REASON_CODES)


def test_personnel_passes_get_personnel_words_where_they_differ():
    reason = reasons.BY_CODE["driver_not_green"]
    assert reason.message_for("personnel") is reason.personnel_message
    assert reason.message_for("vehicle") is reason.message
    assert reasons.BY_CODE["revoked"].message_for("personnel") is reasons.BY_CODE["revoked"].message


def test_scanning_pages_service_worker_keeps_every_module_for_offline_use():
    scripts = ROOT / "static" / "js" / "scan"
    worker = (scripts / "sw.js").read_text(encoding="utf-8")
    modules = {path.stem for path in scripts.glob("*.js")} - {"sw"}
    assert all(f"'{name}'" in worker for name in modules), modules


def test_rules_import_without_flask_or_a_database():
    """The verdict is a pure function: importing it loads no Flask, Babel or SQLAlchemy."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, checkpoints.rules; print(' '.join(sorted("
         "m for m in sys.modules if m.startswith(('flask', 'sqlalchemy')))))"],
        capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.split() == []
