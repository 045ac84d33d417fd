"""Pass signing keys and the ES256 compact JWS that a pass carries."""

import base64
import json
import os
import re
import secrets
import string
import time
import zlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALGORITHM = "ES256"
_BLOB_MAGIC = b"LPK1"
_SECRET_MAGIC = b"LPS1"
_SALT_LEN = 16
_NONCE_LEN = 12
_P256_BYTES = 32  # an ES256 signature is r and s, each this long
# Canonical compact form only: no padding, no whitespace, three segments.
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
# Raw DEFLATE (RFC 1951, no zlib header), as SMART Health Cards compress their payloads.
_RAW_DEFLATE = -15
# A pass's claims inflate to about 200 bytes and a QR symbol holds under 3,600 token
# characters, so anything inflating past this is a decompression bomb, not a pass.
MAX_INFLATED_BYTES = 8192


class KeyDecryptionError(Exception):
    """The stored private key could not be decrypted with this secret."""


class TokenError(Exception):
    """A pass token was refused."""


class MalformedToken(TokenError):
    """Not a compact JWS, or its base64 or JSON is broken."""


class UnknownKey(TokenError):
    """The token names no kid, or one we do not publish."""


class BadSignature(TokenError):
    """The signature does not verify, or the algorithm is not ES256."""


class _TimeError(TokenError):
    def __init__(self, message: str, claims: dict[str, Any]):
        super().__init__(message)
        self.claims = claims


class TokenExpired(_TimeError):
    """Genuine, but past its exp; `.claims` holds the verified claims."""


class TokenNotYetValid(_TimeError):
    """Genuine, but before its nbf; `.claims` holds the verified claims."""


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    """Make a new P-256 signing key."""
    return ec.generate_private_key(ec.SECP256R1())


_KID_ALPHABET = string.ascii_letters + string.digits
# Three characters (238,328 ids) are plenty for the keys one deployment ever makes, and each
# character more costs QR space in every pass (bench/RESULTS.md, "QR rendering and size").
KID_LENGTH = 3


def new_kid() -> str:
    """A short random key id of letters and digits: safe in URLs and never read as a
    command-line option (a url-safe token may start with '-')."""
    return "".join(secrets.choice(_KID_ALPHABET) for _ in range(KID_LENGTH))


# AES-GCM rather than Fernet: one authenticated primitive, and the blob can
# bind a format tag as associated data. HKDF (not a password KDF) is enough
# because the secret is a generated random value, never a human password; a
# fresh salt per blob gives a fresh AES key, so random nonces cannot collide.
def _blob_key(secret: bytes, salt: bytes, info: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info)
    return hkdf.derive(secret)


def _seal(data: bytes, secret: bytes, magic: bytes, info: bytes) -> bytes:
    salt, nonce = os.urandom(_SALT_LEN), os.urandom(_NONCE_LEN)
    return magic + salt + nonce + AESGCM(_blob_key(secret, salt, info)).encrypt(nonce, data, magic)


def _unseal(blob: bytes, secret: bytes, magic: bytes, info: bytes) -> bytes:
    header_len = len(magic) + _SALT_LEN + _NONCE_LEN
    if not blob.startswith(magic) or len(blob) <= header_len:
        raise KeyDecryptionError("not an encrypted blob of this kind")
    salt = blob[len(magic) : len(magic) + _SALT_LEN]
    nonce = blob[len(magic) + _SALT_LEN : header_len]
    try:
        return AESGCM(_blob_key(secret, salt, info)).decrypt(nonce, blob[header_len:], magic)
    except InvalidTag:
        raise KeyDecryptionError("wrong secret or damaged blob") from None


def encrypt_private_key(key: ec.EllipticCurvePrivateKey, secret: bytes) -> bytes:
    """Encrypt a private key (PKCS8 DER) for storage at rest."""
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return _seal(der, secret, _BLOB_MAGIC, b"pass signing key")


def decrypt_private_key(blob: bytes, secret: bytes) -> ec.EllipticCurvePrivateKey:
    """Decrypt a blob from `encrypt_private_key`; raise KeyDecryptionError."""
    der = _unseal(blob, secret, _BLOB_MAGIC, b"pass signing key")
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeyDecryptionError("blob does not hold an EC key")
    return key


def encrypt_secret(plain: str, secret: bytes) -> bytes:
    """Encrypt a shared secret (a webhook's signing secret) for storage at rest."""
    return _seal(plain.encode(), secret, _SECRET_MAGIC, b"shared secret")


def decrypt_secret(blob: bytes, secret: bytes) -> str:
    """Decrypt a blob from `encrypt_secret`; raise KeyDecryptionError."""
    return _unseal(blob, secret, _SECRET_MAGIC, b"shared secret").decode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(public_key: ec.EllipticCurvePublicKey, kid: str) -> dict[str, str]:
    """Return the public key as a JWK for the JWKS."""
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64(numbers.x.to_bytes(32, "big")),
        "y": _b64(numbers.y.to_bytes(32, "big")),
        "kid": kid,
        "alg": ALGORITHM,
        "use": "sig",
    }


def public_key_from_jwk(jwk: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    """Rebuild a P-256 public key from a JWK; raise ValueError if it is not one."""
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or not {"x", "y"} <= jwk.keys():
        raise ValueError("not an EC P-256 JWK")
    x, y = (int.from_bytes(_unb64(jwk[name]), "big") for name in ("x", "y"))
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def sign(claims: dict[str, Any], private_key: ec.EllipticCurvePrivateKey, kid: str, *,
         deflate: bool = False) -> str:
    """Sign claims as an ES256 compact JWS with header {"alg", "kid"}, plus "zip": "DEF"
    and a raw-DEFLATE payload when `deflate` (pass tokens: shared/CONTRACT.md)."""
    # UTF-8 JSON instead of \u escapes: a CJK character costs 3 bytes rather than 6,
    # and every plate and name has some (bench/RESULTS.md).
    payload = _compact_json(claims)
    header = {"alg": ALGORITHM, "kid": kid}
    if deflate:
        header["zip"] = "DEF"
        packer = zlib.compressobj(zlib.Z_BEST_COMPRESSION, zlib.DEFLATED, _RAW_DEFLATE)
        payload = packer.compress(payload) + packer.flush()
    return sign_compact(header, payload, private_key)


def sign_compact(header: dict[str, Any], payload: bytes,
                 private_key: ec.EllipticCurvePrivateKey) -> str:
    """ES256-sign any header and payload bytes as a compact JWS (RFC 7515)."""
    signing_input = f"{_b64(_compact_json(header))}.{_b64(payload)}"
    der = private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    # JWS carries r and s side by side, not the DER sequence the library returns.
    r_s = b"".join(half.to_bytes(_P256_BYTES, "big") for half in decode_dss_signature(der))
    return f"{signing_input}.{_b64(r_s)}"


def _compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def read_header(token: str) -> dict[str, Any]:
    """Return the unverified JOSE header; raise MalformedToken on garbage."""
    return _header(_segments(token)[0])


@lru_cache(maxsize=64)
def peek(token: str) -> tuple[str | None, str | None]:
    """The (kid, jti) a token claims, unverified: only to find what to verify it against.

    Anything unreadable gives None; verify() says what is wrong with it. Kept for the few
    tokens seen last: a verify asks twice, for its checkpoint read and its registry read.
    """
    try:
        header, payload, _ = _decoded_segments(token)
        kid, jti = header.get("kid"), _payload(header, payload).get("jti")
    except (MalformedToken, AttributeError):
        return None, None
    return kid, (jti if isinstance(jti, str) else None)


def verify(
    token: str,
    public_keys: Mapping[str, ec.EllipticCurvePublicKey],
    *,
    leeway: int = 0,
    check_time: bool = True,
    now: int | None = None,
    deflate: bool = False,
) -> dict[str, Any]:
    """Verify an ES256 token and return its claims; with `deflate`, a pass token: the header
    must say "zip": "DEF" and the payload is inflated (shared/CONTRACT.md).

    RFC 7515 compact serialization, checked in this order: the shape, every segment's
    base64url and the header's JSON (RFC 7515 section 5.2), the key, the signature, and only
    then the payload's content, so a forgery reads as a bad signature. static/js/scan/jws.js
    verifyJws checks in the same order.
    Not PyJWT: it re-checks every base64 character in Python, which took a third of a
    verification's time (bench/RESULTS.md), and it does not inflate payloads.
    """
    header, payload, signature = _decoded_segments(token)
    if header.get("alg") != ALGORITHM:
        raise BadSignature(f"algorithm {header.get('alg')!r} is not {ALGORITHM}")
    key = public_keys.get(header.get("kid", ""))
    if key is None:
        raise UnknownKey(f"no published key {header.get('kid')!r}")
    if len(signature) != 2 * _P256_BYTES:
        raise BadSignature("an ES256 signature is r and s, 32 bytes each")
    r, s = (int.from_bytes(half, "big")
            for half in (signature[:_P256_BYTES], signature[_P256_BYTES:]))
    try:
        key.verify(encode_dss_signature(r, s), token.rpartition(".")[0].encode(),
                   ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise BadSignature("signature does not match") from None
    # Genuine, but in the other format: a pass token issued before compression, or a
    # compressed one where plain JSON is due.
    if ("zip" in header) != deflate:
        raise MalformedToken('"zip": "DEF" expected' if deflate else "unexpected zip header")
    claims = _payload(header, payload)
    if not isinstance(claims, dict):
        raise MalformedToken("the payload is not a JSON object")
    if check_time:
        # Late or early passes keep their claims on the error.
        _check_window(claims, int(time.time()) if now is None else now, leeway)
    return claims


def _segments(token: str) -> list[str]:
    if not isinstance(token, str) or not _COMPACT_JWS.fullmatch(token):
        raise MalformedToken("not a compact JWS")
    return token.split(".")


def _decoded_segments(token: str) -> tuple[dict[str, Any], bytes, bytes]:
    """The header's JSON and the payload's and signature's bytes, before any key is used:
    text that is not three base64url segments is not a JWS at all, so malformed (never a
    bad signature) whatever the key would say."""
    header_segment, payload_segment, signature_segment = _segments(token)
    return _header(header_segment), _decoded(payload_segment), _decoded(signature_segment)


def _decoded(segment: str) -> bytes:
    try:
        return _unb64(segment)
    except ValueError:  # binascii.Error
        raise MalformedToken("a segment is not base64url") from None


def _json(segment: str) -> Any:
    return _loads(_decoded(segment))


def _loads(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError
        raise MalformedToken("a segment is not JSON") from None


def _payload(header: dict[str, Any], payload: bytes) -> Any:
    """The payload's JSON, inflated first when the header says "zip": "DEF"."""
    if "zip" not in header:
        return _loads(payload)
    if header["zip"] != "DEF":
        raise MalformedToken(f"unknown zip {header['zip']!r}")
    return _loads(_inflated(payload))


def _inflated(data: bytes) -> bytes:
    inflater = zlib.decompressobj(_RAW_DEFLATE)
    try:
        inflated = inflater.decompress(data, MAX_INFLATED_BYTES)
    except zlib.error:
        raise MalformedToken("the payload is not raw DEFLATE") from None
    if inflater.unconsumed_tail:
        raise MalformedToken(f"the payload inflates beyond {MAX_INFLATED_BYTES} bytes")
    if not inflater.eof or inflater.unused_data:
        raise MalformedToken("the payload is not one whole DEFLATE stream")
    return inflated


def _header(segment: str) -> dict[str, Any]:
    header = _json(segment)
    if not isinstance(header, dict):
        raise MalformedToken("the header is not a JSON object")
    if not isinstance(header.get("kid", ""), str):
        raise MalformedToken("kid is not a string")
    return header


def _check_window(claims: dict[str, Any], now: int, leeway: int) -> None:
    """Apply PyJWT's exp/nbf rules, keeping the claims on the error."""
    for name in ("exp", "nbf"):
        value = claims.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise MalformedToken(f"{name} is not a number")
    if "exp" in claims and claims["exp"] <= now - leeway:
        raise TokenExpired("pass has expired", claims)
    if "nbf" in claims and claims["nbf"] > now + leeway:
        raise TokenNotYetValid("pass is not yet valid", claims)
