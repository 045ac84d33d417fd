"""Offline bundle (issue 6): gzipped size and build time at 10,000 enterprises, 100,000 revoked.

Run from the repository root:  .venv/bin/python bench/bench_bundle.py [--runs 5]

Creates a throwaway PostgreSQL database with the demo city, adds synthetic enterprises and
passes with generate_series (revoked and not yet expired; plus valid ones, whose holders the
bundle also carries), then builds GET /api/v1/offline-bundle's body in the app, several
times. Targets: at most 1 MB gzipped, built in under 1 s. Drops the database at the end.
"""
import argparse
import base64
import gzip
import json
import statistics
import time

from harness import (
    add_enterprises,
    add_people,
    app_env,
    durability,
    flask,
    load_average,
    throwaway_database,
)
from sqlalchemy import create_engine, text

from app import create_app
from checkpoints import bundle
from core.db import db


def load(url: str, enterprises: int, revoked: int, valid: int) -> None:
    """Approved enterprises (10% yellow, 3% red), then passes valid for the next 5 days."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SET session_replication_role = replica"))
        kid = conn.execute(text("SELECT kid FROM passes LIMIT 1")).scalar_one()
        add_enterprises(conn, enterprises)
        total = revoked + valid
        add_people(conn, total, enterprises)
        # Revoked passes scattered over the serials, as they are revoked one by one.
        conn.execute(text("""
            INSERT INTO passes (id, number, kind, enterprise_id, person_id, plate, cargo,
                                origin, destination, valid_from, valid_until, holder_name,
                                id_last4, test_sampled_at, kid, token, holder_secret,
                                created_at, created_by, revoked_at, revoked_reason, revoked_by)
            SELECT 1000 + g, (450501000000 + g)::text, 'vehicle', 1001 + g % :e, 1000 + g,
                   '桂E' || lpad((g % 100000)::text, 5, '0'), 'daily', '450502', '450521',
                   now() - interval '1 day', now() + interval '5 days', '张*明', '1234',
                   now() - interval '30 hours', :kid, 'synthetic.' || g,
                   substr(md5(g::text) || md5((-g)::text), 1, 43), now(), 'bench',
                   CASE WHEN g::bigint * 7919 % :n < :revoked THEN now() END,
                   CASE WHEN g::bigint * 7919 % :n < :revoked THEN 'bench' END,
                   CASE WHEN g::bigint * 7919 % :n < :revoked THEN 'bench' END
            FROM generate_series(1, :n) g"""),
                     {"n": total, "e": enterprises, "kid": kid, "revoked": revoked})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def measure(url: str, env: dict, runs: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": env["SECRET_KEY"],
                      "KEY_ENCRYPTION_SECRET": env["KEY_ENCRYPTION_SECRET"]})
    timings = []
    with app.app_context():
        for _ in range(runs + 1):  # the first run warms the connection pool and caches
            started = time.perf_counter()
            with app.test_request_context():
                body = json.dumps({"jws": bundle.offline_bundle()}, separators=(",", ":"))
            timings.append((time.perf_counter() - started) * 1000)
            db.session.remove()
        db.engine.dispose()
    encoded = json.loads(body)["jws"].split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    raw = body.encode()
    zipped = gzip.compress(raw, compresslevel=6)
    print(load_average())
    print(f"entries: {len(payload['colours']):,} colours, {len(payload['names']):,} names, "
          f"{len(payload['revoked']):,} revoked, {len(payload['people']):,} holders")
    parts = {name: len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
             for name, value in payload.items()}
    print("payload JSON bytes by key: " + ", ".join(
        f"{name} {size:,}" for name, size in sorted(parts.items(), key=lambda kv: -kv[1])))
    print(f"response body {len(raw):,} bytes, gzipped (level 6) {len(zipped):,} bytes "
          f"= {len(zipped) / 2**20:.2f} MiB (target at most 1 MB)")
    print(f"build: median {statistics.median(timings[1:]):.0f} ms over {runs} runs "
          f"(min {min(timings[1:]):.0f}, max {max(timings[1:]):.0f}; first "
          f"{timings[0]:.0f} ms); target under 1,000 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--revoked", type=int, default=100_000)
    parser.add_argument("--valid", type=int, default=25_000,
                        help="unrevoked valid passes (Beihai: ~7,000 vehicle + ~18,000 staff)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with throwaway_database("postgresql") as url:
        env = app_env(url)
        print(durability(url))
        flask(env, "init-db")
        flask(env, "seed-demo")
        started = time.perf_counter()
        load(url, args.enterprises, args.revoked, args.valid)
        print(f"loaded {args.enterprises:,} enterprises, {args.revoked:,} revoked and "
              f"{args.valid:,} valid passes in {time.perf_counter() - started:.1f} s")
        measure(url, env, args.runs)


if __name__ == "__main__":
    main()
