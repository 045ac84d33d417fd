"""Group commit: rows that many request threads append, written in one durable transaction.

Each thread queues its row and then takes its turn as the writer: whoever holds the turn
writes every row queued so far in one transaction and hands each thread its row's id. A
thread whose row a previous writer already took just collects its id. So rows arriving
together share one commit (one fsync on SQLite, one WAL flush on PostgreSQL) instead of
queueing for the database's write lock one by one, and no row is answered before its
commit is durable.

The inserts run on the driver (core.prepared), so a row gives every value its table needs:
Python-side column defaults do not run.
"""
import threading
from concurrent.futures import Future

from flask import current_app
from sqlalchemy import Table, bindparam, insert

from core.db import db, write_turn
from core.prepared import Prepared

Row = dict[str, object]


class GroupCommit:
    def __init__(self, table: Table):
        self.table = table
        self._inserts: dict[tuple[str, ...], Prepared] = {}
        self._queued: list[tuple[Row, Future[int]]] = []
        self._queue_lock = threading.Lock()
        self._turn = threading.Lock()

    def append(self, row: Row) -> int:
        """Insert the row, committed together with whatever else is queued; returns its id."""
        written: Future[int] = Future()
        with self._queue_lock:
            self._queued.append((row, written))
        with self._turn:
            if not written.done():
                with self._queue_lock:
                    batch, self._queued = self._queued, []
                self._write(batch)
        return written.result()

    def _write(self, batch: list[tuple[Row, Future[int]]]) -> None:
        try:
            with write_turn(), db.engine.begin() as connection:
                ids = [self._insert(tuple(row)).first(connection, row).id for row, _ in batch]
        except BaseException as error:  # every waiting thread learns of it, not just this one
            for _, written in batch:
                written.set_exception(error)
            return
        for (_, written), row_id in zip(batch, ids, strict=True):
            written.set_result(row_id)

    def _insert(self, columns: tuple[str, ...]) -> Prepared:
        """The insert of rows with these columns, built on first use."""
        prepared = self._inserts.get(columns)
        if prepared is None:
            statement = (insert(self.table).values({name: bindparam(name) for name in columns})
                         .returning(self.table.c.id))
            prepared = self._inserts.setdefault(columns, Prepared(statement))
        return prepared


def group_commit(table: Table) -> GroupCommit:
    """The app's group commit for this table (one per database, shared by its threads)."""
    writers = current_app.extensions.setdefault("group_commit", {})
    writer: GroupCommit | None = writers.get(table.name)
    if writer is None:  # two threads may both get here: setdefault keeps one writer
        writer = writers.setdefault(table.name, GroupCommit(table))
    return writer
