"""The committed corpus (conformance/) is what its generator describes, signatures aside.

ECDSA signatures change on every run of conformance/generate.py, so the tokens are compared
by what they say (header and payload), and everything without a signature byte for byte.
"""
import base64
import json
import zlib
from pathlib import Path

import pytest

from conformance import generate
from conformance.cases import CASES
from conformance.keys import KEYS, jwks
from conformance.scanned import claims_of
from passtokens import qr

CORPUS = generate.ROOT
COMMITTED = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
# Forms whose payload is the pass's own claims, readable without the key.
CLAIMS_FORMS = ("genuine", "tampered", "bare_jws", "odd_digits", "bad_base64", "no_zip")


def read(path: str | Path) -> str:
    return (CORPUS / path).read_text(encoding="utf-8")


def unverified(token: str) -> tuple[dict, object]:
    """Header and payload of a compact JWS, inflated if it says so, without a key."""
    header, payload = (base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
                       for segment in token.split(".")[:2])
    if json.loads(header).get("zip") == "DEF":
        payload = zlib.decompress(payload, -15)
    return json.loads(header), json.loads(payload)


def test_manifest_is_the_generators_case_list():
    assert generate.manifest() == COMMITTED


def test_corpus_holds_exactly_the_files_the_manifest_names():
    named = {case[field] for case in COMMITTED["cases"]
             for field in ("qr", "png", "bundle", "feed") if case[field]}
    named |= {COMMITTED["home_issuer"]["jwks"], COMMITTED["trust_anchor"],
              COMMITTED["trust_list"]}
    on_disk = {str(path.relative_to(CORPUS)) for folder in ("cases", "bundles", "feeds")
               for path in (CORPUS / folder).rglob("*") if path.is_file()}
    assert on_disk <= named
    assert all((CORPUS / path).is_file() for path in named)


def test_test_keys_are_the_ones_derived_from_their_names():
    for key in KEYS.values():
        assert (CORPUS / "keys" / f"TEST-ONLY-{key.name}-{key.kid}.pem").read_bytes() == key.pem()
    assert json.loads(read(COMMITTED["home_issuer"]["jwks"])) == jwks("home")
    assert json.loads(read(COMMITTED["trust_anchor"])) == jwks("operator")


@pytest.mark.parametrize("name, age", generate.BUNDLE_AGES.items())
def test_bundle_says_what_the_generator_writes(name, age):
    assert unverified(read(f"bundles/{name}.jws")) == (
        {"alg": "ES256", "kid": "T01"}, generate.bundle_payload(age))


@pytest.mark.parametrize("name, age", generate.FEED_AGES.items())
def test_feed_says_what_the_generator_writes(name, age):
    assert unverified(read(f"feeds/450700-{name}.jws"))[1] == generate.feed_payload(age)


def test_trust_list_names_the_test_issuer_and_its_peer():
    header, payload = unverified(read(COMMITTED["trust_list"]))
    assert header["kid"] == KEYS["operator"].kid
    assert [(issuer["area"], issuer["jwks"]) for issuer in payload["issuers"]] == [
        ("450500", jwks("home")), ("450700", jwks("peer"))]


@pytest.mark.parametrize("case", [case for case in CASES if case.form in CLAIMS_FORMS],
                         ids=lambda case: case.name)
def test_qr_text_carries_the_cases_claims_under_its_key(case):
    text = read(f"cases/{case.name}/qr.txt")
    if case.form == "bare_jws":
        token = text
    elif case.form == "odd_digits":
        token = qr.from_qr_text(text[:-1])  # whole digit pairs: all but the last character
    else:
        token = qr.from_qr_text(text)
    header, payload = token.split(".")[:2]
    if case.form == "bad_base64":
        header = header.rstrip("A")
    claims = claims_of(case)
    if case.form == "tampered":
        claims["p"] = "桂E99999"
    assert unverified(f"{header}.{payload}.") == (
        {"alg": "ES256", "kid": KEYS[case.key].kid} | ({} if case.form == "no_zip"
                                                       else {"zip": "DEF"}), claims)


@pytest.mark.parametrize("case", [case for case in CASES if case.form == "text"],
                         ids=lambda case: case.name)
def test_text_cases_hold_their_text(case):
    assert read(f"cases/{case.name}/qr.txt") == case.text
