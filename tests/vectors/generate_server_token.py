"""Writes tests/vectors/server_token.json: one pass token made by the server's own signing
code, for the JS verifier to read (tests/js/rules.test.mjs) without re-signing it.

Run `python -m tests.vectors.generate_server_token` after changing the token format; the
key is made afresh each time, so the file changes while its meaning stays.
"""
import json
from pathlib import Path

from core import crypto
from passtokens.qr import to_qr_text

PATH = Path(__file__).with_name("server_token.json")
KID = "srv"
NOW = 1_658_300_000  # 2022-07-20 14:53 in Beihai
CLAIMS = {
    "jti": "450500000042", "nbf": NOW - 3600, "exp": NOW + 14 * 86400, "k": 1,
    "e": "91450500MA5KA1001P", "p": "桂ED12345", "n": "欧*华", "i": "002X",
    "t": NOW - 7200, "c": 2, "o": 440881, "d": 450521,
}


def document() -> dict:
    key = crypto.generate_private_key()
    return {
        "about": "A pass token signed by core.crypto.sign(..., deflate=True); verify it with "
                 "jwks at now (seconds) and compare the claims.",
        "now": NOW,
        "jwks": {"keys": [crypto.public_jwk(key.public_key(), KID)]},
        "qr_text": to_qr_text(crypto.sign(CLAIMS, key, KID, deflate=True)),
        "claims": CLAIMS,
    }


if __name__ == "__main__":
    PATH.write_text(json.dumps(document(), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    print(f"wrote {PATH}")
