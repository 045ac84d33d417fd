"""Appending to the audit log and proving nobody edited it."""
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session

from audit.models import AuditEntry, audit_table
from core.db import db, utcnow
from core.unit_of_work import in_unit_of_work

GENESIS = "0" * 64
# Any constant works: it names the PostgreSQL advisory lock that serialises appends.
_CHAIN_LOCK = 7_413_001
# Session.info keys: the entries the session's unit of work has recorded and not yet
# appended, and the id and hash of the entry its transaction appended last.
PENDING = "audit.pending"
APPENDED = "audit.appended"


def entry_hash(prev_hash: str, at: datetime, actor: str, action: str, subject: str,
               details: dict) -> str:
    """SHA-256 over the previous hash and this entry's canonical JSON."""
    body = json.dumps(
        [prev_hash, at.isoformat(timespec="microseconds"), actor, action, subject, details],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


class OutsideUnitOfWork(RuntimeError):
    """An audit entry appended outside a unit of work could read the same tail as another."""


def record(actor: str, action: str, subject: str, **details) -> AuditEntry:
    """Record an entry in the caller's unit of work: it is appended to the chain when the unit
    commits, and rolls back with it. The entry returned, outside the session, gets its id,
    time and hashes then."""
    if not in_unit_of_work():
        raise OutsideUnitOfWork("append audit entries inside core.unit_of_work.unit_of_work()")
    # What is hashed must be exactly what the JSON column gives back later.
    details = json.loads(json.dumps(details, ensure_ascii=False, default=str))
    entry = AuditEntry(actor=actor, action=action, subject=subject, details=details)
    db.session.info.setdefault(PENDING, []).append(entry)
    return entry


@event.listens_for(Session, "before_commit")
def _append_recorded(session: Session) -> None:
    """Append the unit's entries at its commit, after its other writes: the chain is one
    queue for every writer, and a transaction holds it (the advisory lock, or SQLite's write
    lock) from its first append to its commit. Appending last keeps that to the appends and
    the commit, not the whole use case (an issue's, bench/RESULTS.md, issue 17)."""
    entries = session.info.pop(PENDING, None)
    if not entries:
        return
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Two appends reading the same tail would fork the chain.
        connection.execute(_take_chain_lock(), {"key": _CHAIN_LOCK})
    prev = connection.execute(_tail()).scalar() or GENESIS
    for entry in entries:
        entry.at, entry.prev_hash = utcnow(), prev
        entry.hash = prev = entry_hash(prev, entry.at, entry.actor, entry.action,
                                       entry.subject, entry.details)
        # A plain INSERT, not the ORM's add and flush: entries stay outside the session.
        entry.id = connection.execute(_append(), _columns(entry)).scalar_one()
    session.info[APPENDED] = (entries[-1].id, entries[-1].hash)  # anchored once committed


@event.listens_for(Session, "after_rollback")
def _forget_recorded(session: Session) -> None:
    session.info.pop(PENDING, None)


def _columns(entry: AuditEntry) -> dict:
    return {"at": entry.at, "actor": entry.actor, "action": entry.action,
            "subject": entry.subject, "details": entry.details,
            "prev_hash": entry.prev_hash, "hash": entry.hash}


@cache
def _take_chain_lock():
    return text("SELECT pg_advisory_xact_lock(:key)")


@cache
def _tail():
    return select(audit_table.c.hash).order_by(audit_table.c.id.desc()).limit(1)


@cache
def _append():
    return insert(audit_table).returning(audit_table.c.id)


@dataclass
class ChainBreak:
    entry_id: int
    reason: str


def verify_chain(batch: int = 1000, signed: Mapping[int, str] | None = None,
                 ) -> tuple[int, ChainBreak | None]:
    """Walk the log in order; return how many entries held and the first broken one.

    `signed` maps entry ids to the hashes their signed heads vouch for (audit.anchor)."""
    signed = signed or {}
    expected_prev, checked, last_id = GENESIS, 0, 0
    while True:
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not entries:
            return checked, None
        for entry in entries:
            if entry.prev_hash != expected_prev:
                return checked, ChainBreak(entry.id, "previous hash does not match")
            recomputed = entry_hash(entry.prev_hash, entry.at, entry.actor, entry.action,
                                    entry.subject, entry.details)
            if recomputed != entry.hash:
                return checked, ChainBreak(entry.id, "content does not match its hash")
            if signed.get(entry.id, entry.hash) != entry.hash:
                return checked, ChainBreak(entry.id, "rewritten: its hash differs from the "
                                                     "signed head for this entry")
            expected_prev, checked, last_id = entry.hash, checked + 1, entry.id
        db.session.expunge_all()
