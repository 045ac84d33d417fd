"""Statements run straight on the driver's cursor, for the few that every verify runs.

Executing a Core statement through SQLAlchemy costs more than the statement itself on
SQLite, and about as much on PostgreSQL: each time, it walks the statement for its cache
key, sets up an execution context and wraps the result (bench/RESULTS.md, issue 17). A
`Prepared` statement is compiled once per dialect and then run on the connection's DB-API
cursor, inside whatever transaction the SQLAlchemy connection is in. On PostgreSQL it is a
server-side prepared statement from its first run (psycopg's own default waits for the
fifth): the server's CPU per verify fell from 1.14 to 0.72 ms with it. The columns' types
still convert values both ways, so it reads and writes what the ORM would, and driver
errors still arrive as SQLAlchemy's (a locked or lost database is answered the same).

Only plain statements fit: no expanding IN lists, no Python-side column defaults (give
every value an insert needs).
"""
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, exc
from sqlalchemy.sql.expression import Insert, Select

Processor = Callable[[Any], Any] | None
Statement = Select[Any] | Insert


@dataclass
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # the bind names in order, for a positional driver
    options: dict[str, Any]  # for the driver's execute
    constants: dict[str, Any]  # values the statement binds itself (a LIMIT)
    bind_processors: Mapping[str, Callable[[Any], Any]]
    columns: list[Any]
    row: Any  # a named tuple type of the columns
    # Some drivers' conversions depend on the type the database answers with (PostgreSQL's
    # numbers), so they are chosen from the first result's description.
    result_processors: tuple[Processor, ...] | None = None

    def processors(self, dialect: Dialect, cursor: Any) -> tuple[Processor, ...]:
        if self.result_processors is None:
            # Only the first time: psycopg builds the description anew at each asking.
            self.result_processors = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(self.columns, cursor.description, strict=True))
        return self.result_processors


class Prepared:
    """A select, or an insert returning values, compiled on first use for each dialect."""

    def __init__(self, statement: Statement):
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """The first row, or None."""
        rows = self.rows(connection, params)
        return rows[0] if rows else None

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Every row, as named tuples of the statement's columns, converted by their types."""
        compiled = self._compile(connection.dialect)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, self._bound(compiled, params), **compiled.options)
            fetched = cursor.fetchall()
            processors = compiled.processors(connection.dialect, cursor)
        except connection.dialect.loaded_dbapi.Error as error:
            raise self._wrapped(connection, compiled, error) from error
        finally:
            cursor.close()
        row = compiled.row
        return [row._make([value if process is None else process(value)
                           for process, value in zip(processors, values, strict=True)])
                for values in fetched]

    def _bound(self, compiled: _Compiled, params: Mapping[str, Any]) -> Any:
        values = {**compiled.constants, **params}
        try:
            for name, process in compiled.bind_processors.items():
                values[name] = process(values[name])
            if compiled.positions is None:
                return values
            return tuple(values[name] for name in compiled.positions)
        except KeyError as missing:  # a value SQLAlchemy would take from a column default
            raise ValueError(f"no value given for {missing}") from None  # psycopg says so too

    def _wrapped(self, connection: Connection, compiled: _Compiled,
                 error: Any) -> exc.StatementError:
        """The driver's error as SQLAlchemy raises it; a lost connection leaves the pool."""
        dialect = connection.dialect
        if dialect.is_disconnect(error, connection.connection.dbapi_connection, None):
            connection.invalidate(error)
        wrapped: exc.StatementError = exc.DBAPIError.instance(
            compiled.sql, None, error, dialect.loaded_dbapi.Error, hide_parameters=True)
        return wrapped

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.statement, dialect)
        return compiled


def _compile(statement: Statement, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    if "POSTCOMPILE" in compiled.string:
        raise ValueError("a statement rendered at execution time cannot be prepared")
    constants, bind_processors = {}, {}
    for bind, name in compiled.bind_names.items():
        if not bind.required:
            constants[name] = bind.effective_value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            bind_processors[name] = process
    columns = list(statement.exported_columns)  # a select's columns, an insert's RETURNING
    row = namedtuple("Row", [column.key for column in columns], rename=True)  # type: ignore[misc]
    options = {"prepare": True} if dialect.driver == "psycopg" else {}
    return _Compiled(compiled.string, tuple(compiled.positiontup or ()) or None, options,
                     constants, bind_processors, columns, row)
