"""GET /api/v1/offline-bundle: a signed snapshot of live status for offline checkpoints."""
import time
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, String, cast, column, insert, literal, select, update

from checkpoints.bundle import offline_bundle
from core import crypto
from core.db import UTCDateTime, db, utcnow
from passes.models import Pass
from passes.revocation import revoke_key
from passtokens import keys
from whitelist.models import Enterprise

URL = "/api/v1/offline-bundle"
CONTRACT_KEYS = {"generated_at", "max_age_s", "colours", "states", "revoked", "revoked_kids",
                 "jwks"}


def read_bundle(client, headers) -> tuple[dict, dict]:
    """The bundle's header and payload, verified against the published JWKS."""
    response = client.get(URL, headers=headers)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    jws = response.json["jws"]
    published = {jwk["kid"]: crypto.public_key_from_jwk(jwk)
                 for jwk in client.get("/.well-known/jwks.json").json["keys"]}
    return crypto.read_header(jws), crypto.verify(jws, published)


def test_bundle_is_signed_with_the_current_pass_key_and_verifies_with_the_jwks(
        app, client, officer_headers):
    header, payload = read_bundle(client, officer_headers)
    with app.app_context():
        assert header == {"alg": "ES256", "kid": keys.signing_key().kid}
        assert payload["jwks"] == keys.jwks()
    assert set(payload) >= CONTRACT_KEYS
    assert set(payload) - CONTRACT_KEYS == {"colour_policy", "people", "test_window_s",
                                            "names", "routes", "checkpoints", "handed_over",
                                            "area", "issuers", "crew"}
    assert payload["test_window_s"] == 48 * 3600
    generated = datetime.fromisoformat(payload["generated_at"])
    assert generated.tzinfo is not None
    assert abs(generated - utcnow()) < timedelta(minutes=1)
    assert payload["max_age_s"] == app.config["OFFLINE_MAX_AGE_SECONDS"]


def test_bundle_holds_colours_states_revocations_and_holders(app, client, officer_headers,
                                                             make_enterprise, make_pass):
    red = make_enterprise(colour="red")
    pending = make_enterprise(state="pending")
    valid = make_pass(red, health_code="yellow", holder_test_age_h=5)
    revoked = make_pass(red, revoked=True)
    make_pass(red, revoked=True, valid_from_h=-100, valid_until_h=-1)  # revoked and expired
    with app.app_context():
        retired = keys.signing_key().kid
        keys.create_key("test")
        revoke_key(retired, "test")
    _, payload = read_bundle(client, officer_headers)
    assert payload["colours"] == {red.code: "red"}
    assert payload["names"] == {red.code: red.name}
    assert payload["states"] == {red.code: "approved", pending.code: "pending"}
    assert payload["revoked"] == [revoked.number]
    assert payload["revoked_kids"] == [retired]
    assert retired not in {jwk["kid"] for jwk in payload["jwks"]["keys"]}
    holder = payload["people"][valid.number]
    assert holder["health_code"] == "yellow"
    assert abs(time.time() - 5 * 3600 - holder["test_sampled_at"]) < 60
    assert set(payload["people"]) == {valid.number}
    assert payload["colour_policy"]["red"]["verdict"] == "deny"
    assert payload["colour_policy"]["yellow"]["reason_code"] == "enterprise_yellow"


def test_colour_change_shows_in_the_next_bundle(app, client, officer_headers, make_enterprise):
    enterprise = make_enterprise()
    with app.app_context():
        db.session.execute(update(Enterprise).values(colour="yellow"))
        db.session.commit()
    assert read_bundle(client, officer_headers)[1]["colours"] == {enterprise.code: "yellow"}


def test_only_officers_get_the_bundle(client, make_user, token_for):
    assert client.get(URL, headers=token_for(make_user("admin"))).status_code == 403
    assert client.get(URL).status_code == 401


def test_bundle_of_a_large_city_lists_every_enterprise_and_revoked_pass(app, make_pass):
    """Its build time is measured in bench/, not here."""
    make_pass()  # a signing key, an enterprise and a person to hang the passes on
    now = utcnow()
    with app.app_context():
        _fill(now)
        jws = offline_bundle()
    payload = crypto.verify(jws, _published(app), check_time=False)
    assert len(payload["revoked"]) == 100_000 and len(payload["states"]) == 10_001


def _fill(now: datetime) -> None:
    """10,000 enterprises and 100,000 revoked passes, generated inside the database."""
    template = db.session.scalars(select(Pass)).one()
    at = literal(now, UTCDateTime)
    db.session.execute(insert(Enterprise).from_select(
        ["code", "name", "address", "contact_name", "contact_phone", "state", "colour",
         "created_at", "updated_at"],
        select(_digits(914505000000000000), _digits(0), literal("北海"), literal("王"),
               literal("13800000000"), literal("approved"), literal("green"), at, at)
        .select_from(_numbers(10_000))))
    db.session.execute(insert(Pass).from_select(
        ["number", "kind", "enterprise_id", "person_id", "plate", "origin", "destination",
         "valid_from", "valid_until", "holder_name", "id_last4", "test_sampled_at", "kid",
         "token", "holder_secret", "created_at", "created_by", "revoked_at"],
        select(_digits(450512000000), literal("vehicle"), literal(template.enterprise_id),
               literal(template.person_id), literal("桂E12345"), literal("450502"),
               literal("450521"), at, literal(now + timedelta(days=5), UTCDateTime),
               literal("张*明"), literal("1234"), at, literal(template.kid), literal("x"),
               _digits(0), at, literal("bench"), at)
        .select_from(_numbers(100_000))))
    db.session.commit()


def _numbers(count: int):
    numbers = select(literal(0, BigInteger).label("i")).cte("numbers", recursive=True)
    return numbers.union_all(select(numbers.c.i + 1).where(numbers.c.i < count - 1))


def _digits(base: int):
    """base + i as text: 12- or 18-digit codes, or unique secrets when base is 0."""
    return cast(literal(base, BigInteger) + column("i", BigInteger), String)


def _published(app) -> dict:
    with app.app_context():
        return keys.verification_keys()
