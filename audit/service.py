"""Appending to the audit log and proving nobody edited it."""
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import insert, select, text

from audit.models import AuditEntry, audit_table
from core.db import db, utcnow
from core.unit_of_work import in_unit_of_work

GENESIS = "0" * 64
# Any constant works: it names the PostgreSQL advisory lock that serialises appends.
_CHAIN_LOCK = 7_413_001
# Session.info key: the id and hash of the entry the session's transaction appended last.
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
    """Append an entry in the caller's unit of work; it commits or rolls back with the change.
    The entry is returned as stored, outside the session."""
    if not in_unit_of_work():
        raise OutsideUnitOfWork("append audit entries inside core.unit_of_work.unit_of_work()")
    session = db.session
    # After this transaction's first append the chain's tail is that entry: the transaction
    # holds the chain (the advisory lock, or SQLite's write lock) until it ends, and
    # audit.anchor forgets APPENDED when it does. An issue appends three entries.
    appended = session.info.get(APPENDED)
    if appended is not None:
        prev = appended[1]
    else:
        if session.get_bind().dialect.name == "postgresql":
            # Two appends reading the same tail would fork the chain.
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
        prev = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    at = utcnow()
    # What is hashed must be exactly what the JSON column gives back later.
    details = json.loads(json.dumps(details, ensure_ascii=False, default=str))
    prev = prev or GENESIS
    values = {"at": at, "actor": actor, "action": action, "subject": subject,
              "details": details, "prev_hash": prev,
              "hash": entry_hash(prev, at, actor, action, subject, details)}
    # A plain INSERT, not the ORM's add and flush: an issue appends three entries while it
    # holds the serial's lock (bench/RESULTS.md, issue 17).
    entry_id = session.connection().execute(_append(), values).scalar_one()
    session.info[APPENDED] = (entry_id, values["hash"])  # anchored once the unit commits
    return AuditEntry(id=entry_id, **values)


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
