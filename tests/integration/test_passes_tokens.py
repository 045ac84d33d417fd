"""The signed pass: claims per the contract, verified with the published JWKS; QR; keys."""
import io
import json
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select, update

from core import crypto
from core.db import db, utcnow
from passes.models import Pass
from passtokens import keys, qr, tokens
from passtokens.models import SigningKey
from tests.integration.pass_data import personnel, resident_id, vehicle


def issue(client, clerk, data=None) -> dict:
    response = client.post("/api/v1/passes", json=data or vehicle(), headers=clerk.headers)
    assert response.status_code == 201, response.text
    return response.json


def only_pass() -> Pass:
    return db.session.scalars(select(Pass)).one()


def verify_with_jwks(client, qr_text: str) -> dict:
    """Verify as an outside verifier would: the JWKS and the QR text, nothing else."""
    jwks = client.get("/.well-known/jwks.json").json
    keys = {jwk["kid"]: crypto.public_key_from_jwk(jwk) for jwk in jwks["keys"]}
    return crypto.verify(qr.from_qr_text(qr_text), keys, check_time=False, deflate=True)


def published_kids(client) -> set[str]:
    return {jwk["kid"] for jwk in client.get("/.well-known/jwks.json").json["keys"]}


def test_token_verifies_with_the_published_jwks_and_holds_the_contract_claims(client, clerk):
    issued = issue(client, clerk)
    claims = verify_with_jwks(client, issued["qr_text"])
    sampled = int((utcnow().replace(microsecond=0) + timedelta(hours=1)).timestamp())
    assert claims == {
        "jti": issued["number"], "k": 1, "e": clerk.enterprise.code, "p": "桂E12345",
        "n": "张*明", "i": resident_id()[-4:], "c": 2, "o": 450502, "d": 450521,
        "t": claims["t"], "nbf": claims["nbf"], "exp": claims["exp"],
    }
    assert abs(claims["nbf"] - sampled) <= 2 and claims["nbf"] - claims["t"] == 8 * 3600
    assert claims["exp"] - claims["nbf"] == 7 * 86400
    assert all(isinstance(claims[name], int) for name in ("k", "c", "o", "d", "t", "nbf", "exp"))


def test_token_header_is_alg_kid_and_zip_without_typ(client, clerk):
    header = crypto.read_header(qr.from_qr_text(issue(client, clerk)["qr_text"]))
    assert list(header) == ["alg", "kid", "zip"]
    assert (header["alg"], header["zip"]) == ("ES256", "DEF")


def test_personnel_token_has_no_plate_or_cargo(client, clerk):
    claims = verify_with_jwks(client, issue(client, clerk, personnel())["qr_text"])
    assert claims["k"] == 2 and claims["n"] == "欧*明"
    assert "p" not in claims and "c" not in claims


def test_issued_pass_fits_qr_version_12(client, clerk):
    # The worst cases are checked without a database in tests/unit/test_qr_size.py.
    assert qr.qr_version(issue(client, clerk)["qr_text"]) <= 12


def test_qr_png_decodes_to_exactly_the_qr_text(client, clerk):
    issued = issue(client, clerk)
    response = client.get(issued["qr_png_url"], headers=clerk.headers)
    assert response.status_code == 200 and response.mimetype == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert [barcode.text for barcode in found] == [issued["qr_text"]]


def test_qr_png_is_rendered_once_and_revalidates_by_etag(app, client, clerk):
    issued = issue(client, clerk)
    first = client.get(issued["qr_png_url"], headers=clerk.headers)
    assert "private" in first.headers["Cache-Control"] and first.headers["ETag"]
    with app.app_context():
        assert only_pass().qr_png == first.data
    again = client.get(issued["qr_png_url"],
                       headers=clerk.headers | {"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_rotation_keeps_old_passes_verifying(app, client, clerk, runner):
    old = issue(client, clerk)
    old_kid = crypto.read_header(qr.from_qr_text(old["qr_text"]))["kid"]
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    new = issue(client, clerk, vehicle(plate="桂E54321"))
    new_kid = crypto.read_header(qr.from_qr_text(new["qr_text"]))["kid"]
    assert new_kid != old_kid and new_kid in result.output
    assert published_kids(client) == {old_kid, new_kid}
    assert verify_with_jwks(client, old["qr_text"])["jti"] == old["number"]
    assert verify_with_jwks(client, new["qr_text"])["jti"] == new["number"]
    listing = runner.invoke(args=["keys", "list"]).output
    assert f"{old_kid}" in listing and "published" in listing and "signing" in listing


def test_signing_never_moves_a_keys_last_expiry_earlier(app, client, clerk):
    """The key as loaded before another issue committed a later expiry is stale: signing a
    pass that ends sooner must not write its older view back."""
    issue(client, clerk)
    later = utcnow() + timedelta(days=30)
    with app.app_context():
        key = keys.signing_key()
        db.session.execute(update(SigningKey.__table__).where(SigningKey.kid == key.kid)
                           .values(last_pass_expires_at=later))  # another issue's commit
        sooner = db.session.scalar(select(Pass).limit(1))
        sooner.valid_until += timedelta(hours=1)  # later than the key's loaded copy says
        tokens.sign_pass(sooner, None, key)
        db.session.commit()
        assert db.session.get(SigningKey, key.kid).last_pass_expires_at == later


def test_retired_key_leaves_the_jwks_once_its_last_pass_expires(app, client, clerk, runner):
    old = issue(client, clerk)
    old_kid = crypto.read_header(qr.from_qr_text(old["qr_text"]))["kid"]
    runner.invoke(args=["keys", "rotate"])
    with app.app_context():
        db.session.execute(update(SigningKey).where(SigningKey.kid == old_kid)
                           .values(last_pass_expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert old_kid not in published_kids(client)


def test_revoking_a_key_unpublishes_it_and_lists_its_passes(app, client, clerk, runner):
    first, second = issue(client, clerk), issue(client, clerk, personnel())
    kid = crypto.read_header(qr.from_qr_text(first["qr_text"]))["kid"]
    result = runner.invoke(args=["keys", "revoke", "--yes", kid])
    assert result.exit_code == 0, result.output
    assert first["number"] in result.output and second["number"] in result.output
    assert kid not in published_kids(client)
    with pytest.raises(crypto.UnknownKey):
        verify_with_jwks(client, first["qr_text"])
    # The next pass is signed by a fresh key, which is published.
    third = issue(client, clerk, vehicle(plate="桂E54321"))
    assert verify_with_jwks(client, third["qr_text"])["jti"] == third["number"]


def test_revoking_a_key_asks_first_naming_the_passes_every_checkpoint_will_refuse(
        app, client, clerk, runner):
    first, _ = issue(client, clerk), issue(client, clerk, personnel())
    kid = crypto.read_header(qr.from_qr_text(first["qr_text"]))["kid"]
    refused = runner.invoke(args=["keys", "revoke", kid], input="n\n")
    assert "2 passes will be refused at every checkpoint" in refused.output
    assert refused.exit_code != 0 and kid in published_kids(client)
    accepted = runner.invoke(args=["keys", "revoke", kid], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert kid not in published_kids(client)


def test_private_keys_are_encrypted_at_rest(app, client, clerk):
    issue(client, clerk)
    with app.app_context():
        key = db.session.get(SigningKey, crypto.read_header(only_pass().token)["kid"])
        assert key.private_key.startswith(b"LPK1")
        assert b"PRIVATE" not in key.private_key
        assert "d" not in key.public_jwk and json.dumps(key.public_jwk)


def test_a_new_key_never_takes_the_short_id_of_a_stored_one(app, monkeypatch):
    with app.app_context():
        taken = keys.create_key("test").kid
        drawn = iter([taken, taken, "n3w"])
        monkeypatch.setattr(crypto, "new_kid", lambda: next(drawn))
        assert keys.create_key("test").kid == "n3w"
        assert {key.kid for key in db.session.scalars(select(SigningKey))} >= {taken, "n3w"}
