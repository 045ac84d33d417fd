"""Three real deployments on this machine (Beihai, Qinzhou, Zhanjiang), each with its own
database, instance folder and keys, served over HTTP on 127.0.0.1: an operator signs a trust
list naming them, `federation sync` fetches it and the other cities' feeds by URL, and
Qinzhou's checkpoints judge Beihai's and Zhanjiang's passes online and offline."""
import json
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from core import crypto
from core.db import db, utcnow
from demo import PASSWORD, seed
from federation.models import TrustedIssuer
from federation.operator import operator_kid
from federation.trust import sign_trust_list
from passes.models import Pass
from passes.service import revoke_pass
from passtokens import tokens
from tests.conftest import DATABASES, PG_SERVER
from whitelist.inputs import NewColour
from whitelist.service import set_colour

ROOT = Path(__file__).resolve().parents[2]
CITIES = {"450500": "北海市", "450700": "钦州市", "440800": "湛江市"}
BEIHAI, QINZHOU, ZHANJIANG = CITIES
CHECKPOINT = "BH-G75-EXIT"  # the demo's checkpoint in county 450502, where its passes start
ZHANJIANG_FEED_MAX_AGE_S = 3


class _Authority:
    username = "authority"
    role = "admin"
    enterprise_id = None


@dataclass
class City:
    area: str
    name: str
    app: Flask
    url: str

    def cli(self, *args: str):
        return self.app.test_cli_runner().invoke(args=list(args))

    def sync(self) -> str:
        result = self.cli("federation", "sync")
        assert result.exit_code == 0, result.output
        return result.output

    def officer_headers(self) -> dict:
        response = self.app.test_client().post(
            "/api/v1/auth/token", json={"username": "officer", "password": PASSWORD})
        return {"Authorization": f"Bearer {response.json['access_token']}"}

    def verify(self, qr_text: str) -> dict:
        response = self.app.test_client().post(
            "/api/v1/verify", json={"qr": qr_text, "checkpoint": CHECKPOINT},
            headers=self.officer_headers())
        assert response.status_code == 200, response.json
        return response.json

    def verify_offline(self, qr_text: str) -> dict:
        """The scanning page's rules (node) over this city's signed offline bundle."""
        client = self.app.test_client()
        bundle = client.get("/api/v1/offline-bundle", headers=self.officer_headers()).json
        jwks = client.get("/.well-known/jwks.json").json
        request = {"qr": qr_text, "now": int(time.time()), "area": "450502", "jwks": jwks,
                   "bundle_jws": bundle["jws"]}
        result = subprocess.run(["node", "tests/js/support/check_offline.mjs"], cwd=ROOT,
                                input=json.dumps(request), capture_output=True, text=True,
                                timeout=60, check=True)
        return json.loads(result.stdout)

    def trusted_areas(self) -> list[str]:
        with self.app.app_context():
            return list(db.session.scalars(select(TrustedIssuer.area).order_by(
                TrustedIssuer.area)))


@pytest.fixture(params=DATABASES)
def database_for(request, tmp_path):
    """A fresh, empty database per city: SQLite files, or PostgreSQL databases dropped after."""
    if request.param == "sqlite":
        yield lambda area: f"sqlite:///{tmp_path / f'{area}.sqlite3'}"
        return
    server = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    names = []

    def create(area: str) -> str:
        name = f"lp_fed_{area}_{uuid.uuid4().hex[:8]}"
        with server.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        names.append(name)
        return sa.engine.make_url(PG_SERVER).set(database=name).render_as_string(
            hide_password=False)

    yield create
    with server.connect() as connection:
        for name in names:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture
def operator(tmp_path):
    return {"key": tmp_path / "operator-key.pem", "anchor": tmp_path / "anchor.json",
            "list": tmp_path / "trust-list.jws"}


@pytest.fixture
def cities(database_for, operator, tmp_path):
    """The three deployments, seeded with the demo city's data under their own area codes."""
    running, servers = {}, []
    for area, name in CITIES.items():
        app = create_app({
            "TESTING": True, "AREA_CODE": area, "SQLALCHEMY_DATABASE_URI": database_for(area),
            "INSTANCE_PATH": str(tmp_path / area), "SECRET_KEY": f"secret-{area}",
            "KEY_ENCRYPTION_SECRET": f"keys-{area}", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "TRUST_ANCHOR": str(operator["anchor"]), "TRUST_LIST": str(operator["list"]),
            "FEED_MAX_AGE_SECONDS": ZHANJIANG_FEED_MAX_AGE_S if area == ZHANJIANG else 900})
        with app.app_context():
            db.create_all()
            seed(f"http://{area}.test")
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        running[area] = City(area, name, app, f"http://127.0.0.1:{server.server_port}")
    yield running
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
    for city in running.values():
        with city.app.app_context():
            db.engine.dispose()


def sign_list(city: City, operator: dict, members: list[City], tmp_path: Path) -> None:
    """The operator signs a list of `members` with the real CLI, fetching each JWKS by URL."""
    issuers = tmp_path / "issuers.json"
    issuers.write_text(json.dumps([
        {"area": member.area, "name": member.name,
         "jwks_url": f"{member.url}/.well-known/jwks.json",
         "feed_url": f"{member.url}/api/v1/status-feed"} for member in members],
        ensure_ascii=False))
    result = city.cli("federation", "sign-trust-list", str(operator["key"]), str(issuers))
    assert result.exit_code == 0, result.output
    operator["list"].write_text(result.output)


def live_pass(city: City, plate: str) -> tuple[str, str]:
    """(number, QR text) of the city's demo pass for `plate`."""
    with city.app.app_context():
        pass_ = db.session.scalar(select(Pass).where(Pass.plate == plate,
                                                     Pass.revoked_at.is_(None)))
        return pass_.number, tokens.qr_text(pass_)


def verdict(answer: dict) -> tuple[str, list[str]]:
    return answer["verdict"], [reason["code"] for reason in answer["reasons"]]


def test_three_cities_recognise_each_others_passes(cities, operator, tmp_path):
    beihai, qinzhou, zhanjiang = (cities[area] for area in CITIES)
    made = beihai.cli("federation", "make-operator-key", str(operator["key"]),
                      str(operator["anchor"]))
    assert made.exit_code == 0, made.output
    sign_list(beihai, operator, [beihai, qinzhou, zhanjiang], tmp_path)
    for city in (beihai, qinzhou, zhanjiang):
        assert "trust list accepted: 3 issuers" in city.sync()

    # Beihai's pass at a Qinzhou checkpoint, online and offline.
    number, qr = live_pass(beihai, "桂E12345")
    assert number.startswith(BEIHAI)
    online = qinzhou.verify(qr)
    assert verdict(online) == ("pass", [])
    assert "北海市" in online["enterprise"]["name"]
    assert online["issuer"] == {"area": BEIHAI, "name": "北海市"}
    offline = qinzhou.verify_offline(qr)
    assert (offline["verdict"], offline["reasons"]) == ("pass", [])
    assert offline["enterprise"]["issuer"] == {"area": BEIHAI, "name": "北海市"}

    # Beihai revokes one pass and turns the enterprise red: Qinzhou denies after its next sync.
    other_number, other_qr = live_pass(beihai, "桂ED52088")
    with beihai.app.app_context():
        revoke_pass(other_number, "车辆故障", _Authority())
    assert verdict(qinzhou.verify(other_qr)) == ("pass", [])  # not synced yet
    qinzhou.sync()
    assert verdict(qinzhou.verify(other_qr)) == ("deny", ["revoked"])
    with beihai.app.app_context():
        enterprise_code = db.session.scalar(select(Pass).where(Pass.number == number)) \
            .enterprise.code
        set_colour(enterprise_code, NewColour("red", "厂区发现阳性病例"),
                   _Authority())
    qinzhou.sync()
    assert verdict(qinzhou.verify(qr)) == ("deny", ["enterprise_red"])
    offline = qinzhou.verify_offline(qr)
    assert (offline["verdict"], offline["reasons"]) == ("deny", ["enterprise_red"])

    # Zhanjiang's feed may be 3 s old: past that, its passes need a check.
    _, zhanjiang_qr = live_pass(zhanjiang, "桂E12345")
    time.sleep(ZHANJIANG_FEED_MAX_AGE_S + 1.5)
    assert verdict(qinzhou.verify(zhanjiang_qr)) == ("check", ["issuer_status_stale"])
    offline = qinzhou.verify_offline(zhanjiang_qr)
    assert (offline["verdict"], offline["reasons"]) == ("check", ["issuer_status_stale"])

    # A forged list and an expired one are refused; the last good list stays in force.
    good = operator["list"].read_text()
    anchor = json.loads(operator["anchor"].read_text())
    stranger = crypto.generate_private_key()
    now = utcnow().replace(microsecond=0)
    forged = sign_trust_list(now, now + timedelta(days=30), [], stranger,
                             anchor["keys"][0]["kid"])
    key = serialization.load_pem_private_key(operator["key"].read_bytes(), password=None)
    expired = sign_trust_list(now - timedelta(days=31), now - timedelta(days=1), [], key,
                              operator_kid(key.public_key()))
    for bad in (forged, expired):
        operator["list"].write_text(bad)
        result = qinzhou.cli("federation", "sync")
        assert result.exit_code == 1
        assert "trust list refused, the last good one stays in force" in result.output
        assert qinzhou.trusted_areas() == sorted(CITIES)
    operator["list"].write_text(good)

    # Zhanjiang leaves the list: its passes are then an unknown issuer at Qinzhou.
    time.sleep(1.1)  # a newer list is issued at a later second
    sign_list(beihai, operator, [beihai, qinzhou], tmp_path)
    assert "trust list accepted: 2 issuers" in qinzhou.sync()
    answer = qinzhou.verify(zhanjiang_qr)
    assert verdict(answer) == ("deny", ["unknown_issuer"])
    offline = qinzhou.verify_offline(zhanjiang_qr)
    assert (offline["verdict"], offline["reasons"]) == ("deny", ["unknown_issuer"])
