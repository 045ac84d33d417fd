"""Fixtures: an app per test on SQLite and on PostgreSQL, clients, accounts and enterprises.

Every integration test runs once per database named in TEST_DATABASES (default both).
Each pytest run creates its own PostgreSQL database and drops it at the end.
"""
import os
import uuid
from datetime import datetime, timedelta
from itertools import count
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

import core.db
from app import create_app
from core.db import db
from core.validators import uscc_check_char
from tests.rollback import rolled_back

DATABASES = os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",")
PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "secret-pass-1"


# Longer limits than pyproject.toml's per-test timeout for tests that start a browser or
# servers; a test's own @pytest.mark.timeout wins.
TIMEOUTS = {"browser": 180, "cluster": 300}


def pytest_collection_modifyitems(items):
    """Mark the tests that run on PostgreSQL `postgresql` (CI runs them as a stage of their
    own), every test in tests/browser `browser`, and give browser and cluster tests their
    longer timeout."""
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)
        params = getattr(item, "callspec", None)
        if "postgres_url" in item.fixturenames or (
                params and "postgresql" in params.params.values()):
            item.add_marker(pytest.mark.postgresql)
        for marker, seconds in TIMEOUTS.items():
            if item.get_closest_marker(marker) and not item.get_closest_marker("timeout"):
                item.add_marker(pytest.mark.timeout(seconds))


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this run, with the schema, dropped afterwards."""
    name = f"lp_test_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x",
                      "KEY_ENCRYPTION_SECRET": "x"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    if request.param == "postgresql":
        yield request.getfixturevalue("postgres_url")
        return
    yield f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app_config(database_url, tmp_path):
    """Overrides for one test's app; tests may add to it before `app` is built."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "KEY_ENCRYPTION_SECRET": "test-key-secret",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "passes.test",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


@pytest.fixture
def app(request, app_config):
    """The app with its schema; no context stays pushed, so each request gets its own `g`
    and session, as in production. Tests reach the database inside `app.app_context()`.

    On PostgreSQL the test runs in one transaction that is rolled back at its end
    (tests/rollback.py); a test marked `commits` commits for real and the tables are
    truncated after it."""
    app = create_app(app_config)
    with app.app_context():
        dialect = db.engine.dialect.name
        if dialect == "sqlite":
            db.create_all()
    if dialect == "postgresql" and not request.node.get_closest_marker("commits"):
        with rolled_back(app):
            _with_reference_data(app)
            yield app
    else:
        _with_reference_data(app)
        yield app
        if dialect == "postgresql":
            _truncate(app)
    with app.app_context():
        db.engine.dispose()


def _with_reference_data(app) -> None:
    from whitelist.service import ensure_reference_data

    with app.app_context():
        ensure_reference_data()


def _truncate(app) -> None:
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class FrozenClock:
    """The app's clock stopped at `now`; advance() moves it on."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def frozen_clock(monkeypatch):
    """Stops core.db's clock at the current whole second for the test: what the app, the
    fixtures and the test call now is one moment, so rules can be judged at their edges."""
    clock = FrozenClock(core.db.system_time().replace(microsecond=0))
    monkeypatch.setattr(core.db, "clock", clock)
    return clock


def count_rows(app, model) -> int:
    """How many rows a table holds, read in a context of its own."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


_serials = count(1)


def make_uscc(area: str = "450500") -> str:
    """A valid, never-repeated unified social credit code."""
    prefix = f"91{area}MA{next(_serials):07d}"
    return prefix + uscc_check_char(prefix)


class _Admin:
    username = "fixture"
    role = "admin"
    enterprise_id = None


@pytest.fixture
def make_enterprise(app):
    """Register an enterprise and bring it to a state and colour."""
    from whitelist import service
    from whitelist.inputs import NewColour, read_registration

    def make(state="approved", colour="green", categories=("daily", "production"), **fields):
        with app.app_context():
            enterprise = _make_enterprise(state, colour, categories, fields)
            return SimpleNamespace(id=enterprise.id, code=enterprise.code, name=enterprise.name)

    def _make_enterprise(state, colour, categories, fields):
        data = {"code": make_uscc(), "name": f"测试企业{next(_serials)}有限公司",
                "categories": list(categories), "contact_name": "李经理",
                "contact_phone": "13800000000", "address": "广西北海市海城区"} | fields
        enterprise = service.register_enterprise(read_registration(data), _Admin())
        if state in ("approved", "suspended"):
            service.approve(enterprise.code, _Admin())
            if colour != "green":
                service.set_colour(enterprise.code, NewColour(colour, "测试"), _Admin())
        if state == "rejected":
            service.reject(enterprise.code, "材料不全", _Admin())
        if state == "suspended":
            service.suspend(enterprise.code, "暂停", _Admin())
        return enterprise

    return make


@pytest.fixture
def make_user(app):
    from checkpoints.staffing import create_account, read_staff_account

    def make(role="admin", username=None, **fields):
        data = {"role": role, "username": username or f"{role}{next(_serials)}",
                "password": PASSWORD} | fields
        with app.app_context():
            user = create_account(read_staff_account(data), "fixture")
            return SimpleNamespace(id=user.id, username=user.username, role=user.role)

    return make


@pytest.fixture
def login(client):
    """Sign the test client in through the login form."""

    def sign_in(user):
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return client

    return sign_in


@pytest.fixture
def token_for(client):
    """Bearer headers for a user, obtained through the token endpoint."""

    def headers(user):
        response = client.post("/api/v1/auth/token",
                               json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json['access_token']}"}

    return headers
