"""Pass tokens: ES256 over a raw-DEFLATE payload with "zip": "DEF" (shared/CONTRACT.md)."""
import base64
import contextlib
import json
import zlib

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import crypto
from core.crypto import BadSignature, MalformedToken, TokenError
from passtokens.qr import from_qr_text
from tests.vectors import generate_server_token

NOW = 1_658_300_000
KID = "k1a"
CLAIMS = {
    "jti": "450500000123", "nbf": NOW - 3600, "exp": NOW + 86400, "k": 1,
    "e": "91450500MA5KXXXX0X", "p": "桂E12345", "n": "张*明", "i": "002X", "t": NOW - 7200,
    "c": 2, "o": 450502, "d": 450521,
}


@pytest.fixture(scope="module")
def private_key():
    return crypto.generate_private_key()


@pytest.fixture(scope="module")
def keys(private_key):
    return {KID: private_key.public_key()}


@pytest.fixture(scope="module")
def token(private_key):
    return crypto.sign(CLAIMS, private_key, KID, deflate=True)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def deflated(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def signed(private_key, header: dict, payload: bytes) -> str:
    """A genuinely signed token with any header and payload bytes."""
    return crypto.sign_compact(header, payload, private_key)


def test_pass_token_round_trips(token, keys):
    assert crypto.verify(token, keys, now=NOW, deflate=True) == CLAIMS


def test_header_is_exactly_alg_kid_and_zip_in_that_order(token):
    assert unb64(token.split(".")[0]) == b'{"alg":"ES256","kid":"k1a","zip":"DEF"}'


def test_payload_is_raw_deflate_of_compact_utf8_json(token):
    payload = zlib.decompress(unb64(token.split(".")[1]), -15)
    assert payload == json.dumps(CLAIMS, separators=(",", ":"), ensure_ascii=False).encode()


def test_compression_makes_the_token_shorter(private_key):
    assert len(crypto.sign(CLAIMS, private_key, KID, deflate=True)) < len(
        crypto.sign(CLAIMS, private_key, KID))


def test_pyjwt_checks_the_signature_of_a_pass_token(private_key, token):
    jwk = crypto.public_jwk(private_key.public_key(), KID)
    payload = jwt.api_jws.decode(token, jwt.PyJWK(jwk).key, algorithms=["ES256"])
    assert json.loads(zlib.decompress(payload, -15)) == CLAIMS


def test_tampered_compressed_payload_is_bad_signature(token, keys):
    header, _, signature = token.split(".")
    edited = deflated(json.dumps({**CLAIMS, "p": "桂E99999"}, ensure_ascii=False).encode())
    with pytest.raises(BadSignature):
        crypto.verify(f"{header}.{b64(edited)}.{signature}", keys, now=NOW, deflate=True)


def test_flipped_bit_in_compressed_payload_is_bad_signature(token, keys):
    header, payload, signature = token.split(".")
    raw = bytearray(unb64(payload))
    raw[5] ^= 1
    with pytest.raises(BadSignature):
        crypto.verify(f"{header}.{b64(bytes(raw))}.{signature}", keys, now=NOW, deflate=True)


def test_payload_inflating_beyond_the_cap_is_malformed(private_key, keys):
    bomb = deflated(b'{"jti":"' + b"0" * (crypto.MAX_INFLATED_BYTES * 100) + b'"}')
    assert len(bomb) < 1000  # it fits in a QR: only the cap stops it
    token = signed(private_key, {"alg": "ES256", "kid": KID, "zip": "DEF"}, bomb)
    with pytest.raises(MalformedToken, match="inflates beyond"):
        crypto.verify(token, keys, now=NOW, deflate=True)


def test_payload_just_under_the_cap_still_reads(private_key, keys):
    claims = {**CLAIMS, "x": "0" * (crypto.MAX_INFLATED_BYTES - 300)}
    token = crypto.sign(claims, private_key, KID, deflate=True)
    assert crypto.verify(token, keys, now=NOW, deflate=True) == claims


def test_token_issued_before_compression_is_malformed(private_key, keys):
    """Tokens without "zip" predate this format; no deployment holds any, so one format."""
    plain = crypto.sign(CLAIMS, private_key, KID)
    with pytest.raises(MalformedToken, match="zip"):
        crypto.verify(plain, keys, now=NOW, deflate=True)


def test_compressed_token_where_plain_json_is_due_is_malformed(token, keys):
    with pytest.raises(MalformedToken, match="zip"):
        crypto.verify(token, keys, now=NOW)


@pytest.mark.parametrize("payload", [
    b"not deflate at all \xff\xfe",
    deflated(json.dumps(CLAIMS).encode())[:-3],  # the stream cut short
    deflated(json.dumps(CLAIMS).encode()) + b"trailing",
    deflated(b"[1, 2, 3]"),
    deflated(b"\xff not json"),
])
def test_signed_but_broken_compressed_payload_is_malformed(private_key, keys, payload):
    token = signed(private_key, {"alg": "ES256", "kid": KID, "zip": "DEF"}, payload)
    with pytest.raises(MalformedToken):
        crypto.verify(token, keys, now=NOW, deflate=True)


def test_unknown_zip_algorithm_is_malformed(private_key, keys):
    token = signed(private_key, {"alg": "ES256", "kid": KID, "zip": "GZIP"},
                   deflated(json.dumps(CLAIMS).encode()))
    with pytest.raises(MalformedToken, match="zip"):
        crypto.verify(token, keys, now=NOW, deflate=True)


def test_forged_token_without_zip_reads_as_bad_signature_not_malformed(token, keys):
    """The signature is checked first, so a forgery is never excused as a format error."""
    _, payload, signature = token.split(".")
    header = b64(json.dumps({"alg": "ES256", "kid": KID}).encode())
    with pytest.raises(BadSignature):
        crypto.verify(f"{header}.{payload}.{signature}", keys, now=NOW, deflate=True)


def test_peek_reads_kid_and_jti_of_a_pass_token(token):
    assert crypto.peek(token) == (KID, CLAIMS["jti"])


def test_peek_of_a_bomb_gives_nothing(private_key):
    bomb = deflated(b"[" + b"0," * crypto.MAX_INFLATED_BYTES * 10 + b"0]")
    assert crypto.peek(signed(private_key, {"alg": "ES256", "kid": KID, "zip": "DEF"}, bomb)) \
        == (None, None)


@settings(max_examples=200)
@given(payload=st.binary(max_size=300))
def test_signed_random_compressed_bytes_only_raise_token_errors(private_key, keys, payload):
    token = signed(private_key, {"alg": "ES256", "kid": KID, "zip": "DEF"}, payload)
    with contextlib.suppress(TokenError):
        crypto.verify(token, keys, now=NOW, deflate=True)


def test_server_token_fixture_for_the_js_verifier_is_a_current_pass_token():
    fixture = json.loads(generate_server_token.PATH.read_text(encoding="utf-8"))
    keys = {jwk["kid"]: crypto.public_key_from_jwk(jwk) for jwk in fixture["jwks"]["keys"]}
    claims = crypto.verify(from_qr_text(fixture["qr_text"]), keys, now=fixture["now"],
                           deflate=True)
    assert claims == fixture["claims"] == generate_server_token.CLAIMS


@pytest.mark.parametrize("trailing", [b"\x00", b"\x00\x00", b"\x03\x00"])
def test_any_byte_after_the_deflate_stream_is_malformed(private_key, keys, trailing):
    """static/js/scan/jws.js inflateRaw refuses the same (tests/js/jws.test.mjs)."""
    token = signed(private_key, {"alg": "ES256", "kid": KID, "zip": "DEF"},
                   deflated(json.dumps(CLAIMS).encode()) + trailing)
    with pytest.raises(MalformedToken, match="one whole"):
        crypto.verify(token, keys, now=NOW, deflate=True)


def not_base64(segment: str) -> str:
    """The segment made 1 more than a multiple of 4 characters long: never base64url."""
    return segment + "A" * ((1 - len(segment)) % 4)


@pytest.mark.parametrize("segment", [0, 1, 2])
def test_a_segment_that_is_not_base64url_is_malformed_before_the_signature(token, keys,
                                                                            segment):
    """RFC 7515 section 5.2: every segment decodes before the signature is checked, so the
    genuine signature over a broken payload segment is malformed, not a bad signature."""
    parts = token.split(".")
    parts[segment] = not_base64(parts[segment])
    with pytest.raises(MalformedToken, match="base64url|JSON"):
        crypto.verify(".".join(parts), keys, now=NOW, deflate=True)


def test_a_broken_payload_segment_is_malformed_even_with_an_unknown_key(token):
    header, payload, signature = token.split(".")
    with pytest.raises(MalformedToken):
        crypto.verify(f"{header}.{not_base64(payload)}.{signature}", {}, now=NOW, deflate=True)
