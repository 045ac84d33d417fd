"""Forged, altered and stale pass tokens are denied with the right reason, never a 500;
stolen, stale or misplaced bearer credentials get 401."""
import base64
import hashlib
import hmac
import json
import zlib
from datetime import timedelta

import jwt
import pytest
import sqlalchemy as sa

from accounts.models import ApiToken
from accounts.service import set_active
from core import crypto
from core.db import db, utcnow
from passtokens import keys
from passtokens.models import SigningKey


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segments(token: str) -> tuple[dict, dict, str]:
    """Header, inflated claims and signature of a pass token."""
    header, payload, signature = token.split(".")
    unb64 = crypto._unb64
    return json.loads(unb64(header)), json.loads(zlib.decompress(unb64(payload), -15)), signature


def compact(header: dict, claims: dict, signature: str = "") -> str:
    """A token of these parts, its payload deflated as a pass token's is."""
    encode = lambda part: json.dumps(part, separators=(",", ":")).encode()  # noqa: E731
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = packer.compress(encode(claims)) + packer.flush()
    return f"{b64(encode(header))}.{b64(payload)}.{signature}"


def alg_none(token, app):
    header, claims, _ = segments(token)
    return compact(header | {"alg": "none"}, claims)


def hs256_with(secret_of):
    """HS256 keyed with the published public key: the classic algorithm confusion."""

    def attack(token, app):
        header, claims, _ = segments(token)
        with app.app_context():
            jwk = db.session.get(SigningKey, header["kid"]).public_jwk
        secret = secret_of(jwk)
        unsigned = compact(header | {"alg": "HS256"}, claims)[:-1]
        digest = hmac.new(secret, unsigned.encode(), hashlib.sha256).digest()
        return f"{unsigned}.{b64(digest)}"

    return attack


def public_pem(jwk) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return crypto.public_key_from_jwk(jwk).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def forged_same_kid(token, app):
    header, claims, _ = segments(token)
    return crypto.sign(claims, crypto.generate_private_key(), header["kid"], deflate=True)


def forged_unknown_kid(token, app):
    _, claims, _ = segments(token)
    return crypto.sign(claims, crypto.generate_private_key(), "nobody-knows", deflate=True)


def edited_payload(token, app):
    header, claims, signature = segments(token)
    return compact(header, claims | {"p": "桂E99999"}, signature)


def truncated(token, app):
    return token[:-12]


def padded(token, app):
    return token + "=="


def payload_not_base64(token, app):
    """The genuine signature over a payload segment no base64url has the length of."""
    header, payload, signature = token.split(".")
    return f"{header}.{payload + 'A' * ((1 - len(payload)) % 4)}.{signature}"


def two_segments(token, app):
    return token.rsplit(".", 1)[0]


def bad_json_header(token, app):
    return b64(b"{not json") + token[token.index("."):]


def uncompressed(token, app):
    """The same claims signed by the real key, in the format before "zip": "DEF"."""
    header, claims, _ = segments(token)
    with app.app_context():
        key = db.session.get(SigningKey, header["kid"])
        return crypto.sign(claims, keys.private_key(key), key.kid)


ATTACKS = {
    "alg_none": (alg_none, {"bad_signature"}),
    "hs256_public_pem": (hs256_with(public_pem), {"bad_signature"}),
    "hs256_public_jwk": (hs256_with(lambda jwk: json.dumps(jwk).encode()), {"bad_signature"}),
    "forged_same_kid": (forged_same_kid, {"bad_signature"}),
    "forged_unknown_kid": (forged_unknown_kid, {"unknown_key"}),
    "edited_payload": (edited_payload, {"bad_signature"}),
    "truncated": (truncated, {"bad_signature", "malformed"}),
    "padded": (padded, {"malformed"}),
    "payload_not_base64": (payload_not_base64, {"malformed"}),
    "two_segments": (two_segments, {"malformed"}),
    "bad_json_header": (bad_json_header, {"malformed"}),
    "uncompressed": (uncompressed, {"malformed"}),
}


def numeric(token: str) -> str:
    """The QR text for any string, even one to_qr_text would refuse to write."""
    return "LP:/" + "".join(f"{ord(char) - 45:02d}" for char in token)


def verify(client, headers, qr_text):
    return client.post("/api/v1/verify", headers=headers,
                       json={"qr": qr_text, "checkpoint": "CP-HAICHENG"})


@pytest.mark.parametrize("attack", ATTACKS)
def test_verify_denies_an_attacked_token_with_its_reason(app, client, make_pass,
                                                         officer_headers, attack):
    make, reasons = ATTACKS[attack]
    genuine = make_pass()
    response = verify(client, officer_headers, numeric(make(genuine.token, app)))
    assert response.status_code == 200, response.text
    assert response.json["verdict"] == "deny"
    codes = {reason["code"] for reason in response.json["reasons"]}
    assert codes and codes <= reasons, codes


def test_the_genuine_token_passes_so_the_attacks_are_what_fails(client, make_pass,
                                                                officer_headers):
    assert verify(client, officer_headers, make_pass().qr_text).json["verdict"] == "pass"


def test_verify_denies_an_expired_pass(client, make_pass, officer_headers):
    stale = make_pass(valid_from_h=-72, valid_until_h=-1)
    response = verify(client, officer_headers, stale.qr_text)
    assert response.json["verdict"] == "deny"
    assert "expired" in {reason["code"] for reason in response.json["reasons"]}


@pytest.mark.parametrize("qr_text", ["", "LP:/", "LP:/1", "LP:/" + "9" * 40, "eyJ.eyJ.sig",
                                     "LP:/" + "0" * 7000, "\u0000\ufffd", "LP:/-1"])
def test_verify_never_fails_on_garbage(client, officer_headers, checkpoints, qr_text):
    response = verify(client, officer_headers, qr_text)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert response.json["verdict"] == "deny"


# Bearer tokens ------------------------------------------------------------------------


def test_a_random_bearer_token_is_refused(client):
    response = client.get("/api/v1/passes", headers={"Authorization": "Bearer " + "x" * 43})
    assert response.status_code == 401


@pytest.mark.parametrize("spoil", ["expire", "revoke", "deactivate"])
def test_a_spoilt_bearer_token_is_refused(app, client, make_user, token_for, spoil):
    user = make_user("admin")
    headers = token_for(user)
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 200
    if spoil == "revoke":
        assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 204
    else:
        with app.app_context():
            if spoil == "expire":
                db.session.execute(sa.update(ApiToken).values(
                    expires_at=utcnow() - timedelta(seconds=1)))
            else:
                set_active(user.username, False, "test")
            db.session.commit()
    response = client.get("/api/v1/enterprises", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_the_session_cookie_opens_no_api(client, make_user, login):
    login(make_user("admin"))
    assert client.get("/api/v1/enterprises").status_code == 401
    assert client.post("/api/v1/passes", json={}).status_code == 401


def test_a_jwt_pass_token_is_not_a_bearer_token(client, make_pass):
    genuine = make_pass()
    response = client.get("/api/v1/passes", headers={"Authorization": f"Bearer {genuine.token}"})
    assert response.status_code == 401


def test_hs256_signing_with_a_pem_key_is_refused_by_the_library_too():
    # PyJWT itself refuses to use an asymmetric key as an HMAC secret.
    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode({"a": 1}, public_pem(crypto.public_jwk(
            crypto.generate_private_key().public_key(), "k")), algorithm="HS256")
