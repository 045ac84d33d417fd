"""Federation: a signed trust list says which cities' passes to recognise; each city publishes
a signed status feed; `federation sync` keeps both, and a bad list never replaces a good one."""
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from core import crypto
from core.db import db, utcnow
from federation.models import IssuerFeed, TrustedIssuer
from federation.operator import operator_kid
from federation.trust import sign_trust_list
from passtokens import keys
from whitelist.service import ensure_reference_data

PEER_AREA = "450700"


@pytest.fixture
def operator(tmp_path):
    """The province's trust-list key and the anchor file every deployment is given."""
    key = crypto.generate_private_key()
    kid = operator_kid(key.public_key())
    anchor = tmp_path / "anchor.json"
    anchor.write_text(json.dumps({"keys": [crypto.public_jwk(key.public_key(), kid)]}))
    return {"key": key, "kid": kid, "anchor": anchor}


@pytest.fixture
def peer(tmp_path):
    """Qinzhou's deployment on its own SQLite file, served on 127.0.0.1."""
    app = create_app({"TESTING": True, "AREA_CODE": PEER_AREA,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'peer.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path / "peer"), "SECRET_KEY": "peer",
                      "KEY_ENCRYPTION_SECRET": "peer-keys"})
    with app.app_context():
        db.create_all()
        ensure_reference_data()
        keys.create_key("peer-test")
        db.session.commit()
        jwks = keys.jwks()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"app": app, "jwks": jwks,
           "feed_url": f"http://127.0.0.1:{server.server_port}/api/v1/status-feed"}
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


def write_list(path, operator, issuers, *, issued_h=-1, expires_h=24 * 30, key=None):
    now = utcnow().replace(microsecond=0)
    token = sign_trust_list(now + timedelta(hours=issued_h), now + timedelta(hours=expires_h),
                            issuers, key or operator["key"], operator["kid"])
    path.write_text(token)


def peer_entry(peer):
    return {"area": PEER_AREA, "name": "钦州市", "jwks": peer["jwks"], "feed_url": peer["feed_url"]}


@pytest.fixture
def app_config(app_config, operator, tmp_path):
    return app_config | {"TRUST_ANCHOR": str(operator["anchor"]),
                         "TRUST_LIST": str(tmp_path / "trust-list.jws")}


def sync(runner):
    return runner.invoke(args=["federation", "sync"])


def issuers(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(TrustedIssuer.area).order_by(TrustedIssuer.area)))


def test_sync_accepts_a_signed_trust_list_and_keeps_each_peers_feed(app, runner, operator,
                                                                    peer, tmp_path):
    write_list(tmp_path / "trust-list.jws", operator, [peer_entry(peer)])
    result = sync(runner)
    assert result.exit_code == 0, result.output
    assert "trust list accepted: 1 issuers" in result.output
    assert f"{PEER_AREA} 钦州市: feed of" in result.output
    assert issuers(app) == [PEER_AREA]
    with app.app_context():
        feed = db.session.get(IssuerFeed, PEER_AREA)
        assert feed.payload["issuer"] == PEER_AREA and not feed.is_stale(utcnow())
    status = runner.invoke(args=["federation", "status"]).output
    assert f"{PEER_AREA} 钦州市: feed" in status and "fresh" in status


@pytest.mark.parametrize(("forgery", "message"), [
    ({"key": crypto.generate_private_key()}, "signature"),
    ({"expires_h": -1}, "expired"),
    ({"issued_h": 2}, "issued in the future"),
])
def test_a_bad_trust_list_is_refused_and_the_last_good_one_stays(app, runner, operator, peer,
                                                                 tmp_path, forgery, message):
    path = tmp_path / "trust-list.jws"
    write_list(path, operator, [peer_entry(peer)])
    assert sync(runner).exit_code == 0
    write_list(path, operator, [], **{"issued_h": 0, "expires_h": 24, **forgery})
    result = sync(runner)
    assert result.exit_code == 1
    assert "trust list refused, the last good one stays in force" in result.output
    assert message in result.output
    assert issuers(app) == [PEER_AREA]


def test_an_unreadable_trust_list_is_refused(app, runner, tmp_path):
    (tmp_path / "trust-list.jws").write_text("not a list")
    result = sync(runner)
    assert result.exit_code == 1
    assert "trust list refused" in result.output and "no trust list in force" in result.output


def test_sync_warns_well_before_the_trust_list_expires(app, runner, operator, peer, tmp_path):
    write_list(tmp_path / "trust-list.jws", operator, [peer_entry(peer)], expires_h=72)
    result = sync(runner)
    assert result.exit_code == 0
    assert "warning: the trust list expires at" in result.output


def test_a_feed_signed_with_a_key_not_on_the_list_is_refused(app, runner, operator, peer,
                                                           tmp_path):
    stranger = crypto.generate_private_key()
    entry = peer_entry(peer) | {"jwks": {"keys": [crypto.public_jwk(stranger.public_key(),
                                                                     "stranger")]}}
    write_list(tmp_path / "trust-list.jws", operator, [entry])
    result = sync(runner)
    assert result.exit_code == 1
    assert f"{PEER_AREA} 钦州市: feed refused" in result.output
    with app.app_context():
        assert db.session.get(IssuerFeed, PEER_AREA) is None


def test_status_feed_publishes_colours_revocations_and_holds_without_personal_data(
        app, client, make_enterprise, make_pass):
    red = make_enterprise(colour="red")
    revoked = make_pass(revoked=True)
    yellow_code = make_pass(health_code="yellow")
    fine = make_pass()
    token = client.get("/api/v1/status-feed").json["jws"]
    with app.app_context():
        payload = crypto.verify(token, keys.verification_keys(), check_time=False)
    assert payload["issuer"] == "450500"
    assert payload["colours"][red.code] == "red"
    assert revoked.number in payload["revoked"]
    assert yellow_code.number in payload["holds"] and fine.number not in payload["holds"]
    assert "people" not in payload and "names" not in payload
    assert "张" not in json.dumps(payload, ensure_ascii=False)


def test_a_trust_list_needs_its_anchor():
    with pytest.raises(ValueError, match="TRUST_ANCHOR"):
        create_app({"TESTING": True, "TRUST_LIST": "list.jws", "SECRET_KEY": "x",
                    "KEY_ENCRYPTION_SECRET": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
