"""CPU per verify, in process: POST /api/v1/verify beside GET /healthz through the test client.

Run from the repository root:  .venv/bin/python bench/bench_verify_cpu.py [--rounds 1000]

A throwaway demo city (SQLite on tmpfs, or a throwaway PostgreSQL database with
--database postgresql); one request at a time, so the figure is the worker CPU a request
costs (time.process_time; on PostgreSQL the server's own CPU is not in it), not what a loaded
machine makes of it. Quick to run between two changes of the hot path: the gunicorn bench
(bench_verify.py) is the target. SORT and FILTER in the environment reorder and narrow the
--profile listing (pstats sort keys, a regular expression over file names).
"""
import argparse
import contextlib
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import lean_verify  # noqa: E402
from harness import application, throwaway_database  # noqa: E402

from app import create_app  # noqa: E402
from core.db import db  # noqa: E402
from demo import PASSWORD, seed  # noqa: E402

CHECKPOINT = "BH-G75-EXIT"


def cpu_ms(request, rounds: int, repeats: int = 5) -> float:
    """CPU per request: the best of `repeats` batches, the least disturbed by other load."""
    for _ in range(50):  # warm caches up
        request()
    batch = max(1, rounds // repeats)
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for _ in range(batch):
            request()
        best = min(best, (time.process_time() - started) * 1000 / batch)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=200)
    parser.add_argument("--profile", action="store_true",
                        help="then the verify rounds again under cProfile")
    parser.add_argument("--lean", action="store_true",
                        help="also the lean verify of bench/lean_verify.py, on the same data")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    # On tmpfs when there is one: an fsync there costs nothing, so the figure is the CPU
    # of the request and not the disk's mood (bench_verify.py measures durable commits).
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with (tempfile.TemporaryDirectory(dir=shm) as folder,
          throwaway_database("postgresql") if args.database == "postgresql"
          else contextlib.nullcontext(f"sqlite:///{folder}/bench.sqlite3") as url):
        app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                          "INSTANCE_PATH": f"{folder}/instance", "SECRET_KEY": "bench",
                          "KEY_ENCRYPTION_SECRET": "bench"})
        with app.app_context():
            db.create_all()
            seed("http://127.0.0.1")
        client = app.test_client()
        clerk = client.post("/api/v1/auth/token",
                            json={"username": "clerk", "password": PASSWORD}).json
        # As many passes as the gunicorn bench, so each is scanned about as often.
        texts = [client.post("/api/v1/passes", json=application(n), headers={
            "Authorization": f"Bearer {clerk['access_token']}"}).json["qr_text"]
            for n in range(args.passes)]
        token = client.post("/api/v1/auth/token",
                            json={"username": "officer", "password": PASSWORD}).json
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        turn = iter(range(10**9))

        def verify():
            qr = texts[next(turn) % len(texts)]
            response = client.post("/api/v1/verify", json={"qr": qr, "checkpoint": CHECKPOINT},
                                   headers=headers)
            assert response.status_code == 200, response.json

        bare = cpu_ms(lambda: client.get("/healthz"), args.rounds)
        verify_ms = cpu_ms(verify, args.rounds)
        print(f"CPU per request, {args.rounds} each, {args.database}: /healthz {bare:.2f} ms, "
              f"verify {verify_ms:.2f} ms ({len(texts)} passes in turn)")
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(cpu_ms, verify, args.rounds, 1)
            stats = pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative"))
            # Deterministic, unlike any timing on a shared machine: for A/B between changes.
            calls = stats.total_calls / (args.rounds + 50)  # type: ignore[attr-defined]
            print(f"Python function calls per verify (cProfile, test client included): "
                  f"{calls:,.0f}")
            print("Where a verify's CPU goes (cProfile, cumulative, the app's own frames):")
            own_frames = r"wt-|work/main|flask/app|sqlalchemy/orm/session"
            stats.print_stats(os.environ.get("FILTER", own_frames), 30)
        if args.lean:
            os.environ["DATABASE_URL"] = url
            client = lean_verify.create_app().test_client()
            print(f"the lean verify of bench/lean_verify.py: {cpu_ms(verify, args.rounds):.2f} ms")
            if args.profile:
                profile = cProfile.Profile()
                profile.runcall(cpu_ms, verify, args.rounds, 1)
                calls = pstats.Stats(profile).total_calls / (args.rounds + 50)  # type: ignore[attr-defined]
                print(f"Python function calls per lean verify: {calls:,.0f}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
