"""One test, one PostgreSQL transaction, rolled back at its end.

While `rolled_back(app)` is open, everything the app writes goes through one connection in
one outer transaction, and the test leaves nothing behind:

- `db.session` joins that transaction (SQLAlchemy's "join_transaction_mode=create_savepoint"):
  a unit of work's commit releases a savepoint, its rollback returns to it;
- `db.engine`, for the code that takes a connection of its own (the rate-limit counters,
  group commit), hands out the same connection inside a savepoint, so it sees the test's
  rows, its writes outlive a session's rollback as their commit would, and they go when
  the test ends.

It is for tests whose writes are read on this thread alone. A test that needs commits seen
elsewhere (threads, a live or gunicorn server, a second connection) is marked `commits`; the
guards below fail any other test that tries, rather than let it commit for real or wait on
a lock its own transaction holds.
"""
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy.session import Session

from core.db import db

MARK_HINT = "mark the test @pytest.mark.commits (real commits, tables truncated after it)"


class _JoinedSession(Session):
    """Flask-SQLAlchemy's session, bound to the test's connection when it serves the test's
    app (another app a test serves, a federation peer, keeps its own database)."""

    def get_bind(self, *args, **kwargs):
        if current_app._get_current_object() is self.info["rolled_back_app"]:
            return self.bind
        return super().get_bind(*args, **kwargs)


class _OneConnectionEngine:
    """What the app asks of `db.engine`, answered on the test's connection."""

    def __init__(self, connection: sa.Connection):
        self.connection = connection
        self.url, self.dialect = connection.engine.url, connection.dialect
        self.name = connection.dialect.name

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        with self.connection.begin_nested():
            yield self.connection
        self._keep_past_open_savepoints()

    def _keep_past_open_savepoints(self) -> None:
        # A session's savepoint still open (a request reading before a scan is recorded)
        # would take this write with it when the session rolls back, where in production it
        # was committed beside the session's transaction. Restarting those savepoints after
        # the write keeps it, as its commit would (and, unlike production, whatever a session
        # flushed before it: a use case that writes through both is not isolated this way).
        names, nested = [], self.connection._nested_transaction
        while nested is not None:
            names.append(nested._savepoint)
            nested = nested._previous_nested
        if names:
            self.connection.exec_driver_sql(f"RELEASE SAVEPOINT {names[-1]}")
            for name in reversed(names):
                self.connection.exec_driver_sql(f"SAVEPOINT {name}")

    @contextmanager
    def connect(self) -> Iterator["_TestConnection"]:
        yield _TestConnection(self.connection)

    def dispose(self) -> None:
        pass


class _TestConnection:
    """The test's connection as `db.engine.connect()` hands it out. A read-only hot path asks
    it for autocommit (core.db.autocommit_reads); here its reads stay in the test's
    transaction instead, where the test's own rows are."""

    def __init__(self, connection: sa.Connection):
        self._connection = connection

    def execution_options(self, **options):
        options.pop("isolation_level", None)
        if options:
            self._connection.execution_options(**options)
        return self

    def __getattr__(self, name):
        return getattr(self._connection, name)


@contextmanager
def rolled_back(app) -> Iterator[None]:
    """Run the app on one connection whose transaction is rolled back when the block ends."""
    with app.app_context():
        engine = db.engine
    engines = db._app_engines[app]  # Flask-SQLAlchemy keeps no public hook to swap an engine
    connection = engine.connect()
    outer = connection.begin()
    owner = threading.get_ident()

    def refuse_commit(conn):
        raise AssertionError(f"a test in one rolled-back transaction committed: {MARK_HINT}")

    def refuse_second_connection(dbapi_connection, record, proxy):
        info = getattr(dbapi_connection, "info", None)  # psycopg's; SQLite files are others
        if getattr(info, "dbname", None) == engine.url.database:
            raise AssertionError(f"a second connection to the database in a rolled-back test: "
                                 f"{MARK_HINT}")

    def refuse_other_threads(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() != owner:
            raise AssertionError(f"another thread used a rolled-back test's connection: "
                                 f"{MARK_HINT}")

    sa.event.listen(connection, "commit", refuse_commit)
    sa.event.listen(connection, "before_cursor_execute", refuse_other_threads)
    # Every pool: a second app built on the test's database would otherwise commit for real.
    sa.event.listen(sa.pool.Pool, "checkout", refuse_second_connection)
    session, db.session = db.session, db._make_scoped_session(
        {"class_": _JoinedSession, "bind": connection, "info": {"rolled_back_app": app},
         "join_transaction_mode": "create_savepoint"})
    engines[None] = _OneConnectionEngine(connection)
    try:
        yield
    finally:
        engines[None] = engine
        db.session = session
        sa.event.remove(sa.pool.Pool, "checkout", refuse_second_connection)
        outer.rollback()
        connection.close()
