"""Pooled connections are pinged after sitting idle, not at every checkout (core/db.py
ping_after_idle): one the database dropped while it sat in the pool is replaced before a
request uses it, and one in steady use is lent out without a ping."""
import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from core import db as database
from core.db import db

# The pool itself is under test: its connections, not one rolled-back test connection.
pytestmark = pytest.mark.commits


@pytest.fixture
def pings(app):
    """The statements the pool's pings send, counted."""
    sent = []
    with app.app_context():
        engine = db.engine
    dialect = engine.dialect
    original = dialect.do_ping

    def counted(dbapi_connection):
        sent.append(dbapi_connection)
        return original(dbapi_connection)

    dialect.do_ping = counted
    yield sent
    dialect.do_ping = original


def drop_pooled_connection(app, database_url) -> None:
    """Leave a pooled connection in the pool that no longer reaches the database."""
    with app.app_context():
        pooled = db.engine.raw_connection()
        dbapi_connection = pooled.dbapi_connection
        pid = (dbapi_connection.info.backend_pid if database_url.startswith("postgresql")
               else None)
        pooled.close()  # back into the pool, where it now sits idle
        if pid is None:
            dbapi_connection.close()
            return
        outside = create_engine(db.engine.url, poolclass=NullPool)
        with outside.connect() as other:  # as an administrator or a restart would
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        outside.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use(app, database_url, pings,
                                                                monkeypatch):
    with app.app_context():
        db.engine.dispose()  # one pooled connection, the one dropped below
    drop_pooled_connection(app, database_url)
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
    assert pings


def test_a_connection_in_steady_use_is_not_pinged(app, pings):
    with app.app_context():
        for _ in range(3):
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
    assert pings == []




def test_a_busy_worker_keeps_its_connections(app):
    """Eight threads reading at once beside the group commit's writer: the pool keeps all
    nine connections, rather than closing some on return and opening them again."""
    opened = []

    def count(*args):
        opened.append(args)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "connect", count)
    try:
        for _ in range(2):
            held = [engine.connect() for _ in range(9)]
            for connection in held:
                connection.close()
    finally:
        event.remove(engine, "connect", count)
    assert len(opened) <= 9  # the first round may open them, the second reuses them
