"""One unit of work per use case: take the database's write turn, commit once, roll back whole.

Services never commit; the unit of work does. A write use case runs inside `unit_of_work()`,
as a decorator (`@unit_of_work()`) or a `with` block. It queues for the write turn (on
SQLite the lock file of `core.db.write_turn`, then SQLite's own write lock with
`BEGIN IMMEDIATE`; on PostgreSQL row locks and the audit chain's advisory lock queue
writers), commits when the block ends and rolls everything back if it raises. A use case
called from inside another joins it: only the outermost unit commits. Everything appended
to the audit log joins the unit too, so two use cases never read the same chain tail.
"""
import contextlib
import logging
from collections.abc import Callable, Iterator

from sqlalchemy.orm import Session

from core.db import db, write_turn

_OPEN = "unit_of_work"
_DESPITE_ROLLBACK = "unit_of_work.despite_rollback"


@contextlib.contextmanager
def unit_of_work(*, keep_loaded: bool = False) -> Iterator[Session]:
    """The use case inside commits once at its end, or rolls back whole if it raises.

    With `keep_loaded`, the objects it loaded and wrote keep their values past the commit
    instead of being read again at their next use: for a use case that answers with what it
    has just written (an issued pass), which no other writer can have changed by then."""
    session = db.session()
    if session.info.get(_OPEN):  # a use case inside another: the outer one commits
        yield session
        return
    with write_turn():
        session.info[_OPEN], session.info[_DESPITE_ROLLBACK] = True, []
        try:
            _take_sqlite_write_lock(session)
            yield session
            for write in session.info[_DESPITE_ROLLBACK]:  # a refusal the use case got over
                write()
            _commit(session, expire=not keep_loaded)
        except BaseException:
            session.rollback()
            _write_despite_rollback(session)
            raise
        finally:
            session.info.pop(_OPEN, None)
            session.info.pop(_DESPITE_ROLLBACK, None)


def _commit(session: Session, *, expire: bool) -> None:
    expiring, session.expire_on_commit = session.expire_on_commit, expire
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


def despite_rollback(write: Callable[[], object]) -> None:
    """Have `write` kept even when the use case fails, e.g. the audit entry of a refusal.

    Inside a unit it runs after the rollback, still in the unit's write turn, and commits
    on its own; outside one it runs now, as a unit of its own.
    """
    session = db.session()
    if session.info.get(_OPEN):
        session.info[_DESPITE_ROLLBACK].append(write)
        return
    with unit_of_work():
        write()


def in_unit_of_work() -> bool:
    """Whether a use case is open on this context's session."""
    return bool(db.session().info.get(_OPEN))


def _take_sqlite_write_lock(session: Session) -> None:
    # pysqlite opens a transaction only at the first INSERT or UPDATE, so reads before it
    # (the chain's tail) would see a state another writer may change before we write.
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None  # a checked-out connection always holds one
    if not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # a locked database: OperationalError


def _write_despite_rollback(session: Session) -> None:
    writes = session.info.get(_DESPITE_ROLLBACK) or []
    if not writes:
        return
    try:
        _take_sqlite_write_lock(session)
        for write in writes:
            write()
        session.commit()
    except Exception:  # the use case's own error is the one to report
        session.rollback()
        logging.getLogger(__name__).exception("a write kept despite a rollback failed")
