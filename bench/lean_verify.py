"""The smallest verify that does a verify's work: a yardstick for the real one, not the service.

Served beside the app by bench/bench_verify.py (--lean), on the same database and the same
gunicorn settings, so the gap between the real POST /api/v1/verify and what Flask plus a
database allow on this machine is measured, not guessed (issue 17).

What it keeps of the real path: the ES256 signature checked against the key of the pass's
registry row; the pass, its enterprise, its holder's health, its key and colour policy read
live in one statement; the checkpoint, the officer's staffing and the pass's last scan
elsewhere in another; the verdict by the same rules (checkpoints/rules.py); the scan
inserted and committed durably, shared with the scans arriving together (group commit),
before the answer. What it leaves out: the ORM and SQLAlchemy altogether (one DB-API
connection per thread, reads in autocommit), Flask-SQLAlchemy's session, the app's
request hooks, and the reasons' translated words (the English text only).

Run it through the bench:  .venv/bin/python bench/bench_verify.py --lean
"""
import fcntl
import hashlib
import json
import os
import re
import threading
import time
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, request

from checkpoints import rules
from checkpoints.reasons import BY_CODE, reason_bits
from core import crypto
from passtokens import keys, qr

REGISTRY_READ = """
SELECT p.token, p.kind, p.plate, p.origin, p.via, p.destination, p.valid_from,
       p.valid_until, p.revoked_at, p.handed_over_at, e.code, e.state, e.colour,
       pe.health_code, pe.test_result, pe.test_sampled_at, k.kid, k.public_jwk,
       k.revoked_at IS NULL AND (k.retired_at IS NULL OR k.last_pass_expires_at > %(now)s),
       cp.verdict, cp.reason_code, p.holder_name, p.id_last4, e.name
FROM passes p JOIN enterprises e ON e.id = p.enterprise_id
JOIN people pe ON pe.id = p.person_id JOIN signing_keys k ON k.kid = p.kid
LEFT JOIN colour_policy cp ON cp.colour = e.colour
WHERE p.number = %(number)s"""

CHECKPOINT_READ = """
SELECT c.id, c.area, c.active, oc.user_id IS NOT NULL, s.scanned_at, t.code,
       c.latitude, c.longitude, t.latitude, t.longitude
FROM checkpoints c
LEFT JOIN officer_checkpoints oc ON oc.checkpoint_id = c.id AND oc.user_id = %(officer)s
LEFT JOIN scans s ON s.id = (
    SELECT r.id FROM scans r WHERE r.pass_number = %(number)s AND r.checkpoint_id <> c.id
    AND r.scanned_at <= %(now)s AND r.scanned_at > %(since)s
    ORDER BY r.scanned_at DESC LIMIT 1)
LEFT JOIN checkpoints t ON t.id = s.checkpoint_id
WHERE c.code = %(code)s"""

TOKEN_READ = """
SELECT u.id, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = %(digest)s AND t.revoked_at IS NULL AND t.expires_at > %(now)s
AND u.active AND t.session_generation = u.session_generation"""

# The reasons' words untranslated: the lean app has no locale.
ENGLISH = {code: reason.message.message for code, reason in BY_CODE.items()}

SCAN_INSERT = """
INSERT INTO scans (checkpoint_id, officer_id, verdict, reasons, reason_bits, pass_number,
                   enterprise_code, plate_seen, scanned_at, received_at, offline)
VALUES (%(checkpoint_id)s, %(officer_id)s, %(verdict)s, %(reasons)s, %(reason_bits)s,
        %(pass_number)s, %(enterprise_code)s, %(plate_seen)s, %(now)s, %(now)s, %(offline)s)
RETURNING id"""


class Database:
    """One DB-API connection per thread for reads (autocommit) and one for the writer."""

    def __init__(self, url: str):
        self.sqlite = url.startswith("sqlite")
        self.url = url
        self.local = threading.local()

    def connect(self):
        if self.sqlite:
            import sqlite3
            connection = sqlite3.connect(self.url.split("///", 1)[1], isolation_level=None,
                                         check_same_thread=False)
            for pragma in ("journal_mode=WAL", "busy_timeout=5000", "synchronous=FULL"):
                connection.execute(f"PRAGMA {pragma}")
            return connection
        import psycopg
        dsn = self.url.replace("postgresql+psycopg://", "postgresql://")
        return psycopg.connect(dsn, autocommit=True, prepare_threshold=0)

    def cursor(self):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = self.connect()
        return connection.cursor()

    def sql(self, statement: str) -> str:
        # psycopg takes %(name)s; sqlite3 takes :name.
        return re.sub(r"%\((\w+)\)s", r":\1", statement) if self.sqlite else statement

    def value(self, moment: datetime):
        """A timestamp as the app stores it: naive UTC text on SQLite (SQLAlchemy's format)."""
        if self.sqlite:
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return moment

    def moment(self, value) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        return datetime.fromisoformat(value).replace(tzinfo=UTC)

    def json(self, value):
        return json.loads(value) if isinstance(value, str) else value


class ScanWriter:
    """Group commit of scans: each thread queues its row, whoever holds the turn writes them all
    in one transaction (as core/group_commit.py)."""

    def __init__(self, database: Database):
        self.database = database
        self.statement = database.sql(SCAN_INSERT)
        self.queued: list[tuple[dict, Future]] = []
        self.queue_lock = threading.Lock()
        self.turn = threading.Lock()
        self.connection = None

    def append(self, row: dict) -> int:
        written: Future = Future()
        with self.queue_lock:
            self.queued.append((row, written))
        with self.turn:
            if not written.done():
                with self.queue_lock:
                    batch, self.queued = self.queued, []
                self.write(batch)
        return written.result()

    def write(self, batch) -> None:
        if self.connection is None:
            self.connection = self.database.connect()
        lock = None
        try:
            if self.database.sqlite:  # the app's write turn: an OS lock beside the database
                path = self.database.url.split("///", 1)[1] + "-writers.lock"
                lock = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(lock, fcntl.LOCK_EX)
            cursor = self.connection.cursor()
            cursor.execute("BEGIN IMMEDIATE" if self.database.sqlite else "BEGIN")
            ids = []
            for row, _ in batch:
                cursor.execute(self.statement, row)
                ids.append(cursor.fetchone()[0])
            cursor.execute("COMMIT")
        except BaseException as error:
            if self.connection is not None:
                try:
                    self.connection.cursor().execute("ROLLBACK")
                except Exception:
                    self.connection = None
            for _, written in batch:
                written.set_exception(error)
            return
        finally:
            if lock is not None:
                os.close(lock)
        for (_, written), row_id in zip(batch, ids, strict=True):
            written.set_result(row_id)


def create_app() -> Flask:
    app = Flask(__name__)
    database = Database(os.environ["DATABASE_URL"])
    writer = ScanWriter(database)
    registry_read, checkpoint_read = database.sql(REGISTRY_READ), database.sql(CHECKPOINT_READ)
    token_read = database.sql(TOKEN_READ)
    callers: dict[str, tuple[int, str, float]] = {}
    policy = rules.Policy(colours={})
    horizon = timedelta(hours=24)

    def caller(header: str) -> tuple[int, str] | None:
        """The officer, from a cache of at most a second, as accounts/callers.py."""
        digest = hashlib.sha256(header.partition(" ")[2].strip().encode()).hexdigest()
        cached = callers.get(digest)
        if cached is not None and time.monotonic() - cached[2] < 1.0:
            return cached[0], cached[1]
        cursor = database.cursor()
        cursor.execute(token_read, {"digest": digest,
                                    "now": database.value(datetime.now(UTC))})
        row = cursor.fetchone()
        if row is None:
            return None
        callers[digest] = (row[0], row[1], time.monotonic())
        return row[0], row[1]

    @app.get("/healthz")
    def healthz():
        return Response('{"status":"ok"}', mimetype="application/json")

    @app.post("/api/v1/verify")
    def verify():
        officer = caller(request.headers.get("Authorization", ""))
        if officer is None or officer[1] != "officer":
            return Response('{"error":"unauthorized"}', 401, mimetype="application/json")
        body = request.get_json()
        now = datetime.now(UTC)
        jws = qr.from_qr_text(body["qr"])
        kid, number = crypto.peek(jws)
        cursor = database.cursor()
        cursor.execute(checkpoint_read, {
            "code": body["checkpoint"], "officer": officer[0], "number": number,
            "now": database.value(now), "since": database.value(now - horizon)})
        post = cursor.fetchone()
        if post is None or not post[2] or not post[3]:
            return Response('{"error":"not_assigned"}', 403, mimetype="application/json")
        cursor.execute(registry_read, {"number": number, "now": database.value(now)})
        row = cursor.fetchone()
        pass_json = None
        if row is None or row[0] != jws or not row[18] or row[16] != kid:
            decision = rules.decide(rules.Facts(unreadable="not_found"), now, policy)
        else:
            jwk = database.json(row[17])
            try:
                crypto.verify(jws, {kid: keys.public_key(jwk)}, check_time=False,
                              deflate=True)
                readable = None
            except crypto.TokenError:
                readable = "bad_signature"
            colours = {row[12]: rules.ColourRule(row[19], row[20])} if row[19] else {}
            earlier = (rules.EarlierScan(post[5], database.moment(post[4]),
                                         rules.distance_km((post[6], post[7]),
                                                           (post[8], post[9]))
                                         if None not in (post[6], post[7], post[8], post[9])
                                         else None)
                       if post[4] is not None else None)
            facts = rules.Facts(
                unreadable=readable, kind=row[1], plate=row[2],
                valid_from=database.moment(row[6]), valid_until=database.moment(row[7]),
                revoked=row[8] is not None, handed_over=row[9] is not None,
                enterprise_state=row[11], colour=row[12], health_code=row[13],
                latest_test_positive=row[14] == "positive",
                test_sampled_at=database.moment(row[15]), plate_seen=body.get("plate"),
                checkpoint_area=post[1],
                route=(row[3], *(database.json(row[4]) or ()), row[5]), earlier_scan=earlier)
            decision = rules.decide(facts, now, rules.Policy(colours=colours))
            pass_json = {"number": number, "kind": row[1], "plate": row[2],
                         "holder_name": row[21], "id_last4": row[22],
                         "valid_until": database.moment(row[7]).isoformat(),
                         "enterprise": {"code": row[10], "name": row[23], "colour": row[12]}}
        codes = list(decision.reasons)
        scan_id = writer.append({
            "checkpoint_id": post[0], "officer_id": officer[0], "verdict": decision.verdict,
            "reasons": json.dumps(codes),
            "reason_bits": reason_bits(codes),
            "pass_number": number if pass_json else None,
            "enterprise_code": pass_json["enterprise"]["code"] if pass_json else None,
            "plate_seen": body.get("plate"), "now": database.value(now), "offline": False})
        answer = {"verdict": decision.verdict,
                  "reasons": [{"code": code, "message": ENGLISH[code]}
                              for code in codes],
                  "pass": pass_json, "scan_id": scan_id}
        return Response(json.dumps(answer, ensure_ascii=False), mimetype="application/json")

    return app
