"""The PostgreSQL tests' isolation (tests/rollback.py): whatever one test writes, committed
through a unit of work or through the engine's own connections, is gone before the next,
and a test that would commit for real is stopped."""
import threading
import time

import pytest
import sqlalchemy as sa

from app import create_app
from core.db import db
from core.limits import DatabaseCounters, RateCounter
from tests.conftest import DATABASES, make_uscc
from tests.rollback import rolled_back
from whitelist import service
from whitelist.inputs import read_registration
from whitelist.models import Enterprise

PROBE_CODE = make_uscc()


class _Admin:
    username = "fixture"
    role = "admin"
    enterprise_id = None


def register(code: str) -> None:
    registration = read_registration({"code": code, "name": "隔离测试有限公司",
                                      "categories": ["daily"], "contact_name": "李经理",
                                      "contact_phone": "13800000000", "address": "广西北海市"})
    service.register_enterprise(registration, _Admin())


on_postgresql = pytest.mark.skipif("postgresql" not in DATABASES,
                                   reason="TEST_DATABASES has no postgresql")


@pytest.fixture
def postgres_app(postgres_url, tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": postgres_url,
                      "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x",
                      "KEY_ENCRYPTION_SECRET": "x"})
    yield app
    with app.app_context():
        db.engine.dispose()


@on_postgresql
def test_what_a_test_commits_is_gone_when_it_ends(postgres_app, postgres_url):
    code = make_uscc()
    with rolled_back(postgres_app):
        with postgres_app.app_context():
            service.ensure_reference_data()
            register(code)  # a unit of work: commits
            DatabaseCounters().add(f"probe-{code}", expires_at=int(time.time()) + 60)
        with postgres_app.app_context():  # a session of its own sees both
            assert db.session.scalar(sa.select(Enterprise.id).filter_by(code=code))
            assert db.session.get(RateCounter, f"probe-{code}").count == 1
    engine = sa.create_engine(postgres_url)  # after the test, on a connection of its own
    with engine.connect() as connection:
        assert connection.scalar(sa.select(Enterprise.id).filter_by(code=code)) is None
        assert connection.scalar(sa.select(RateCounter.count)
                                 .filter_by(key=f"probe-{code}")) is None
    engine.dispose()


@on_postgresql
def test_another_thread_a_second_connection_or_a_commit_is_refused(postgres_app):
    with rolled_back(postgres_app), postgres_app.app_context():
        errors, connection = [], db.engine.connection

        def read():
            try:
                connection.execute(sa.select(1))
            except AssertionError as error:
                errors.append(error)

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(timeout=10)
        assert errors and "another thread" in str(errors[0])
        with pytest.raises(AssertionError, match="second connection to the database"):
            connection.engine.connect()
        # Last: a refused commit leaves the connection to be rolled back.
        with pytest.raises(AssertionError, match="committed"):
            connection.commit()


# The same seen from two tests in a row (in file order, on one worker): the first writes,
# the second must not see it.
def test_a_row_written_here(app):
    with app.app_context():
        register(PROBE_CODE)
        assert db.session.scalar(sa.select(Enterprise.id).filter_by(code=PROBE_CODE))


def test_is_not_seen_by_the_next_test(app):
    with app.app_context():
        assert db.session.scalar(sa.select(Enterprise.id).filter_by(code=PROBE_CODE)) is None
