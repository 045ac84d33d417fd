"""Scale (issue 6): the admin scan log and verification with 1,000,000 passes and 10,000,000 scans.

Run from the repository root:  .venv/bin/python bench/bench_scale.py [--scans N] [--passes N]

Creates a throwaway PostgreSQL database with the demo city, measures verification under
gunicorn and wrk, bulk-loads synthetic enterprises, people, passes and scans with
generate_series (a few hundred real, signed passes are issued through the API for verifying),
VACUUM ANALYZE, then measures the admin scan log for each filter through the Flask test client
and verification again. Drops the database whatever happens.
"""
import argparse
import json
import statistics
import subprocess
import time
from contextlib import contextmanager

from harness import (
    CHECKPOINT,
    CST,
    PASSWORD,
    add_enterprises,
    add_people,
    analyze,
    api_token,
    app_env,
    durability,
    flask,
    gunicorn,
    issue_passes,
    load_average,
    throwaway_database,
    wrk,
)
from sqlalchemy import create_engine, text

from app import create_app
from core.db import db

ENTERPRISES = 10_000
CHECKPOINTS = 40
DAYS = 30  # the scans are spread over the last 30 days, in id order
PASS_BASE = 450501000000  # synthetic pass numbers follow it; the demo's start at 450500000001
# (share of 1,000, verdict, reasons, names a pass): the mix of a day at the checkpoints.
OUTCOMES = [
    (850, "pass", [], True),
    (50, "check", ["enterprise_yellow"], True),
    (40, "check", ["test_expired"], True),
    (10, "check", ["status_unknown"], True),
    (15, "deny", ["expired"], True),
    (10, "deny", ["revoked"], True),
    (8, "deny", ["enterprise_red"], True),
    (10, "deny", ["not_found"], False),
    (3, "deny", ["bad_signature"], False),
    (3, "deny", ["malformed"], False),
    (1, "deny", ["plate_mismatch", "test_expired"], True),
]


@contextmanager
def phase(name: str):
    started = time.perf_counter()
    print(f"[{time.strftime('%H:%M:%S')}] {name} ...", flush=True)
    yield
    print(f"[{time.strftime('%H:%M:%S')}] {name}: {time.perf_counter() - started:.1f} s",
          flush=True)


def build_schema(env: dict) -> None:
    """The schema from the migrations, the reference data and the demo city."""
    flask(env, "init-db")
    flask(env, "seed-demo")


def measure_verify(env: dict, texts: list[str] | None, seconds: float) -> tuple[list, object]:
    """wrk on POST /api/v1/verify at 32 connections; issues the signed passes the first time."""
    with gunicorn(env) as server:
        if texts is None:
            texts = issue_passes(server.port, api_token(server.port, "clerk"), 300)
        officer = api_token(server.port, "officer")
        bodies = [json.dumps({"qr": qr, "checkpoint": CHECKPOINT}) for qr in texts]
        wrk(server.url + "/api/v1/verify", 2, 32, bodies=bodies, token=officer)  # warm up
        analyze(env["DATABASE_URL"])
        print(load_average())
        result = wrk(server.url + "/api/v1/verify", seconds, 32, bodies=bodies, token=officer)
        print(f"POST /api/v1/verify | {result.row()}")
        return texts, result


def bulk_load(url: str, passes: int, scans: int) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        # The bulk rows are consistent by construction: skip per-row foreign-key triggers.
        conn.execute(text("SET session_replication_role = replica"))
        conn.execute(text("SET maintenance_work_mem = '1GB'"))
        with phase(f"{ENTERPRISES:,} enterprises, {passes:,} people and passes"):
            load_registry(conn, passes)
        with phase(f"{CHECKPOINTS} checkpoints with an officer each"):
            load_checkpoints(conn)
        with phase(f"{scans:,} scans (indexes dropped, then rebuilt)"), \
                indexes_rebuilt(conn, "scans"):
            load_scans(conn, passes, scans)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn, \
            phase("VACUUM ANALYZE, CHECKPOINT"):
        conn.execute(text("VACUUM ANALYZE"))
        # Write the load's dirty pages out now, not during the measurements after it.
        conn.execute(text("CHECKPOINT"))
    engine.dispose()


def load_registry(conn, passes: int) -> None:
    kid = conn.execute(text("SELECT kid FROM passes LIMIT 1")).scalar_one()
    add_enterprises(conn, ENTERPRISES)
    add_people(conn, passes, ENTERPRISES)
    # Issued over 60 days, each valid for 7: about one in nine is valid now; 2% revoked.
    conn.execute(text("""
        INSERT INTO passes (id, number, kind, enterprise_id, person_id, plate, cargo, origin,
                            destination, valid_from, valid_until, holder_name, id_last4,
                            test_sampled_at, kid, token, holder_secret, created_at, created_by,
                            revoked_at, revoked_reason, revoked_by)
        SELECT 1000 + g, (:base + g)::text, 'vehicle', 1001 + g % :e, 1000 + g,
               '桂E' || lpad((g % 100000)::text, 5, '0'), 'daily', '450502', '450521',
               t, t + interval '7 days', '张*明', lpad((g % 10000)::text, 4, '0'),
               t - interval '8 hours', :kid, 'synthetic.' || g,
               substr(md5(g::text) || md5((-g)::text), 1, 43), t, 'bench',
               CASE WHEN g % 50 = 0 THEN t + interval '1 day' END,
               CASE WHEN g % 50 = 0 THEN 'bench' END, CASE WHEN g % 50 = 0 THEN 'bench' END
        FROM (SELECT g, now() - (g % 1440) * interval '1 hour' AS t
              FROM generate_series(1, :n) g) AS issued"""),
                 {"n": passes, "e": ENTERPRISES, "base": PASS_BASE, "kid": kid})
    for table in ("enterprises", "people", "passes"):
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"(SELECT max(id) FROM {table}))"))


def load_checkpoints(conn) -> None:
    password_hash = conn.execute(
        text("SELECT password_hash FROM users WHERE username = 'officer'")).scalar_one()
    conn.execute(text("""
        INSERT INTO checkpoints (code, name, kind, area, active, created_at)
        SELECT 'BH-SC-' || lpad(g::text, 2, '0'), '合成卡口' || g, 'highway_exit',
               (ARRAY['450502', '450503', '450512', '450521'])[1 + g % 4], true, now()
        FROM generate_series(1, :n) g"""), {"n": CHECKPOINTS})
    conn.execute(text("""
        INSERT INTO users (username, username_key, password_hash, role, active, created_at)
        SELECT 'officer-sc-' || g, 'officer-sc-' || g, :hash, 'officer', true, now()
        FROM generate_series(1, :n) g"""), {"n": CHECKPOINTS, "hash": password_hash})
    conn.execute(text("""
        INSERT INTO officer_checkpoints (user_id, checkpoint_id)
        SELECT u.id, c.id FROM users u JOIN checkpoints c
          ON c.code = 'BH-SC-' || lpad(substr(u.username, 12), 2, '0')"""))


def load_scans(conn, passes: int, scans: int) -> None:
    """Scans in time order, each at a checkpoint by its officer, with OUTCOMES' mix."""
    from checkpoints.models import reason_bits

    conn.execute(text("CREATE TEMP TABLE outcomes (slot int PRIMARY KEY, verdict text, "
                      "reasons json, bits int, genuine bool)"))
    slot = 0
    for share, verdict, reasons, genuine in OUTCOMES:
        conn.execute(text("INSERT INTO outcomes SELECT g, :verdict, :reasons, :bits, :genuine "
                          "FROM generate_series(CAST(:first AS int), CAST(:last AS int)) g"),
                     {"verdict": verdict, "reasons": json.dumps(reasons),
                      "bits": reason_bits(reasons), "genuine": genuine,
                      "first": slot, "last": slot + share - 1})
        slot += share
    chunk = 1_000_000
    for first in range(0, scans, chunk):
        started = time.perf_counter()
        conn.execute(text("""
            INSERT INTO scans (client_id, pass_number, enterprise_code, checkpoint_id,
                               officer_id, verdict, reasons, reason_bits, plate_seen,
                               scanned_at, received_at, offline)
            SELECT CASE WHEN s.offline THEN gen_random_uuid()::text END,
                   CASE WHEN o.genuine THEN (:base + s.p)::text END,
                   CASE WHEN o.genuine THEN '91450500SC' || lpad((1 + s.p % :e)::text, 8, '0') END,
                   c.id, oc.user_id, o.verdict, o.reasons, o.bits, NULL, s.at,
                   s.at + CASE WHEN s.offline THEN interval '20 minutes' ELSE interval '0' END,
                   s.offline
            FROM (SELECT g, now() - interval '1 day' * :days
                            + (interval '1 day' * :days) * g / :total AS at,
                         1 + floor(random() * :passes)::int AS p,
                         floor(random() * 1000)::int AS slot,
                         1 + floor(random() * :checkpoints)::int AS cp,
                         random() < 0.03 AS offline
                  FROM generate_series(:first + 1, :last) g) AS s
            JOIN outcomes o ON o.slot = s.slot
            JOIN checkpoints c ON c.code = 'BH-SC-' || lpad(s.cp::text, 2, '0')
            JOIN officer_checkpoints oc ON oc.checkpoint_id = c.id
            ORDER BY s.g"""),
                     {"base": PASS_BASE, "e": ENTERPRISES, "days": DAYS, "total": scans,
                      "passes": passes, "checkpoints": CHECKPOINTS, "first": first,
                      "last": min(first + chunk, scans)})
        print(f"  scans {min(first + chunk, scans):>12,} ({time.perf_counter() - started:.1f} s)",
              flush=True)


@contextmanager
def indexes_rebuilt(conn, table: str):
    """Drop the table's plain indexes for a bulk insert and build them again afterwards."""
    definitions = conn.execute(text("""
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = :table AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"""),
                               {"table": table}).all()
    for name, _ in definitions:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    started = time.perf_counter()
    for _, definition in definitions:
        conn.execute(text(definition))
    print(f"  {len(definitions)} indexes rebuilt ({time.perf_counter() - started:.1f} s)")


def scan_log_queries(url: str) -> dict[str, str]:
    """A query string per filter, picked from the data so each one has matches."""
    engine = create_engine(url)
    with engine.connect() as conn:
        pass_number, enterprise = conn.execute(text(
            "SELECT pass_number, enterprise_code FROM scans WHERE pass_number IS NOT NULL "
            "ORDER BY id DESC LIMIT 1")).one()
    engine.dispose()
    day = (time.time() - 10 * 86400)
    start = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(day + CST.utcoffset(None).seconds))
    end = time.strftime("%Y-%m-%dT%H:%M",
                        time.gmtime(day + 86400 + CST.utcoffset(None).seconds))
    return {
        "first page, no filter": "",
        "checkpoint": "?checkpoint=BH-SC-07",
        "verdict deny": "?verdict=deny",
        "reason enterprise_yellow (5%)": "?reason=enterprise_yellow",
        "reason bad_signature (0.3%)": "?reason=bad_signature",
        "reason key_revoked (none)": "?reason=key_revoked",
        "enterprise": f"?enterprise={enterprise}",
        "pass number": f"?pass={pass_number}",
        "date range (one day, 10 days ago)": f"?from={start}&to={end}",
        "page 50, no filter": "?page=50",
        "page 500 (the last one pageable)": "?page=500",
        "verdict check + checkpoint + date range": f"?verdict=check&checkpoint=BH-SC-07"
                                                   f"&from={start}&to={end}",
    }


def measure_scan_log(url: str, env: dict, requests: int) -> list[tuple[str, float, float]]:
    """Median and p95 of `requests` page loads per filter, signed in as the demo admin."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": env["SECRET_KEY"],
                      "KEY_ENCRYPTION_SECRET": env["KEY_ENCRYPTION_SECRET"],
                      "WTF_CSRF_ENABLED": False, "LOGIN_LIMITS": "1000 per minute",
                      "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    signed_in = client.post("/login", data={"username": "admin", "password": PASSWORD})
    if signed_in.status_code != 302:
        raise RuntimeError(f"admin sign-in failed: {signed_in.status_code}")
    client.get("/admin/scans")  # compiles the templates and opens the pool's connection
    rows = []
    for label, query in scan_log_queries(url).items():
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            page = client.get("/admin/scans" + query)
            timings.append((time.perf_counter() - started) * 1000)
            if page.status_code != 200:
                raise RuntimeError(f"/admin/scans{query}: {page.status_code}")
        median = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1]
        shown = page.text.count('class="title nowrap"')
        rows.append((label, median, p95))
        print(f"| {label} | {median:.1f} ms | {p95:.1f} ms | {shown} rows |", flush=True)
    # Not an issue-6 target, but the admin's other view over every scan: exact totals.
    for label, path in (("dashboard panel (counts over every scan)", "/admin/dashboard/panel"),):
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            if client.get(path).status_code != 200:
                raise RuntimeError(f"{path} failed")
            timings.append((time.perf_counter() - started) * 1000)
        print(f"| {label} | {statistics.median(timings):.1f} ms | max {max(timings):.1f} ms |"
              " |", flush=True)
    with app.app_context():
        db.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=10_000_000)
    parser.add_argument("--seconds", type=float, default=15, help="each wrk run")
    parser.add_argument("--requests", type=int, default=20, help="page loads per filter")
    args = parser.parse_args()
    print(subprocess.run(["df", "-h", "/work", "/var/lib/postgresql"], capture_output=True,
                         text=True).stdout)
    print(load_average())
    with throwaway_database("postgresql") as url:
        env = app_env(url)
        print(durability(url))
        with phase("schema and demo city"):
            build_schema(env)
        with phase("verify on the demo city (before the bulk load)"):
            texts, empty = measure_verify(env, None, args.seconds)
        bulk_load(url, args.passes, args.scans)
        with phase("admin scan log, median and p95"):
            print("| filter | median | p95 | rows shown |\n| --- | --- | --- | --- |")
            measure_scan_log(url, env, args.requests)
        with phase(f"verify with {args.passes:,} passes and {args.scans:,} scans"):
            _, loaded = measure_verify(env, texts, args.seconds)
        print(f"verify p99: {empty.p99_ms:.1f} ms before, {loaded.p99_ms:.1f} ms after "
              f"({loaded.p99_ms / empty.p99_ms:.2f}x; target at most 1.20x); throughput "
              f"{empty.rate:,.0f} -> {loaded.rate:,.0f} req/s "
              f"({loaded.rate / empty.rate:.2f}x; target at least 0.80x)")


if __name__ == "__main__":
    main()
