"""Another city's pass beside a local one: the time of one POST /api/v1/verify, in process.

Run from the repository root:  .venv/bin/python bench/bench_foreign_verify.py [--rounds 500]

A throwaway SQLite demo city (Beihai) trusts Qinzhou with a fresh feed of 10,000 enterprises,
1,000 revoked passes and 1,000 holds; local and foreign verifies alternate through the Flask
test client at the same checkpoint, each recording its scan, so both see the same load. No
HTTP server: this measures the verify path itself, not gunicorn.
"""
import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from core import crypto  # noqa: E402
from core.db import db  # noqa: E402
from demo import PASSWORD, seed  # noqa: E402
from federation.models import IssuerFeed, TrustedIssuer  # noqa: E402
from passes.models import Pass  # noqa: E402
from passtokens import tokens  # noqa: E402
from passtokens.qr import to_qr_text  # noqa: E402

CHECKPOINT = "BH-G75-EXIT"
ENTERPRISE = "91450700MA5KA1001P"


def qinzhou(now: datetime) -> tuple[dict, dict, str]:
    """Qinzhou's JWK set, a feed the size of a city, and the QR of one of its passes."""
    key = crypto.generate_private_key()
    colours = {f"9145070000{n:08d}": "green" for n in range(10_000)} | {ENTERPRISE: "green"}
    feed = {"issuer": "450700", "generated_at": now.isoformat(timespec="seconds"),
            "max_age_s": 900, "colours": colours,
            "states": dict.fromkeys(colours, "approved"),
            "revoked": [f"450700{n:06d}" for n in range(100_000, 101_000)],
            "revoked_kids": [], "holds": [f"450700{n:06d}" for n in range(200_000, 201_000)]}
    stamp = int(now.timestamp())
    claims = {"jti": "450700000042", "nbf": stamp - 3600, "exp": stamp + 86400, "k": 1,
              "e": ENTERPRISE, "p": "桂N12345", "n": "李*华", "i": "5678", "t": stamp - 3600,
              "c": 2, "o": 450702, "d": 450502}
    jwks = {"keys": [crypto.public_jwk(key.public_key(), "q7k")]}
    return jwks, feed, to_qr_text(crypto.sign(claims, key, "q7k", deflate=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                          "INSTANCE_PATH": f"{folder}/instance", "SECRET_KEY": "bench",
                          "KEY_ENCRYPTION_SECRET": "bench"})
        now = datetime.now(UTC)
        jwks, feed, foreign_qr = qinzhou(now)
        with app.app_context():
            db.create_all()
            seed("http://127.0.0.1")
            db.session.add(TrustedIssuer(area="450700", name="钦州市", jwks=jwks,
                                         feed_url="http://127.0.0.1:9/api/v1/status-feed"))
            db.session.add(IssuerFeed(area="450700", generated_at=now, max_age_s=900,
                                      payload=feed))
            db.session.commit()
            local_qr = tokens.qr_text(db.session.query(Pass).filter_by(plate="桂E12345").one())
        client = app.test_client()
        token = client.post("/api/v1/auth/token",
                            json={"username": "officer", "password": PASSWORD}).json
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        timings = {"local": [], "foreign": []}
        for round_ in range(args.rounds + 20):
            for kind, qr in (("local", local_qr), ("foreign", foreign_qr)):
                started = time.perf_counter()
                response = client.post("/api/v1/verify", json={"qr": qr, "checkpoint": CHECKPOINT},
                                       headers=headers)
                elapsed = time.perf_counter() - started
                assert response.json["verdict"] == "pass", response.json
                if round_ >= 20:  # the first rounds warm caches up
                    timings[kind].append(elapsed * 1000)
        print(f"{args.rounds} verifies of each, alternating, SQLite, in process")
        print("| pass | mean | p50 | p99 |")
        print("| --- | --- | --- | --- |")
        for kind, values in timings.items():
            cuts = statistics.quantiles(values, n=100)
            print(f"| {kind} | {statistics.fmean(values):.2f} ms | {cuts[49]:.2f} ms "
                  f"| {cuts[98]:.2f} ms |")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
