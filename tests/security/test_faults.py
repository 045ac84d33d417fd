"""Faults: an unreachable or locked database answers 503 and writes nothing; a failed issue
leaves no orphan serial or pass."""
import sqlite3
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app import create_app
from checkpoints.models import Checkpoint
from core import crypto
from core.db import db
from passes.models import Pass
from tests.conftest import PASSWORD
from tests.integration.pass_data import make_clerk, vehicle


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_api_answers_503_json_when_the_database_is_unreachable(app_config):
    # Nothing listens on port 1: every connection attempt is refused at once.
    app = create_app(app_config | {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/nothing"})
    response = app.test_client().post("/api/v1/auth/token",
                                      json={"username": "someone", "password": PASSWORD})
    assert response.status_code == 503
    assert response.json["error"]["code"] == "unavailable"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_liveness_does_not_need_the_database(app_config):
    app = create_app(app_config | {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/nothing"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_pages_say_the_database_is_unavailable(app_config):
    app = create_app(app_config | {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/nothing"})
    client = app.test_client()
    client.set_cookie("lang", "en")
    response = client.post("/login?lang=en", data={"username": "someone", "password": PASSWORD})
    assert response.status_code == 503
    assert "database is unavailable" in response.text


CHECKPOINT = {"code": "CP-LOCKED", "name": "锁定卡口", "kind": "park_gate", "area": "450502"}


@contextmanager
def write_lock_held(app, database_url):
    """Another connection holding the write lock the request needs, until the block ends."""
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    with app.app_context(), db.engine.connect() as connection:
        connection.exec_driver_sql("LOCK TABLE checkpoints IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            connection.rollback()


def impatient(app_config, database_url):
    """The app, waiting a tenth of a second for a lock instead of queueing for seconds."""
    if database_url.startswith("sqlite"):
        app = create_app(app_config)
        with app.app_context():
            event.listen(db.engine, "connect",
                         lambda connection, _: connection.execute("PRAGMA busy_timeout=100"))
        return app
    options = {"pool_pre_ping": True, "connect_args": {"options": "-c lock_timeout=100"}}
    return create_app(app_config | {"SQLALCHEMY_ENGINE_OPTIONS": options})


@pytest.mark.commits  # a second app on the same database, and a lock holder
def test_a_write_to_a_locked_database_is_503_and_stores_nothing(app, app_config, database_url,
                                                                make_user, token_for):
    headers = token_for(make_user("admin"))
    locked = impatient(app_config, database_url)
    with write_lock_held(app, database_url):
        response = locked.test_client().post("/api/v1/checkpoints", headers=headers,
                                             json=CHECKPOINT)
    with locked.app_context():
        db.engine.dispose()
    assert response.status_code == 503, response.text
    assert response.json["error"]["code"] == "unavailable"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Checkpoint)) == 0
    created = app.test_client().post("/api/v1/checkpoints", headers=headers, json=CHECKPOINT)
    assert created.status_code == 201, created.text


def test_a_pass_whose_signing_fails_leaves_no_orphan_serial_or_row(
        app, client, make_user, make_enterprise, token_for, monkeypatch):
    clerk = make_clerk(make_user, make_enterprise, token_for)
    first = client.post("/api/v1/passes", headers=clerk.headers, json=vehicle())
    assert first.status_code == 201, first.text

    def broken_sign(*args, **kwargs):
        raise RuntimeError("signer died mid-issue")

    monkeypatch.setattr(crypto, "sign", broken_sign)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    failed = client.post("/api/v1/passes", headers=clerk.headers,
                         json=vehicle(serial=124, plate="桂E54321"))
    assert failed.status_code == 500
    monkeypatch.undo()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Pass)) == 1
    second = client.post("/api/v1/passes", headers=clerk.headers,
                         json=vehicle(serial=125, plate="桂E67890"))
    assert second.status_code == 201, second.text
    assert int(second.json["number"]) == int(first.json["number"]) + 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_signed_in_page_says_the_database_is_unavailable(app_config, make_user, login, client):
    login(make_user("admin"))
    cookie = client.get_cookie("session", domain="passes.test")
    dead = create_app(app_config | {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/nothing"})
    visitor = dead.test_client()
    visitor.set_cookie("session", cookie.value, domain=cookie.domain)
    response = visitor.get("/admin/enterprises?lang=en")
    assert response.status_code == 503
    assert "database is unavailable" in response.text
