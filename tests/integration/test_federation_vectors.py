"""The foreign-pass vectors (tests/vectors/foreign.json) through the server's own path:
checkpoints.judging.check at a fixed clock, with the issuer and its feed stored as a sync
stores them. tests/js/foreign.test.mjs runs the same cases through the scanning page's rules."""
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkpoints.judging import check
from core import crypto
from core.db import db
from federation.models import IssuerFeed, TrustedIssuer
from passtokens.qr import to_qr_text

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "foreign.json").read_text())
NOW = datetime.fromtimestamp(VECTORS["now"], UTC)
HOUR = 3600


def substitute(value, names):
    """The vectors' placeholders (NUMBER, KID, ENTERPRISE) replaced by their values."""
    text = json.dumps(value)
    for placeholder, actual in names.items():
        text = text.replace(f'"{placeholder}"', json.dumps(actual))
    return json.loads(text)


def feed_for(case, names):
    if "feed" in case and case["feed"] is None:
        return None
    feed = {"issuer": VECTORS["issuer"]["area"], "max_age_s": 900,
            "generated_at": (NOW - timedelta(seconds=case.get("feed_age_s", 60))).isoformat(),
            "colours": {"ENTERPRISE": "green"}, "states": {"ENTERPRISE": "approved"},
            "revoked": [], "revoked_kids": [], "holds": [], **case.get("feed", {})}
    return substitute(feed, names)


def pass_token(case, issuer_key):
    now = VECTORS["now"]
    claims = {"jti": VECTORS["number"], "e": VECTORS["enterprise"], "nbf": now - HOUR,
              "exp": now + 24 * HOUR, "t": now - 12 * HOUR, **VECTORS["claims"],
              **case.get("claims", {})}
    claims |= {name: now + hours * HOUR for name, hours in case.get("claims_h", {}).items()}
    key = crypto.generate_private_key() if case.get("signer") == "stranger" else issuer_key
    return crypto.sign(claims, key, case.get("kid", VECTORS["kid"]), deflate=True)


@pytest.fixture(scope="module")
def issuer_key():
    return crypto.generate_private_key()


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_foreign_vector(app, issuer_key, case):
    names = {"NUMBER": VECTORS["number"], "KID": VECTORS["kid"],
             "ENTERPRISE": VECTORS["enterprise"]}
    feed = feed_for(case, names)
    issuer = VECTORS["issuer"]
    with app.app_context():
        db.session.add(TrustedIssuer(
            area=issuer["area"], name=issuer["name"], feed_url="http://127.0.0.1:9/feed",
            jwks={"keys": [crypto.public_jwk(issuer_key.public_key(), VECTORS["kid"])]}))
        if feed is not None:
            db.session.add(IssuerFeed(area=issuer["area"], max_age_s=feed["max_age_s"],
                                      generated_at=datetime.fromisoformat(feed["generated_at"]),
                                      payload=feed))
        db.session.commit()
        result = check(to_qr_text(pass_token(case, issuer_key)), case.get("plate_seen"), NOW,
                       area=case.get("area", "450502"))
    assert (result.verdict, result.codes) == (case["expect"]["verdict"],
                                              case["expect"]["reasons"])
