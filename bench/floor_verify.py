"""The floor under every verify: only the work no verify may skip, as a bench-only Flask app.

Issue 17 asks a verify for 0.45x the bare endpoint on SQLite and 0.40x on PostgreSQL. Before
calling that out of reach, this measures the smallest thing that would reach it: a verify
that checks the token's ES256 signature against its pass's key, reads the pass with its
enterprise's colour live in one statement, and commits its scan durably (the group commit
of bench/lean_verify.py) before answering. Nothing else: no officer, no checkpoint or
staffing, no rules, no reasons. Whatever a verify must also do costs more than this, so if
the floor stays under a ratio on a machine, no verify reaches it there.

Run it through the bench:  .venv/bin/python bench/bench_verify.py --floor
"""
import json
import os
from datetime import UTC, datetime

from flask import Flask, Response, request

from bench.harness import CHECKPOINT
from bench.lean_verify import Database, ScanWriter
from core import crypto
from passtokens import keys, qr

PASS_READ = """
SELECT p.token, k.public_jwk, e.code, e.colour
FROM passes p JOIN enterprises e ON e.id = p.enterprise_id JOIN signing_keys k ON k.kid = p.kid
WHERE p.number = %(number)s"""

# Whom the scans are written for: read once, as the floor reads no caller or checkpoint.
SCANNER_READ = """
SELECT c.id, u.id FROM checkpoints c, users u WHERE c.code = %(code)s AND u.username = 'officer'"""


def create_app() -> Flask:
    app = Flask(__name__)
    database = Database(os.environ["DATABASE_URL"])
    writer = ScanWriter(database)
    pass_read = database.sql(PASS_READ)
    cursor = database.cursor()
    cursor.execute(database.sql(SCANNER_READ), {"code": CHECKPOINT})
    checkpoint_id, officer_id = cursor.fetchone()

    @app.get("/healthz")
    def healthz():
        return Response('{"status":"ok"}', mimetype="application/json")

    @app.post("/api/v1/verify")
    def verify():
        jws = qr.from_qr_text(request.get_json()["qr"])
        kid, number = crypto.peek(jws)
        cursor = database.cursor()
        cursor.execute(pass_read, {"number": number})
        token, jwk, enterprise, colour = cursor.fetchone()
        genuine = token == jws
        if genuine:
            try:
                crypto.verify(jws, {kid: keys.public_key(database.json(jwk))},
                              check_time=False, deflate=True)
            except crypto.TokenError:
                genuine = False
        verdict = "pass" if genuine and colour == "green" else "deny"
        scan_id = writer.append({
            "checkpoint_id": checkpoint_id, "officer_id": officer_id, "verdict": verdict,
            "reasons": "[]", "reason_bits": 0, "pass_number": number,
            "enterprise_code": enterprise, "plate_seen": None,
            "now": database.value(datetime.now(UTC)), "offline": False})
        answer = {"verdict": verdict, "colour": colour, "scan_id": scan_id}
        return Response(json.dumps(answer), mimetype="application/json")

    return app
