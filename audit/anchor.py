"""Signed heads of the audit chain, kept where the database's owner cannot rewrite them.

An anchor is the id and hash of the chain's newest entry, signed with an Ed25519 key derived
from AUDIT_ANCHOR_KEY (from the environment, or generated once into the instance folder and
never copied into a backup), appended as one JSON line to an append-only file and, when
asked, to syslog. Whoever can rewrite the database cannot sign a head, so deleting the newest
entries, or rewriting one and recomputing the hashes after it, no longer matches the latest
signed head.
"""
import base64
import hashlib
import json
import logging
import os
import syslog
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import current_app, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from audit.models import AuditEntry
from audit.service import APPENDED, ChainBreak, verify_chain
from core.db import db, utcnow

DEFAULTS = {
    # Sign the head after this many new entries; 1 signs every committed entry.
    "AUDIT_ANCHOR_EVERY": 1,
    # ...or when the latest signed head is older than this, at the next append.
    "AUDIT_ANCHOR_INTERVAL_SECONDS": 3600,
    # The append-only file of signed heads; default instance/audit-anchors.jsonl.
    "AUDIT_ANCHOR_FILE": None,
    # Also send every signed head to the local syslog (facility authpriv).
    "AUDIT_ANCHOR_SYSLOG": False,
}
_CONTEXT = b"freight-pass audit anchor v1\x00"


@dataclass(frozen=True)
class Anchor:
    entry_id: int
    hash: str
    at: datetime
    reset: bool = False  # the chain was replaced (a restore): earlier heads no longer apply


def setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def _private_key() -> Ed25519PrivateKey:
    return _derived_key(current_app.config["AUDIT_ANCHOR_KEY"])


def key_id() -> str:
    """A short fingerprint of the anchor key's public half."""
    return _fingerprint(current_app.config["AUDIT_ANCHOR_KEY"])


# Derived once per secret: every committed audit entry is signed (AUDIT_ANCHOR_EVERY = 1).
@lru_cache(maxsize=4)
def _derived_key(secret: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(_CONTEXT + secret.encode()).digest())


@lru_cache(maxsize=4)
def _fingerprint(secret: str) -> str:
    raw = _derived_key(secret).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def anchor_path() -> Path:
    configured = setting("AUDIT_ANCHOR_FILE")
    return Path(configured or Path(current_app.instance_path) / "audit-anchors.jsonl")


def _signed_text(anchor: Anchor) -> bytes:
    return json.dumps([anchor.entry_id, anchor.hash, anchor.at.isoformat(), anchor.reset],
                      separators=(",", ":")).encode()


def write_anchor(entry_id: int, entry_hash: str, reset: bool = False) -> Anchor:
    """Sign this head and append it to the anchor file (and syslog, if configured)."""
    anchor = Anchor(entry_id, entry_hash, utcnow(), reset)
    signature = _private_key().sign(_CONTEXT + _signed_text(anchor))
    line = json.dumps({"id": entry_id, "hash": entry_hash, "at": anchor.at.isoformat(),
                       "reset": reset, "key": key_id(),
                       "sig": base64.urlsafe_b64encode(signature).decode()},
                      separators=(",", ":"))
    path = anchor_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # O_APPEND: one write per line lands whole at the end, whoever else is appending.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        os.write(descriptor, (line + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if setting("AUDIT_ANCHOR_SYSLOG"):
        syslog.openlog("freight-pass-audit", 0, syslog.LOG_AUTHPRIV)
        syslog.syslog(syslog.LOG_NOTICE, line)
    current_app.extensions["audit_anchor"] = anchor
    return anchor


def anchor_head(reset: bool = False) -> Anchor | None:
    """Sign the chain's newest entry now; None while the log is empty."""
    head = db.session.execute(
        select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    return write_anchor(head.id, head.hash, reset) if head else None


class AnchorFileTampered(Exception):
    """A line of the anchor file carries this key's id but not its signature."""


def read_anchors() -> tuple[list[Anchor], int]:
    """The heads signed with this key since the chain was last replaced, oldest first, and how
    many lines were signed with another key (an earlier key, or someone else's)."""
    path = anchor_path()
    if not path.exists():
        return [], 0
    public, ours, foreign = _private_key().public_key(), key_id(), 0
    anchors: list[Anchor] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        try:
            fields = json.loads(line)
            anchor = Anchor(int(fields["id"]), str(fields["hash"]),
                            datetime.fromisoformat(fields["at"]), bool(fields["reset"]))
            signature = base64.urlsafe_b64decode(fields["sig"])
        except (ValueError, KeyError, TypeError) as error:
            raise AnchorFileTampered(f"line {number} of {path} is not a signed head") from error
        if fields.get("key") != ours:
            foreign += 1
            continue
        try:
            public.verify(signature, _CONTEXT + _signed_text(anchor))
        except InvalidSignature:
            raise AnchorFileTampered(f"line {number} of {path} does not verify") from None
        if anchor.reset:
            anchors.clear()
        anchors.append(anchor)
    return anchors, foreign


_reading = threading.Lock()


def _last_anchor() -> Anchor | None:
    """The newest head this process knows of: the one it signed last, or else the newest in
    the file, read once. Another process's later heads only make the next one due sooner.
    Under the lock: every line is a signature to check, and the threads of a new worker
    would otherwise all read the whole file at once."""
    with _reading:
        if "audit_anchor" not in current_app.extensions:
            try:
                anchors, _ = read_anchors()
            except AnchorFileTampered:
                anchors = []
            current_app.extensions["audit_anchor"] = max(
                anchors, key=lambda anchor: anchor.entry_id, default=None)
        known: Anchor | None = current_app.extensions["audit_anchor"]
        return known


def _due(entry_id: int) -> bool:
    if setting("AUDIT_ANCHOR_EVERY") <= 1:  # every new entry is due: no need to ask when
        return True
    last = _last_anchor()
    if last is None:
        return True
    interval = setting("AUDIT_ANCHOR_INTERVAL_SECONDS")
    return (entry_id - last.entry_id >= setting("AUDIT_ANCHOR_EVERY")
            or (utcnow() - last.at).total_seconds() >= interval)


@event.listens_for(Session, "after_commit")
def _anchor_committed_append(session: Session) -> None:
    appended = session.info.pop(APPENDED, None)
    if appended is None or not has_app_context() or not _due(appended[0]):
        return
    try:
        write_anchor(*appended)
    except OSError:  # the entry is committed; the next append or `audit anchor` signs it
        logging.getLogger(__name__).exception("could not write the audit anchor")


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_append(session: Session) -> None:
    session.info.pop(APPENDED, None)


@dataclass
class Verification:
    checked: int
    broken: ChainBreak | None
    latest: Anchor | None  # the newest signed head, None if nothing was ever signed
    unsigned: int  # entries after the latest signed head
    foreign: int  # lines of the anchor file signed with another key


def verify_log() -> Verification:
    """The whole chain, checked link by link and against every signed head since it was last
    replaced; the latest signed head must still be in it (raises AnchorFileTampered)."""
    anchors, foreign = read_anchors()
    checked, broken = verify_chain(signed={a.entry_id: a.hash for a in anchors})
    latest = max(anchors, key=lambda anchor: anchor.entry_id, default=None)
    newest = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    if broken is None and latest is not None and latest.entry_id > newest:
        broken = ChainBreak(newest + 1, f"truncated: the log ends at entry {newest}, but "
                                        f"entry {latest.entry_id} was signed at {latest.at} UTC")
    unsigned = newest - latest.entry_id if latest and broken is None else 0
    return Verification(checked, broken, latest, unsigned, foreign)
