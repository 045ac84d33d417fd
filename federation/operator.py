"""The trust-list operator's tools (a province or the nation): its key and the signed list."""
import hashlib
import json
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from core import crypto
from core.db import utcnow
from federation.service import fetch
from federation.trust import sign_trust_list


def operator_kid(public_key: ec.EllipticCurvePublicKey) -> str:
    """Letters and digits only, derived from the key: the same key always has the same id."""
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


def make_key(private_path: Path, anchor_path: Path) -> str:
    """A new operator key: the private key as PEM (mode 0600), the public one as a JWK set
    to hand to every deployment as its LP_TRUST_ANCHOR."""
    key = crypto.generate_private_key()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    private_path.touch(mode=0o600, exist_ok=False)
    private_path.write_bytes(pem)
    kid = operator_kid(key.public_key())
    anchor_path.write_text(json.dumps({"keys": [crypto.public_jwk(key.public_key(), kid)]},
                                      indent=2))
    return kid


def sign_list(private_path: Path, issuers_path: Path, days: int) -> str:
    """Sign the issuers of a JSON file ([{"area", "name", "feed_url", "jwks" or "jwks_url"}]),
    fetching each jwks_url now, into a trust list valid for `days`."""
    key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{private_path} holds no EC private key: trust lists are ES256")
    issuers = []
    for entry in json.loads(issuers_path.read_text()):
        jwks = entry.get("jwks") or json.loads(fetch(entry["jwks_url"]))
        issuers.append({"area": entry["area"], "name": entry["name"], "jwks": jwks,
                        "feed_url": entry["feed_url"]})
    now = utcnow().replace(microsecond=0)
    return sign_trust_list(now, now + timedelta(days=days), issuers, key,
                           operator_kid(key.public_key()))
