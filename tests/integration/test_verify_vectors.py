"""The shared verify vectors (tests/vectors/verify.json) through POST /api/v1/verify."""
import base64
import hashlib
import hmac
import json
import zlib
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from checkpoints.inputs import NewCheckpoint
from checkpoints.models import Checkpoint, Scan
from checkpoints.service import create_checkpoint
from core import crypto
from core.db import db, utcnow
from passes.revocation import revoke_key
from passtokens import keys
from passtokens.qr import to_qr_text
from tests.vectors import generate_verify

VECTORS = json.loads(generate_verify.PATH.read_text(encoding="utf-8"))
ONLINE_CASES = [case for case in VECTORS["cases"] if "online" in case["paths"]]
# Beyond what a deployment decides: no verify.json case comes from a federation yet.
NOT_YET_ONLINE = {"status_unknown", "unknown_issuer", "issuer_status_stale"}
HERE = (21.48, 109.12)  # the scanning checkpoint's place when distances matter
KM_PER_DEGREE_LATITUDE = 111.195


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(zlib.decompress(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)), -15))


def _json(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _deflated(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def _current_key():
    key = keys.signing_key()
    return key, keys.private_key(key)


def _edited(claims: dict) -> dict:
    field = "p" if "p" in claims else "n"
    return claims | {field: "桂E99999" if field == "p" else "李*四"}


def scanned_text(form: dict, issued) -> str:
    """The QR text a vector's qr.form describes, made from the issued pass."""
    token, kind = issued.token, form["form"]
    header, payload, signature = token.split(".")
    claims = _claims(token)
    if kind == "genuine":
        return issued.qr_text
    if kind == "text":
        return form["text"]
    if kind == "tampered":
        return to_qr_text(f"{header}.{_b64(_deflated(_json(_edited(claims))))}.{signature}")
    if kind == "foreign_key":
        return to_qr_text(crypto.sign(claims, crypto.generate_private_key(), "foreign1",
                                      deflate=True))
    if kind == "alg_none":
        return to_qr_text(f"{_b64(_json({'alg': 'none', 'kid': issued.kid}))}.{payload}.")
    if kind == "hs256_public_key":
        return to_qr_text(_hs256_with_public_key(payload, issued.kid))
    if kind == "truncated":
        return issued.qr_text[:-2]
    if kind == "padded":
        return issued.qr_text + "1616"  # "=" is character code 61, written 61 - 45
    if kind == "bad_base64_payload":
        payload += "A" * ((1 - len(payload)) % 4)
        return to_qr_text(f"{header}.{payload}.{signature}")
    key, private = _current_key()
    if kind == "unregistered":
        return to_qr_text(crypto.sign(claims | {"jti": "450500999999"}, private, key.kid,
                                      deflate=True))
    if kind == "registry_differs":
        return to_qr_text(crypto.sign(_edited(claims), private, key.kid, deflate=True))
    if kind == "uncompressed":
        return to_qr_text(crypto.sign(claims, private, key.kid))
    if kind == "deflate_bomb":
        bomb = _deflated(_json("0" * 2**20))
        header = {"alg": "ES256", "kid": key.kid, "zip": "DEF"}
        return to_qr_text(crypto.sign_compact(header, bomb, private))
    raise ValueError(f"unknown qr form {kind!r}")


def _hs256_with_public_key(payload: str, kid: str) -> str:
    public = keys.verification_keys()[kid]
    secret = public.public_bytes(serialization.Encoding.PEM,
                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = f"{_b64(_json({'alg': 'HS256', 'kid': kid}))}.{payload}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


class _Admin:
    username, role, enterprise_id = "fixture", "admin", None


@pytest.fixture
def materialise(app, make_enterprise, make_pass, make_user, token_for):
    """Build the world a vector describes; return the text the officer scans, the checkpoint
    and the officer's headers."""

    def build(case: dict) -> tuple[str, str, dict]:
        enterprise = make_enterprise(**{key: value for key, value in case["enterprise"].items()
                                        if key != "in_bundle"})
        facts = case["pass"]
        issued = make_pass(enterprise, kind=facts["kind"], plate=facts["plate"],
                           valid_from_h=facts["valid_from_h"],
                           valid_until_h=facts["valid_until_h"],
                           signed_test_age_h=facts["test_age_h"],
                           holder_test_age_h=case["holder"]["test_age_h"],
                           health_code=case["holder"]["health_code"],
                           test_result="positive" if case["holder"]["test_positive"]
                           else "negative",
                           revoked=case["pass_revoked"], via=facts["via"],
                           handed_over=case["handed_over"])
        earlier = case["earlier_scan"]
        placed = earlier is not None and earlier["distance_km"] is not None
        with app.app_context():
            code = _checkpoint("CP-VECTOR", case["checkpoint_area"], HERE if placed else None)
            officer = make_user("officer", checkpoints=[code])
            if earlier is not None:
                there = (HERE[0] + earlier["distance_km"] / KM_PER_DEGREE_LATITUDE, HERE[1]) \
                    if placed else None
                _earlier_scan(_checkpoint("CP-EARLIER", "450503", there), officer, issued,
                              earlier["minutes_ago"])
            text = scanned_text(case["qr"], issued)
            if case["key_revoked"]:
                revoke_key(issued.kid, "test")
        return text, code, token_for(officer)

    return build


def _checkpoint(code: str, area: str, place: tuple[float, float] | None) -> str:
    latitude, longitude = place or (None, None)
    create_checkpoint(NewCheckpoint(code=code, name=code, kind="highway_exit", area=area,
                                    latitude=latitude, longitude=longitude), _Admin())
    return code


def _earlier_scan(code: str, officer, issued, minutes_ago: int) -> None:
    checkpoint = db.session.scalar(db.select(Checkpoint).where(Checkpoint.code == code))
    db.session.add(Scan(checkpoint_id=checkpoint.id, officer_id=officer.id, verdict="pass",
                        reasons=[], pass_number=issued.number,
                        enterprise_code=issued.enterprise_code,
                        scanned_at=utcnow() - timedelta(minutes=minutes_ago)))
    db.session.commit()


def test_vectors_file_is_what_the_generator_writes():
    assert generate_verify.PATH.read_text(encoding="utf-8") == generate_verify.render()


def test_vectors_cover_every_reason_code_online():
    seen = {code for case in ONLINE_CASES for code in case["expected"]["reasons"]}
    assert seen == set(VECTORS["reason_codes"]) - NOT_YET_ONLINE


def test_vector_test_window_matches_the_default_config(app):
    assert VECTORS["test_window_hours"] == app.config["TEST_WINDOW_HOURS"]
    assert VECTORS["max_age_s"] == app.config["OFFLINE_MAX_AGE_SECONDS"]


@pytest.mark.parametrize("case", ONLINE_CASES, ids=[case["name"] for case in ONLINE_CASES])
def test_online_verdict_matches_vector(client, materialise, case):
    text, checkpoint, headers = materialise(case)
    body = {"qr": text, "checkpoint": checkpoint}
    if case["plate_seen"] is not None:
        body["plate"] = case["plate_seen"]
    response = client.post("/api/v1/verify", json=body, headers=headers)
    assert response.status_code == 200, response.text
    codes = [reason["code"] for reason in response.json["reasons"]]
    assert (response.json["verdict"], codes) == (case["expected"]["verdict"],
                                                 case["expected"]["reasons"])
