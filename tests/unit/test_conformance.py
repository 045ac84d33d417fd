"""The conformance corpus (conformance/), judged by the Python side: the committed bytes as
given, verified with the published test keys, judged by checkpoints/rules.py at the corpus's
clock. Nothing is signed here; tests/js/conformance.test.mjs reads the same bytes.
"""
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkpoints import rules
from checkpoints.reading import jws_of
from core import crypto
from federation.feed import read_feed
from federation.foreign import issuer_area, read_with, with_scene
from federation.trust import jwks_keys, load_anchor, read_trust_list
from passtokens import qr
from passtokens.tokens import MalformedClaims, PassFacts

CORPUS = Path(__file__).resolve().parents[2] / "conformance"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
CLOCK = datetime.fromtimestamp(MANIFEST["clock"]["epoch_s"], UTC)
# What this verifier does of the corpus's requirements: every one.
MET: frozenset[str] = frozenset({"federation"})


def read(path: str) -> str:
    return (CORPUS / path).read_text(encoding="utf-8")


HOME_KEYS = jwks_keys(json.loads(read(MANIFEST["home_issuer"]["jwks"])))
TRUSTED = {issuer.area: issuer for issuer in read_trust_list(
    read(MANIFEST["trust_list"]), load_anchor(CORPUS / MANIFEST["trust_anchor"]),
    CLOCK).issuers}


def open_bundle(path: str) -> dict:
    """The offline bundle's payload, after checking its signature with the home JWKS."""
    return crypto.verify(read(path), HOME_KEYS, check_time=False)


def read_pass(qr_text: str, bundle: dict) -> PassFacts | str:
    """The verified facts of a QR text, or the one reason it cannot be read."""
    try:
        jws = jws_of(qr_text)
    except qr.BadQrText:
        return "malformed"
    revoked_kids = set(bundle["revoked_kids"])
    keys = {kid: key for kid, key in (HOME_KEYS | jwks_keys(bundle["jwks"])).items()
            if kid not in revoked_kids}
    try:
        claims = crypto.verify(jws, keys, check_time=False, deflate=True)
    except crypto.UnknownKey:
        return "key_revoked" if crypto.read_header(jws).get("kid") in revoked_kids \
            else "unknown_key"
    except crypto.BadSignature:
        return "bad_signature"
    except crypto.MalformedToken:
        return "malformed"
    try:
        return PassFacts.from_claims(claims)
    except MalformedClaims:
        return "malformed"


def facts_from_bundle(signed: PassFacts, bundle: dict, case: dict, now: datetime) -> rules.Facts:
    """The signed facts and what the bundle says of them now; past its age only what is
    final (revocation, handover) still counts, as on the scanning page."""
    generated_at = datetime.fromisoformat(bundle["generated_at"])
    fresh = (now - generated_at).total_seconds() <= bundle["max_age_s"]
    number = signed.number
    holder = bundle["people"].get(number) if fresh else None
    return rules.Facts(
        kind=signed.kind, plate=signed.plate, valid_from=signed.valid_from,
        valid_until=signed.valid_until, revoked=number in bundle["revoked"],
        handed_over=number in bundle.get("handed_over", []), status_known=fresh,
        enterprise_state=bundle["states"].get(signed.enterprise),
        colour=bundle["colours"].get(signed.enterprise),
        health_code=holder["health_code"] if holder else "green",
        test_sampled_at=datetime.fromtimestamp(holder["test_sampled_at"], UTC) if holder
        else signed.test_sampled_at,
        latest_test_positive=bool(holder and holder["test_positive"]),
        plate_seen=case["plate_seen"], checkpoint_area=case["checkpoint_area"],
        route=(signed.origin, *bundle.get("routes", {}).get(number, []), signed.destination))


def judge(case: dict) -> rules.Decision:
    now = datetime.fromtimestamp(case["clock"], UTC)
    bundle = open_bundle(case["bundle"])
    policy = rules.Policy(
        colours={colour: rules.ColourRule(row["verdict"], row["reason_code"])
                 for colour, row in bundle["colour_policy"].items()},
        test_window=timedelta(seconds=bundle["test_window_s"]))
    qr_text = read(case["qr"])
    if foreign := foreign_facts(qr_text, case, now):
        return rules.decide(foreign, now, policy)
    signed = read_pass(qr_text, bundle)
    if isinstance(signed, str):
        return rules.decide(rules.Facts(unreadable=signed), now, policy)
    return rules.decide(facts_from_bundle(signed, bundle, case, now), now, policy)


def foreign_facts(qr_text: str, case: dict, now: datetime) -> rules.Facts | None:
    """For a pass numbered under another area: the facts of its issuer's keys and feed, as
    the trust list names them; None for a pass of the home issuer."""
    try:
        jws = jws_of(qr_text)
    except qr.BadQrText:
        return None
    area = issuer_area(crypto.peek(jws)[1], MANIFEST["home_issuer"]["area"])
    if area is None:
        return None
    issuer = TRUSTED.get(area)
    if issuer is None:
        return rules.Facts(unreadable="unknown_issuer")
    feed = read_feed(read(case["feed"]), area, issuer.jwks) if case["feed"] else None
    reading = read_with(jws, issuer.name, issuer.jwks, feed, now, area=area)
    if reading.unreadable:
        return rules.Facts(unreadable=reading.unreadable)
    return with_scene(reading, case["plate_seen"], case["checkpoint_area"], None)


CASES = MANIFEST["cases"]
IDS = [case["name"] for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_rules_give_each_case_its_expected_verdict_and_reasons(case):
    missing = set(case["requires"]) - MET
    if missing:
        pytest.skip(f"pending: needs {', '.join(sorted(missing))}")
    decision = judge(case)
    assert {"verdict": decision.verdict, "reasons": list(decision.reasons)} == case["expected"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_png_holds_exactly_the_qr_text(case):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    with Image.open(CORPUS / case["png"]) as image:
        found = zxingcpp.read_barcodes(image.convert("L"))
    assert [barcode.text for barcode in found] == [read(case["qr"])]


def test_every_requirement_named_by_a_case_is_declared():
    declared = set(MANIFEST["requirements"])
    assert {need for case in CASES for need in case["requires"]} <= declared


def test_trust_list_verifies_against_the_anchor_at_the_clock():
    content = read_trust_list(read(MANIFEST["trust_list"]),
                              load_anchor(CORPUS / MANIFEST["trust_anchor"]), CLOCK)
    assert {issuer.area for issuer in content.issuers} == {"450500", "450700"}


def test_feeds_verify_with_their_issuers_keys_on_the_trust_list():
    content = read_trust_list(read(MANIFEST["trust_list"]),
                              load_anchor(CORPUS / MANIFEST["trust_anchor"]), CLOCK)
    jwks = {issuer.area: issuer.jwks for issuer in content.issuers}
    ages = {}
    for path in sorted({case["feed"] for case in CASES if case["feed"]}):
        feed = read_feed(read(path), "450700", jwks["450700"])
        age = (CLOCK - datetime.fromisoformat(feed["generated_at"])).total_seconds()
        ages[path] = age <= feed["max_age_s"]
    assert ages == {"feeds/450700-fresh.jws": True, "feeds/450700-stale.jws": False}


def test_bundles_verify_with_the_home_jwks_and_one_is_stale_at_the_clock():
    fresh = {}
    for path in sorted({case["bundle"] for case in CASES}):
        bundle = open_bundle(path)
        age = (CLOCK - datetime.fromisoformat(bundle["generated_at"])).total_seconds()
        fresh[path] = age <= bundle["max_age_s"]
    assert fresh == {"bundles/fresh.jws": True, "bundles/stale.jws": False}
