"""Another city's pass at a Beihai checkpoint: verified with its issuer's keys from the trust
list, judged with the same rules against the issuer's latest status feed."""
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from checkpoints.bundle import bundle_payload
from checkpoints.models import Scan
from core import crypto
from core.db import db, utcnow
from core.openapi import document
from federation.feed import feed_payload
from federation.models import IssuerFeed, TrustedIssuer
from passtokens import keys
from passtokens.qr import to_qr_text

URL = "/api/v1/verify"
AREA = "450700"
NUMBER = "450700000042"
ENTERPRISE = "91450700MA5KA1001P"


@pytest.fixture
def local_kid(app):
    with app.app_context():
        key = keys.create_key("fixture")
        db.session.commit()
        return key.kid


@pytest.fixture
def qinzhou(local_kid):
    """Qinzhou's pass key, under the same 3-character kid as Beihai's own key."""
    key = crypto.generate_private_key()
    return {"key": key, "kid": local_kid,
            "jwks": {"keys": [crypto.public_jwk(key.public_key(), local_kid)]}}


def feed_of(age_s=60, max_age_s=900, **facts):
    generated_at = (utcnow() - timedelta(seconds=age_s)).isoformat(timespec="seconds")
    return {"issuer": AREA, "generated_at": generated_at, "max_age_s": max_age_s,
            "colours": {ENTERPRISE: "green"}, "states": {ENTERPRISE: "approved"},
            "revoked": [], "revoked_kids": [], "holds": [], **facts}


@pytest.fixture
def trust(app, qinzhou):
    """Put Qinzhou on the trust list in force, with the given feed payload (None: no feed)."""

    def put(feed):
        with app.app_context():
            db.session.add(TrustedIssuer(area=AREA, name="钦州市", jwks=qinzhou["jwks"],
                                         feed_url="http://127.0.0.1:9/api/v1/status-feed"))
            if feed is not None:
                db.session.add(IssuerFeed(area=AREA, max_age_s=feed["max_age_s"], payload=feed,
                                          generated_at=datetime.fromisoformat(feed["generated_at"])))
            db.session.commit()

    return put


def foreign_qr(signer, **claims):
    now = int(utcnow().timestamp())
    payload = {"jti": NUMBER, "nbf": now - 3600, "exp": now + 86400, "k": 1, "e": ENTERPRISE,
               "p": "桂N12345", "n": "李*华", "i": "5678", "t": now - 12 * 3600, "c": 2,
               "o": 450702, "d": 450502, **claims}
    return to_qr_text(crypto.sign(payload, signer["key"], signer["kid"], deflate=True))


@pytest.fixture
def verify(client, officer_headers):
    def post(qr_text, checkpoint="CP-HAICHENG", **more):
        return client.post(URL + "?lang=en", json={"qr": qr_text, "checkpoint": checkpoint,
                                                   **more}, headers=officer_headers)

    return post


def codes(response) -> list[str]:
    return [reason["code"] for reason in response.json["reasons"]]


def test_a_genuine_foreign_pass_passes_and_names_its_issuing_city(app, verify, trust,
                                                                  qinzhou):
    trust(feed_of())
    response = verify(foreign_qr(qinzhou), plate="桂N12345")
    assert response.status_code == 200
    assert (response.json["verdict"], codes(response)) == ("pass", [])
    assert response.json["enterprise"]["code"] == ENTERPRISE
    assert "钦州市" in response.json["enterprise"]["name"]
    assert response.json["issuer"] == {"area": AREA, "name": "钦州市"}
    assert response.json["pass"]["number"] == NUMBER
    with app.app_context():
        scan = db.session.scalars(select(Scan)).one()
        assert (scan.pass_number, scan.enterprise_code, scan.verdict) == (NUMBER, ENTERPRISE,
                                                                          "pass")


@pytest.mark.parametrize(("feed", "verdict", "reasons"), [
    (feed_of(colours={ENTERPRISE: "red"}), "deny", ["enterprise_red"]),
    (feed_of(colours={ENTERPRISE: "yellow"}), "check", ["enterprise_yellow"]),
    (feed_of(states={ENTERPRISE: "suspended"}), "deny", ["enterprise_not_whitelisted"]),
    (feed_of(revoked=[NUMBER]), "deny", ["revoked"]),
    (feed_of(holds=[NUMBER]), "deny", ["driver_not_green"]),
    (feed_of(handed_over=[NUMBER]), "deny", ["handed_over"]),
    (feed_of(age_s=960), "check", ["issuer_status_stale"]),
    (feed_of(age_s=960, colours={ENTERPRISE: "red"}), "deny",
     ["enterprise_red", "issuer_status_stale"]),
    (None, "check", ["issuer_status_stale"]),
], ids=["red", "yellow", "off-white-list", "revoked", "holder-on-hold", "handed-over", "stale",
        "stale-but-red", "no-feed-yet"])
def test_a_foreign_pass_is_judged_against_its_issuers_feed(verify, trust, qinzhou, feed,
                                                           verdict, reasons):
    trust(feed)
    response = verify(foreign_qr(qinzhou))
    assert (response.json["verdict"], codes(response)) == (verdict, reasons)


def test_a_foreign_key_the_issuer_revoked_is_denied(verify, trust, qinzhou):
    trust(feed_of(revoked_kids=[qinzhou["kid"]]))
    response = verify(foreign_qr(qinzhou))
    assert (response.json["verdict"], codes(response)) == ("deny", ["key_revoked"])


def test_a_pass_of_an_area_not_on_the_trust_list_is_an_unknown_issuer(app, verify, trust,
                                                                      qinzhou):
    trust(feed_of())
    response = verify(foreign_qr(qinzhou, jti="440800000001"))
    assert (response.json["verdict"], codes(response)) == ("deny", ["unknown_issuer"])
    message = response.json["reasons"][0]["message"]
    assert "not a recognised issuer" in message.lower() and "forged" not in message
    with app.app_context():
        assert db.session.scalars(select(Scan.verdict)).all() == ["deny"]


def test_a_foreign_pass_signed_with_another_key_is_refused(verify, trust, qinzhou):
    trust(feed_of())
    stranger = {"key": crypto.generate_private_key(), "kid": qinzhou["kid"]}
    assert codes(verify(foreign_qr(stranger))) == ["bad_signature"]
    unknown = {"key": crypto.generate_private_key(), "kid": "zzz"}
    assert codes(verify(foreign_qr(unknown))) == ["unknown_key"]


def test_a_local_pass_still_verifies_with_local_keys_when_a_foreign_kid_collides(
        verify, trust, qinzhou, make_pass):
    trust(feed_of())
    local = make_pass()
    assert local.kid == qinzhou["kid"]
    assert verify(local.qr_text).json["verdict"] == "pass"
    # Qinzhou's key cannot sign for Beihai's numbers.
    forged = foreign_qr(qinzhou, jti="450500999999")
    assert codes(verify(forged)) == ["bad_signature"]


def test_route_plate_and_copy_rules_apply_to_foreign_passes(verify, trust, qinzhou):
    trust(feed_of(routes={NUMBER: ["450521"]}))
    qr = foreign_qr(qinzhou)
    assert codes(verify(qr, plate="桂N99999")) == ["plate_mismatch"]
    assert codes(verify(qr, checkpoint="CP-HEPU")) == ["possible_copy"]  # via 450521: on route


def test_a_foreign_pass_off_its_route_is_checked(verify, trust, qinzhou):
    trust(feed_of())
    assert codes(verify(foreign_qr(qinzhou), checkpoint="CP-HEPU")) == ["off_route"]


def test_the_offline_bundle_carries_each_issuers_keys_and_feed(app, trust, qinzhou):
    feed = feed_of(revoked=[NUMBER])
    trust(feed)
    with app.app_context():
        issuers = bundle_payload(utcnow())["issuers"]
    assert issuers[AREA]["name"] == "钦州市"
    assert issuers[AREA]["jwks"] == qinzhou["jwks"]
    assert issuers[AREA]["feed"]["revoked"] == [NUMBER]
    assert issuers[AREA]["feed"]["generated_at"] == feed["generated_at"]


def schema(name: str) -> dict:
    return document()["components"]["schemas"][name]


def test_openapi_describes_the_foreign_verify_answer(verify, trust, qinzhou):
    trust(feed_of())
    answer = verify(foreign_qr(qinzhou)).json
    result = schema("VerifyResult")["properties"]
    assert set(answer) <= set(result)
    enterprise = result["enterprise"]["oneOf"][0]["properties"]
    assert set(answer["enterprise"]) <= set(enterprise)
    issuer = result["issuer"]["oneOf"][1]
    assert set(answer["issuer"]) == set(issuer["required"]) == set(issuer["properties"])
    description = document()["paths"]["/api/v1/verify"]["post"]["description"]
    assert "unknown_issuer" in description and "issuer_status_stale" in description


def test_openapi_describes_the_bundle_and_feed_fields(app, trust, qinzhou):
    trust(feed_of())
    with app.app_context():
        bundle = bundle_payload(utcnow())
        feed = feed_payload(utcnow())
    assert set(bundle) <= set(schema("OfflineBundle")["properties"])
    issuer_entry = schema("OfflineBundle")["properties"]["issuers"]["additionalProperties"]
    assert set(bundle["issuers"][AREA]) == set(issuer_entry["required"])
    assert set(feed) <= set(schema("StatusFeed")["properties"])


def test_an_uploaded_offline_scan_of_a_foreign_pass_is_judged_as_online(
        app, client, officer_headers, trust, qinzhou):
    trust(feed_of(colours={ENTERPRISE: "yellow"}))
    scan = {"id": str(uuid.uuid4()), "qr": foreign_qr(qinzhou), "checkpoint": "CP-HAICHENG",
            "verdict": "check", "reasons": ["enterprise_yellow"],
            "scanned_at": utcnow().isoformat()}
    response = client.post("/api/v1/scans", json={"scans": [scan]}, headers=officer_headers)
    assert response.json["accepted"] == 1
    with app.app_context():
        stored = db.session.scalars(select(Scan)).one()
        assert (stored.verdict, stored.pass_number, stored.enterprise_code) == (
            "check", NUMBER, ENTERPRISE)


def test_the_feed_holds_a_holder_whose_latest_test_is_positive(app, make_pass):
    positive = make_pass(test_result="positive")
    cleared = make_pass()
    with app.app_context():
        holds = feed_payload(utcnow())["holds"]
    assert positive.number in holds and cleared.number not in holds
