"""The corpus's keys: TEST ONLY, derived from their published names, so anyone can remake them.

Never trust any of these keys outside a test: their private halves are in this repository.
"""
import hashlib
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from core import crypto

# The order of P-256: a private key is an integer in [1, ORDER - 1].
_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass(frozen=True)
class CorpusKey:
    name: str
    kid: str
    role: str  # what the key is in the corpus, for the README and the key files

    @property
    def private(self) -> ec.EllipticCurvePrivateKey:
        return _derive(self.name)

    def jwk(self) -> dict:
        return crypto.public_jwk(self.private.public_key(), self.kid)

    def pem(self) -> bytes:
        return self.private.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())


@cache
def _derive(name: str) -> ec.EllipticCurvePrivateKey:
    digest = hashlib.sha256(f"logistics-pass conformance TEST key {name}".encode()).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (_ORDER - 1) + 1,
                                 ec.SECP256R1())


KEYS = {key.name: key for key in (
    CorpusKey("home", "T01", "the test issuer's (450500) current pass key: in its JWKS"),
    CorpusKey("home-revoked", "T02", "a former key of the test issuer: revoked, listed in the "
            "bundle's revoked_kids and in no JWKS"),
    CorpusKey("unpublished", "X99", "a key no JWKS or trust list holds"),
    CorpusKey("forger", "T01", "a forger's key that claims the test issuer's kid T01"),
    CorpusKey("peer", "Q01", "the pass key of 450700, an issuer on the trust list"),
    CorpusKey("forger-peer", "Q01", "a forger's key that claims 450700's kid Q01"),
    CorpusKey("stranger", "S01", "the pass key of 440300, an issuer not on the trust list"),
    CorpusKey("operator", "OP1", "the trust-list operator's key: its public half is the anchor"),
)}


def jwks(*names: str) -> dict:
    """A JWK set of the named keys' public halves."""
    return {"keys": [KEYS[name].jwk() for name in names]}
