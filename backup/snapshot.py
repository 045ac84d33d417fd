"""Reading every table from one consistent snapshot, and writing rows back, as JSON lines."""
import base64
import hashlib
import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeDecorator

BATCH = 500


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection that sees the database as of one moment, whatever writes go on."""
    if engine.dialect.name == "sqlite":
        with _sqlite_copy(engine) as connection:
            yield connection
        return
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield connection


@contextmanager
def _sqlite_copy(engine: Engine) -> Iterator[Connection]:
    # SQLite's online backup API copies a consistent image even while others write;
    # reading the copy afterwards cannot see a later commit.
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "snapshot.sqlite3"
        source, target = engine.raw_connection(), sqlite3.connect(path)
        try:
            driver = source.driver_connection
            assert isinstance(driver, sqlite3.Connection)  # only SQLite databases come here
            driver.backup(target)
        finally:
            target.close()
            source.close()
        copy = sa.create_engine(f"sqlite:///{path}")
        try:
            with copy.connect() as connection:
                yield connection
        finally:
            copy.dispose()


def schema_revision(connection: Connection) -> str | None:
    """The Alembic revision the database is at, or None for a schema made without Alembic."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def dump_table(connection: Connection, table: sa.Table, path: Path) -> dict:
    """Write a table's rows, in primary-key order, one JSON object a line; count and hash them."""
    digest, rows = hashlib.sha256(), 0
    statement = sa.select(table).order_by(*table.primary_key.columns)
    with path.open("wb") as out:
        for row in connection.execute(statement).mappings():
            line = json.dumps({name: _encode(value) for name, value in row.items()},
                              ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
            digest.update(line)
            out.write(line)
            rows += 1
    return {"rows": rows, "sha256": digest.hexdigest()}


def _encode(value):
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def load_table(session, table: sa.Table, lines) -> int:
    """Insert the rows of a dumped table, in batches; return how many."""
    decoders = {column.name: _decoder(column) for column in table.columns}
    batch, count = [], 0
    for line in lines:
        row = json.loads(line)
        batch.append({name: decoders[name](value) for name, value in row.items()})
        if len(batch) == BATCH:
            session.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        session.execute(table.insert(), batch)
        count += len(batch)
    return count


def _decoder(column: sa.Column):
    type_ = column.type
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    try:
        kind = type_.python_type
    except NotImplementedError:
        kind = object
    converters: dict[type, Callable[[str], object]] = {
        bytes: base64.b64decode, datetime: datetime.fromisoformat, date: date.fromisoformat}
    convert = converters.get(kind)
    if convert is None:
        return lambda value: value
    return lambda value: None if value is None else convert(value)


def reset_sequences(session, tables) -> None:
    """After rows came in with their ids, PostgreSQL's sequences must continue past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        session.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'),
            {"table": table.name, "column": column.name},
        )
