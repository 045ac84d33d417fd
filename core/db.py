"""The database: one SQLAlchemy instance, UTC timestamps, SQLite tuned for concurrent use."""
import contextlib
import fcntl
import functools
import os
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    CursorResult,
    DateTime,
    Delete,
    Insert,
    MetaData,
    Table,
    Update,
    event,
    exc,
    literal_column,
    make_url,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator
from werkzeug.routing import IntegerConverter, Map

# Named constraints let Alembic alter them later, on SQLite as on PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()

# Models subclass this. At run time it is db.Model (Base with Flask-SQLAlchemy's session
# binding); mypy cannot subclass an attribute of an instance (python/mypy#8603), and Base
# carries every mapping type it needs.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def system_time() -> datetime:
    return datetime.now(UTC)


# Where the app reads the time: the rules take `now` from their callers, and the callers
# ask utcnow(); tests stop this clock (the frozen_clock fixture) to judge exact moments.
clock: Callable[[], datetime] = system_time


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return clock()


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection: DBAPIConnection, connection_record: object) -> None:
    # WAL lets readers run beside a writer; the busy timeout makes writers queue, not fail.
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


@contextlib.contextmanager
def write_turn() -> Iterator[None]:
    """On SQLite, queue for the right to write on an OS file lock beside the database, across
    threads and processes alike; elsewhere, nothing.

    SQLite's own lock makes a writer that finds it taken sleep and retry, up to 100 ms a
    time, however soon it is free again: busy writers then mostly sleep. A blocked flock
    wakes the moment it is released. PostgreSQL's row locks already queue that way.
    """
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        yield
        return
    descriptor = os.open(f"{url.database}-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # released when the file closes
        yield
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def autocommit_reads() -> Iterator[Connection]:
    """A pooled connection outside any transaction, for a hot path that only reads.

    Each statement reads the latest committed state on its own, with no BEGIN before it and
    no ROLLBACK after: on PostgreSQL those are two more round trips that the session would add
    to every verify (bench/RESULTS.md, issue 17). Never write on it: nothing would be atomic.
    pysqlite begins a transaction only before a write, so on SQLite reads are that way
    already, and switching its isolation level would cost a PRAGMA each way.
    """
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            yield connection
        else:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")


class RowIdConverter(IntegerConverter):
    """`<int:...>` in URLs, bounded so a number no row id can reach is a 404, not a driver
    overflow (SQLite integers are 64-bit)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def make_sqlite_file_private(app: Flask) -> None:
    """Create the SQLite database file 0600 (SQLite gives its -wal and -shm files the same
    mode) in a 0700 folder, and close up an existing one, before SQLite creates it 0644."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:") \
            or url.database.startswith("file:"):
        return
    path = Path(app.instance_path, url.database)  # relative paths live in the instance folder
    if path.parent == Path(app.instance_path) or not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(PermissionError):  # a folder someone else set up stays theirs
            path.parent.chmod(0o700)
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600))
    for part in ("", "-wal", "-shm", "-journal", "-writers.lock"):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            Path(f"{path}{part}").chmod(0o600)


# Room for every thread of a worker (gunicorn --threads 8, README) plus the scans' group
# commit: past pool_size a returned connection is closed and the next request opens a new
# one, which halved verify throughput on SQLite (bench/RESULTS.md, issue 17).
POOL_SIZE = 10

# A pooled connection that sat unused for longer than this is pinged before it is lent out.
PING_AFTER_IDLE_SECONDS = 10.0


def ping_after_idle(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle: the one a restarted database
    or a dropped socket left behind is then replaced before a request sees it.

    Instead of pool_pre_ping, which pings at every checkout: a verify checks out twice (its
    reads, then its scan's group commit), and on PostgreSQL each ping is a round trip that
    cost more than the reads themselves (bench/RESULTS.md, issue 17). A connection in steady
    use was just seen working.
    """

    @event.listens_for(engine, "checkin")
    def _idle_since(dbapi_connection: DBAPIConnection, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: DBAPIConnection, record: Any, proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool throws this connection away and lends a new one instead.
            raise exc.DisconnectionError(f"a pooled connection did not answer: {error}") from error


def init_app(app: Flask) -> None:
    # Before any blueprint is registered: rules take their converters when they are added.
    app.url_map.converters["int"] = RowIdConverter
    make_sqlite_file_private(app)
    # A failed statement's message would otherwise carry its parameters (ID numbers, phone
    # numbers) into the error log.
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(
        app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("hide_parameters", True)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.database not in (None, "", ":memory:"):  # an in-memory SQLite has one connection
        options.setdefault("pool_size", POOL_SIZE)
    db.init_app(app)
    if not options.get("pool_pre_ping"):
        with app.app_context():
            for engine in db.engines.values():
                ping_after_idle(engine)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"), render_as_batch=True)


def rows_changed(statement: Update | Delete) -> int:
    """Run an UPDATE or DELETE in the session; how many rows it changed."""
    result = db.session.execute(statement)
    assert isinstance(result, CursorResult)  # what DML without RETURNING gives back
    return result.rowcount


def insert_ignoring_conflict(model: type[Base], values: Mapping[str, object],
                             keys: list[str]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: of two racing inserts, one wins, none fails.
    True if this one inserted the row."""
    statement = ignoring_conflict(db.session.get_bind().dialect.name, model.__table__,
                                  tuple(keys))
    return db.session.execute(statement, values).first() is not None


@functools.cache
def ignoring_conflict(dialect_name: str, table: Table, keys: tuple[str, ...],
                      returning: str | None = None) -> Insert:
    """The table's INSERT ... ON CONFLICT (keys) DO NOTHING, RETURNING the named column (or
    1): a row back says this insert made the row, alike on every driver.

    Built once per table: issuing runs several of these inside the serial's lock, and
    building a statement costs more than running it on SQLite. The values are bound per call.
    """
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return (insert(table).on_conflict_do_nothing(index_elements=list(keys))
            .returning(table.c[returning] if returning else literal_column("1")))
