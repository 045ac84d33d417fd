import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from core import crypto
from core.crypto import (
    BadSignature,
    KeyDecryptionError,
    MalformedToken,
    TokenError,
    TokenExpired,
    TokenNotYetValid,
    UnknownKey,
)

NOW = 1_658_300_000
KID = "k1abcdef"


@pytest.fixture(scope="module")
def private_key():
    return crypto.generate_private_key()


@pytest.fixture(scope="module")
def keys(private_key):
    return {KID: private_key.public_key()}


@pytest.fixture
def claims():
    return {
        "jti": "450500000123",
        "nbf": NOW - 3600,
        "exp": NOW + 86400,
        "k": 1,
        "e": "91450500MA5KXXXX0X",
        "p": "桂E12345",
        "n": "张*明",
        "i": "002X",
        "t": NOW - 7200,
        "c": 2,
        "o": 450502,
        "d": 450521,
    }


@pytest.fixture
def token(claims, private_key):
    return crypto.sign(claims, private_key, KID)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict, claims: dict, signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}.{b64(signature)}"


def test_sign_then_verify_returns_the_claims(token, keys, claims):
    assert crypto.verify(token, keys, now=NOW) == claims


def test_header_is_exactly_alg_and_kid(token):
    assert crypto.read_header(token) == {"alg": "ES256", "kid": KID}
    raw_header = base64.urlsafe_b64decode(token.split(".")[0] + "==")
    assert json.loads(raw_header) == {"alg": "ES256", "kid": KID}


def test_payload_is_utf8_json_not_escaped(token):
    payload = base64.urlsafe_b64decode(token.split(".")[1] + "==")
    assert "桂E12345".encode() in payload
    assert b"\\u" not in payload


def test_new_kid_is_short_and_random():
    kids = [crypto.new_kid() for _ in range(200)]
    assert all(len(kid) == crypto.KID_LENGTH == 3 for kid in kids)
    assert len(set(kids)) > 190  # 62**3 ids: a few clashes at most (keys.create_key retries)


def test_new_kid_is_letters_and_digits_so_the_cli_never_reads_it_as_an_option():
    assert all(crypto.new_kid().isalnum() for _ in range(2000))


def test_tampered_payload_is_bad_signature(token, keys, claims):
    header, _, signature = token.split(".")
    forged = f"{header}.{b64(json.dumps({**claims, 'p': '桂E99999'}).encode())}.{signature}"
    with pytest.raises(BadSignature):
        crypto.verify(forged, keys, now=NOW)


def test_signature_from_another_key_is_bad_signature(claims, keys):
    other = crypto.sign(claims, crypto.generate_private_key(), KID)
    with pytest.raises(BadSignature):
        crypto.verify(other, keys, now=NOW)


def test_unknown_kid_is_unknown_key(claims, private_key, keys):
    with pytest.raises(UnknownKey):
        crypto.verify(crypto.sign(claims, private_key, "nosuchid"), keys, now=NOW)


def test_missing_kid_is_unknown_key(claims, private_key, keys):
    token = jwt.encode(claims, private_key, algorithm="ES256")
    with pytest.raises(UnknownKey):
        crypto.verify(token, keys, now=NOW)


def test_alg_none_is_bad_signature(claims, keys):
    with pytest.raises(BadSignature):
        crypto.verify(forge({"alg": "none", "kid": KID}, claims), keys, now=NOW)


def test_hs256_signed_with_public_key_pem_is_bad_signature(claims, private_key, keys):
    pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    unsigned = forge({"alg": "HS256", "kid": KID}, claims).rstrip(".")
    mac = hmac.new(pem, unsigned.encode(), hashlib.sha256).digest()
    with pytest.raises(BadSignature):
        crypto.verify(f"{unsigned}.{b64(mac)}", keys, now=NOW)


def test_truncated_tokens_are_malformed_or_bad_signature(token, keys):
    for end in range(len(token)):
        with pytest.raises((MalformedToken, BadSignature)):
            crypto.verify(token[:end], keys, now=NOW)


@pytest.mark.parametrize("extra", ["=", "==", "A", "AA", ".", ".A", " ", "\n"])
def test_padded_tokens_are_malformed_or_bad_signature(token, keys, extra):
    with pytest.raises((MalformedToken, BadSignature)):
        crypto.verify(token + extra, keys, now=NOW)
    with pytest.raises((MalformedToken, BadSignature)):
        crypto.verify(extra + token, keys, now=NOW)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "a.b", "....", "ey.ey.ey", "€.€.€"])
def test_garbage_header_is_malformed(garbage):
    with pytest.raises(MalformedToken):
        crypto.read_header(garbage)


def test_non_string_kid_is_malformed(claims, keys):
    with pytest.raises(MalformedToken):
        crypto.verify(forge({"alg": "ES256", "kid": ["x"]}, claims, b"s" * 64), keys, now=NOW)


def test_expired_pass_carries_its_claims(token, keys, claims):
    with pytest.raises(TokenExpired) as caught:
        crypto.verify(token, keys, now=claims["exp"])
    assert caught.value.claims == claims


def test_not_yet_valid_pass_carries_its_claims(token, keys, claims):
    with pytest.raises(TokenNotYetValid) as caught:
        crypto.verify(token, keys, now=claims["nbf"] - 1)
    assert caught.value.claims == claims


def test_leeway_and_check_time(token, keys, claims):
    assert crypto.verify(token, keys, now=claims["exp"] + 5, leeway=10) == claims
    assert crypto.verify(token, keys, now=claims["nbf"] - 5, leeway=10) == claims
    assert crypto.verify(token, keys, now=claims["exp"] + 10**6, check_time=False) == claims


def test_non_numeric_exp_is_malformed(claims, private_key, keys):
    with pytest.raises(MalformedToken):
        crypto.verify(crypto.sign({**claims, "exp": "soon"}, private_key, KID), keys, now=NOW)


def test_private_key_survives_encryption(private_key, claims, keys):
    blob = crypto.encrypt_private_key(private_key, b"s" * 32)
    restored = crypto.decrypt_private_key(blob, b"s" * 32)
    assert restored.private_numbers() == private_key.private_numbers()
    assert crypto.verify(crypto.sign(claims, restored, KID), keys, now=NOW) == claims


def test_encryption_is_randomised(private_key):
    assert crypto.encrypt_private_key(private_key, b"s") != crypto.encrypt_private_key(
        private_key, b"s"
    )


def test_wrong_secret_raises_key_decryption_error(private_key):
    blob = crypto.encrypt_private_key(private_key, b"right secret")
    with pytest.raises(KeyDecryptionError):
        crypto.decrypt_private_key(blob, b"wrong secret")


@pytest.mark.parametrize(
    "damage", [lambda b: b[:-1], lambda b: b[:10], lambda b: b"XXXX" + b[4:], lambda b: b""]
)
def test_damaged_blob_raises_key_decryption_error(private_key, damage):
    blob = crypto.encrypt_private_key(private_key, b"secret")
    with pytest.raises(KeyDecryptionError):
        crypto.decrypt_private_key(damage(blob), b"secret")


def test_jwk_has_the_published_fields(private_key):
    jwk = crypto.public_jwk(private_key.public_key(), KID)
    assert jwk.keys() == {"kty", "crv", "x", "y", "kid", "alg", "use"}
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"], jwk["kid"]) == (
        "EC",
        "P-256",
        "ES256",
        "sig",
        KID,
    )
    assert len(jwk["x"]) == len(jwk["y"]) == 43


def test_key_rebuilt_from_jwk_verifies(private_key, token, claims):
    jwk = json.loads(json.dumps(crypto.public_jwk(private_key.public_key(), KID)))
    assert crypto.verify(token, {KID: crypto.public_key_from_jwk(jwk)}, now=NOW) == claims


def test_jwk_matches_pyjwt_reading(private_key, token, claims):
    jwk = crypto.public_jwk(private_key.public_key(), KID)
    key = jwt.PyJWK(jwk).key
    assert jwt.decode(token, key, algorithms=["ES256"], options={"verify_exp": False}) == claims


@pytest.mark.parametrize(
    "jwk",
    [
        {},
        {"kty": "RSA"},
        {"kty": "EC", "crv": "P-384", "x": "", "y": ""},
        {"kty": "EC", "crv": "P-256"},
    ],
)
def test_foreign_jwk_is_refused(jwk):
    with pytest.raises(ValueError):
        crypto.public_key_from_jwk(jwk)


@settings(max_examples=300)
@given(st.text())
def test_random_text_only_raises_token_errors(keys, text):
    with pytest.raises(TokenError):
        crypto.verify(text, keys, now=NOW)


base64url_text = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=8,
)


@settings(max_examples=300)
@given(
    header=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"alg": st.sampled_from(["ES256", "none", "HS256"]), "kid": json_values}
        ),
    ),
    payload=st.one_of(json_values.map(lambda v: b64(json.dumps(v).encode())), base64url_text),
    signature=st.one_of(st.binary(max_size=80).map(b64), base64url_text),
)
def test_token_shaped_garbage_only_raises_token_errors(keys, header, payload, signature):
    with pytest.raises(TokenError):
        crypto.verify(f"{b64(json.dumps(header).encode())}.{payload}.{signature}", keys, now=NOW)
