"""Load test on loopback (issue 5): concurrent issuance, verification and colour changes.

Run from the repository root:  .venv/bin/python bench/load_test.py [--seconds 120]

Creates a throwaway PostgreSQL database, seeds the demo city, serves the app with gunicorn on
127.0.0.1, drives it for a bounded time, then checks the database: no lost or duplicated
passes or scans, consecutive serials, an intact audit chain, and every colour change seen by
the next verification. Drops the database and stops gunicorn whatever happens. Exits non-zero
when any check fails.
"""
import argparse
import http.client
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict

from harness import (
    CHECKPOINT,
    CLERK_ENTERPRISE,
    PASSWORD,
    POSTGRES_ADMIN_URL,
    ROOT,
    VENV_BIN,
    application,
    fetch,
    free_port,
)
from sqlalchemy import create_engine, text

GUNICORN = ["--workers", "2", "--threads", "8"]
TIMEOUT = 30


class Stats:
    """Every response, by kind: status counts, latencies, failures."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = defaultdict(Counter)
        self.latencies = defaultdict(list)
        self.failures = []  # (kind, description)

    def add(self, kind, status, seconds):
        with self.lock:
            self.statuses[kind][status] += 1
            self.latencies[kind].append(seconds)

    def fail(self, kind, what):
        with self.lock:
            if len(self.failures) < 1000:
                self.failures.append((kind, what))


class Client:
    def __init__(self, port, stats):
        self.port = port
        self.stats = stats

    def call(self, kind, method, path, body=None, token=None):
        """One request on a fresh connection; (status, parsed JSON or None). Status 0 = error."""
        started = time.perf_counter()
        try:
            status, _, data = fetch(f"http://127.0.0.1:{self.port}", method, path, body, token,
                                    timeout=TIMEOUT)
        except (OSError, http.client.HTTPException, ValueError) as error:
            self.stats.add(kind, "connection-error", time.perf_counter() - started)
            self.stats.fail(kind, f"{method} {path}: {error!r}")
            return 0, None
        self.stats.add(kind, status, time.perf_counter() - started)
        if status >= 500:
            self.stats.fail(kind, f"{method} {path}: {status} {data!r}")
        return status, data


def flask(env, *args, check=True):
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env,
                          check=check, capture_output=True, text=True)


class Application:
    """A unique vehicle application: counter-derived plate and driver ID."""

    def __init__(self):
        self.lock = threading.Lock()
        self.n = random.randrange(0, 1000)

    def next(self):
        with self.lock:
            self.n += 1
            return application(self.n)


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def run_load(client, tokens, seconds, stats, issuers, verifiers):
    stop = threading.Event()
    issued_lock = threading.Lock()
    issued = []  # (number, qr_text)
    scan_ids = []
    colour_checks = []  # (colour, verdict, reason codes, ok)
    applications = Application()

    # A known pass for the colour checks, issued before the load starts.
    status, body = client.call("issue", "POST", "/api/v1/passes", applications.next(),
                               tokens["clerk"])
    if status != 201:
        raise RuntimeError(f"could not issue the reference pass: {status} {body}")
    known = body["qr_text"]
    issued.append((body["number"], known))

    def verify(kind, qr):
        status, body = client.call(kind, "POST", "/api/v1/verify",
                                   {"qr": qr, "checkpoint": CHECKPOINT}, tokens["officer"])
        if status == 200:
            with issued_lock:
                scan_ids.append(body.get("scan_id"))
        elif status and status < 500:
            stats.fail(kind, f"verify: unexpected {status} {body}")
        return status, body

    def issuer():
        while not stop.is_set():
            status, body = client.call("issue", "POST", "/api/v1/passes", applications.next(),
                                       tokens["clerk"])
            if status == 201:
                with issued_lock:
                    issued.append((body["number"], body["qr_text"]))
            elif status and status < 500:
                stats.fail("issue", f"unexpected {status} {body}")

    def verifier():
        rng = random.Random()
        while not stop.is_set():
            with issued_lock:
                qr = rng.choice(issued)[1]
            verify("verify", qr)

    def admin():
        colours = ["yellow", "green"]
        i = 0
        while not stop.wait(3.0):
            colour = colours[i % 2]
            i += 1
            status, body = client.call(
                "colour", "PUT", f"/api/v1/enterprises/{CLERK_ENTERPRISE}/colour",
                {"colour": colour, "reason": "load test"}, tokens["admin"])
            if status != 200:
                if status and status < 500:
                    stats.fail("colour", f"unexpected {status} {body}")
                continue
            status, body = verify("verify_after_colour", known)
            if status != 200:
                colour_checks.append((colour, None, None, False))
                continue
            codes = [r["code"] for r in body["reasons"]]
            if colour == "green":
                ok = body["verdict"] == "pass" and not codes
            else:
                ok = body["verdict"] == "check" and "enterprise_yellow" in codes
            ok = ok and body["enterprise"]["colour"] == colour
            colour_checks.append((colour, body["verdict"], codes, ok))
        if i % 2:  # the last change set yellow: leave the enterprise green
            client.call("colour", "PUT", f"/api/v1/enterprises/{CLERK_ENTERPRISE}/colour",
                        {"colour": "green", "reason": "load test"}, tokens["admin"])

    threads = ([threading.Thread(target=issuer, daemon=True) for _ in range(issuers)]
               + [threading.Thread(target=verifier, daemon=True) for _ in range(verifiers)]
               + [threading.Thread(target=admin, daemon=True)])
    started = time.perf_counter()
    for t in threads:
        t.start()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join(TIMEOUT + 5)
    elapsed = time.perf_counter() - started
    alive = [t for t in threads if t.is_alive()]
    if alive:
        stats.fail("run", f"{len(alive)} threads still running after stop")
    return elapsed, issued, scan_ids, colour_checks


def check_database(url, seeded_passes, scans_before, issued, scan_ids):
    """Returns (problems, facts)."""
    problems = []
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            numbers = [n for n, _ in issued]
            rows = conn.execute(text("SELECT number FROM passes")).scalars().all()
            counts = Counter(rows)
            dup_db = [n for n, c in counts.items() if c > 1]
            lost = [n for n in numbers if counts[n] != 1]
            dup_responses = [n for n, c in Counter(numbers).items() if c > 1]
            extra = len(rows) - seeded_passes - len(numbers)
            serial_rows = conn.execute(text("SELECT area, last FROM pass_serials")).all()
            serials = sorted(int(n[6:]) for n in rows)
            consecutive = serials == list(range(1, len(serials) + 1))
            last = sum(r.last for r in serial_rows)
            scans_after = conn.execute(text("SELECT count(*) FROM scans")).scalar_one()
            ids = [i for i in scan_ids if i is not None]
            found = set(conn.execute(text("SELECT id FROM scans WHERE id = ANY(:ids)"),
                                     {"ids": ids}).scalars().all()) if ids else set()
        missing_ids = len(ids) != len(scan_ids)
        dup_ids = len(ids) - len(set(ids))
        lost_scans = len(set(ids) - found)
        grew = scans_after - scans_before
        facts = {"passes_in_db": len(rows), "seeded_passes": seeded_passes,
                 "issued_201": len(numbers), "lost_passes": len(lost),
                 "duplicated_passes": len(dup_db) + len(dup_responses),
                 "extra_passes": extra, "serials_consecutive": consecutive,
                 "serial_last": last, "scans_before": scans_before, "scans_after": scans_after,
                 "verify_200": len(scan_ids), "lost_scans": lost_scans,
                 "duplicated_scans": dup_ids, "scan_growth_matches": grew == len(scan_ids)}
        if lost:
            problems.append(f"{len(lost)} issued passes not found exactly once: {lost[:5]}")
        if dup_db or dup_responses:
            problems.append(f"duplicated pass numbers: {(dup_db + dup_responses)[:5]}")
        if extra:
            problems.append(f"{extra} passes in the database beyond the seeded and issued")
        if not consecutive or last != len(rows):
            problems.append(f"serials not consecutive (last {last}, {len(rows)} passes)")
        if missing_ids:
            problems.append("some 200 verifies had no scan_id")
        if dup_ids:
            problems.append(f"{dup_ids} duplicated scan_id values")
        if lost_scans:
            problems.append(f"{lost_scans} scan_id values not in the database")
        if grew != len(scan_ids):
            problems.append(f"scans grew by {grew}, but {len(scan_ids)} verifies got 200")
        return problems, facts
    finally:
        engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--issuers", type=int, default=4)
    parser.add_argument("--verifiers", type=int, default=8)
    args = parser.parse_args()

    name = f"lp_load_{secrets.token_hex(4)}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    env = os.environ | {
        "DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SECRET_KEY": "load-test-secret-key-not-for-production",
        "KEY_ENCRYPTION_SECRET": "load-test-key-encryption-secret-not-for-production",
        "LP_LOGIN_LIMITS": "1000 per minute", "LP_SESSION_COOKIE_SECURE": "false",
    }
    admin_engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    gunicorn = None
    problems = []
    try:
        with admin_engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        print(f"database {name}")
        flask(env, "init-db")
        flask(env, "seed-demo")
        engine = create_engine(url)
        with engine.connect() as conn:
            seeded_passes = conn.execute(text("SELECT count(*) FROM passes")).scalar_one()
            scans_before = conn.execute(text("SELECT count(*) FROM scans")).scalar_one()
        engine.dispose()

        port = free_port()
        gunicorn = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), *GUNICORN, "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "app:create_app()"],
            cwd=ROOT, env=env)
        stats = Stats()
        client = Client(port, stats)
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/login")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if gunicorn.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.3)
        print(f"gunicorn {' '.join(GUNICORN)} on 127.0.0.1:{port}")

        tokens = {}
        for user in ("admin", "clerk", "officer"):
            status, body = client.call("token", "POST", "/api/v1/auth/token",
                                       {"username": user, "password": PASSWORD})
            if status != 200:
                raise RuntimeError(f"no token for {user}: {status} {body}")
            tokens[user] = body["access_token"]

        print(f"running {args.seconds:g} s: {args.issuers} issuers, {args.verifiers} verifiers,"
              " 1 colour changer")
        elapsed, issued, scan_ids, colour_checks = run_load(
            client, tokens, args.seconds, stats, args.issuers, args.verifiers)

        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(30)
        except subprocess.TimeoutExpired:
            problems.append("gunicorn did not stop within 30 s of SIGTERM")
            gunicorn.kill()
            gunicorn.wait()
        gunicorn = None

        db_problems, facts = check_database(url, seeded_passes, scans_before, issued, scan_ids)
        problems += db_problems
        audit = flask(env, "audit", "verify", check=False)
        if audit.returncode != 0:
            problems.append(f"audit verify failed: {audit.stderr.strip()}")

        # Summary
        print(f"\nduration {elapsed:.1f} s")
        print(f"{'kind':<22}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
              f"{'p99 ms':>9}  statuses")
        total_5xx = 0
        errors = 0
        for kind in ("issue", "verify", "verify_after_colour", "colour", "token"):
            lat = stats.latencies.get(kind, [])
            statuses = stats.statuses.get(kind, Counter())
            total_5xx += sum(c for s, c in statuses.items() if isinstance(s, int) and s >= 500)
            errors += statuses.get("connection-error", 0)
            rate = len(lat) / elapsed if kind != "token" else float("nan")
            print(f"{kind:<22}{len(lat):>9}{rate:>9.1f}{percentile(lat, 50) * 1000:>9.1f}"
                  f"{percentile(lat, 95) * 1000:>9.1f}{percentile(lat, 99) * 1000:>9.1f}  "
                  + ", ".join(f"{s}: {c}" for s, c in sorted(statuses.items(), key=str)))
        all_requests = sum(len(v) for v in stats.latencies.values())
        print(f"all requests {all_requests} ({all_requests / elapsed:.1f} req/s), "
              f"5xx {total_5xx}, connection errors {errors}")
        print("passes: " + ", ".join(f"{k} {v}" for k, v in facts.items()
                                     if k.endswith("passes") or k.startswith(("issued", "serial"))))
        print("scans: " + ", ".join(f"{k} {v}" for k, v in facts.items()
                                    if "scan" in k or k == "verify_200"))
        bad = [c for c in colour_checks if not c[3]]
        print(f"colour changes checked {len(colour_checks)} "
              f"({Counter(c[0] for c in colour_checks)}), violations {len(bad)}")
        for c in bad[:10]:
            print(f"  violation: set {c[0]}, verdict {c[1]}, reasons {c[2]}")
        print(f"audit verify: {audit.stdout.strip() or audit.stderr.strip()}")
        if total_5xx:
            problems.append(f"{total_5xx} responses with 5xx")
        if errors:
            problems.append(f"{errors} connection errors")
        if bad:
            problems.append(f"{len(bad)} colour changes not visible at the next verification")
        if not colour_checks:
            problems.append("no colour change was checked")
        for kind, what in stats.failures[:20]:
            print(f"  failure [{kind}] {what}")
        if stats.failures:
            problems.append(f"{len(stats.failures)} failed or unexpected responses")
    except Exception as error:  # report, then clean up
        problems.append(f"error: {error!r}")
    finally:
        if gunicorn is not None:
            gunicorn.kill()
            gunicorn.wait()
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()
        print(f"dropped database {name}")

    if problems:
        print("\nFAILED:")
        for p in problems:
            print(f"  - {p}")
        return 1
    print("\nOK: zero 5xx, no lost or duplicated passes or scans, every colour change seen")
    return 0


if __name__ == "__main__":
    sys.exit(main())
