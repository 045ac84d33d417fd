"""Two app instances behind nginx (issue 6): shared state, shared rate limits, throughput.

Run from the repository root:  .venv/bin/python bench/bench_cluster.py [--seconds 10]

A throwaway PostgreSQL database with the demo city; two gunicorn instances A and B with the
same environment (DATABASE_URL, REDIS_URL, secrets, LP_PROXY_COUNT=1); nginx from
deploy/nginx.conf in front of both. Checks that a colour change and a revocation made
through A are honoured by B at its next verification, that the failed-login limit is
counted once across both instances, and that through nginx it keys on the client's
address; then measures POST /api/v1/verify with wrk through nginx and directly. Exits
non-zero when a check fails; stops everything and drops the database whatever happens.
"""
import argparse
import json
import secrets

from harness import (
    CHECKPOINT,
    CLERK_ENTERPRISE,
    api_token,
    call,
    demo_city,
    durability,
    fetch,
    gunicorn,
    issue_passes,
    load_average,
    nginx,
    wrk,
)

LOGIN_LIMIT = 5  # per minute, for this run


class Checks:
    def __init__(self):
        self.failed = 0

    def expect(self, ok: bool, what: str) -> None:
        self.failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {what}")


def verify(port: int, officer: str, qr: str) -> tuple[str, list[str], dict]:
    status, body = call(port, "POST", "/api/v1/verify", {"qr": qr, "checkpoint": CHECKPOINT},
                        officer)
    if status != 200:
        raise RuntimeError(f"verify answered {status}: {body}")
    return body["verdict"], [reason["code"] for reason in body["reasons"]], body


def check_shared_state(checks: Checks, a, b, admin: str, officer: str, qr: str) -> None:
    """Changes made through A, seen by B at its very next verification."""
    print("\n## a. a change made through A is honoured by B")
    verdict, _, body = verify(b.port, officer, qr)
    number = body["pass"]["number"]
    checks.expect(verdict == "pass", f"B before any change: {verdict}")
    for colour, expected in (("yellow", ("check", "enterprise_yellow")),
                             ("red", ("deny", "enterprise_red")), ("green", ("pass", None))):
        status, _ = call(a.port, "PUT", f"/api/v1/enterprises/{CLERK_ENTERPRISE}/colour",
                         {"colour": colour, "reason": "bench"}, admin)
        verdict, reasons, _ = verify(b.port, officer, qr)
        checks.expect(status == 200 and verdict == expected[0]
                      and (expected[1] is None or expected[1] in reasons),
                      f"colour {colour} set through A ({status}); B says {verdict} {reasons}")
    status, _ = call(a.port, "POST", f"/api/v1/passes/{number}/revoke", {"reason": "bench"},
                     admin)
    verdict, reasons, _ = verify(b.port, officer, qr)
    checks.expect(status == 200 and verdict == "deny" and "revoked" in reasons,
                  f"pass {number} revoked through A ({status}); B says {verdict} {reasons}")


def failed_login(base_url: str, tls=None, source=None, headers=None, username=None) -> int:
    body = {"username": username or f"nobody-{secrets.token_hex(4)}", "password": "wrong"}
    status, _, _ = fetch(base_url, "POST", "/api/v1/auth/token", body, tls=tls, source=source,
                         headers=headers)
    return status


def check_shared_limits(checks: Checks, a, b, proxy) -> None:
    print(f"\n## b. the failed-login limit ({LOGIN_LIMIT} per minute) is shared")
    # One account, alternating instances: counted per account and per address in Redis.
    username = f"nobody-{secrets.token_hex(4)}"
    statuses = [failed_login((a, b)[n % 2].url, username=username)
                for n in range(LOGIN_LIMIT + 1)]
    checks.expect(statuses == [401] * LOGIN_LIMIT + [429],
                  f"failed logins alternating A, B: {statuses}")
    # 127.0.0.1, nginx's own address towards the app, is now over the limit: through nginx,
    # clients at other loopback addresses are counted on their own.
    tls = proxy.tls()
    statuses = [failed_login(proxy.url, tls, "127.0.0.2") for _ in range(LOGIN_LIMIT + 1)]
    checks.expect(statuses == [401] * LOGIN_LIMIT + [429],
                  f"through nginx from 127.0.0.2, a new name each time: {statuses}")
    status = failed_login(proxy.url, tls, "127.0.0.2", {"X-Forwarded-For": "10.1.2.3"})
    checks.expect(status == 429, f"127.0.0.2 claiming X-Forwarded-For 10.1.2.3: {status}")
    status = failed_login(proxy.url, tls, "127.0.0.3")
    checks.expect(status == 401, f"through nginx from 127.0.0.3: {status} (not limited)")
    _, headers, _ = fetch(proxy.url, "GET", "/healthz", tls=tls)
    checks.expect("Strict-Transport-Security" in headers,
                  "HTTPS through nginx: the app sees a secure request (HSTS sent)")
    status, headers, _ = fetch(f"http://127.0.0.1:{proxy.http_port}", "GET", "/checkpoint/scan")
    checks.expect(status == 301 and headers["Location"].startswith("https://"),
                  f"plain HTTP redirects to HTTPS: {status} {headers['Location']}")


def measure(args, a, b, proxy, officer: str, bodies: list[str]) -> bool:
    print(f"\n## c. throughput: wrk {args.connections} connections, {args.seconds:g} s each;"
          f" gunicorn {args.workers} workers x {args.threads} threads per instance")
    verify_url = "/api/v1/verify"
    with nginx([a.port]) as single:
        for url in (proxy.url, single.url, a.url):  # warm up every path
            wrk(url + verify_url, 2, args.connections, bodies=bodies, token=officer)
        print(load_average())
        runs = {
            "one instance, direct": wrk(a.url + verify_url, args.seconds, args.connections,
                                        bodies=bodies, token=officer),
            "nginx + one instance": wrk(single.url + verify_url, args.seconds,
                                        args.connections, bodies=bodies, token=officer),
            "nginx + two instances": wrk(proxy.url + verify_url, args.seconds,
                                         args.connections, bodies=bodies, token=officer),
        }
        bare = wrk(proxy.url + "/healthz", args.seconds, args.connections)
    base = runs["one instance, direct"].rate
    print("\n| POST /api/v1/verify | req/s | p50 ms | p99 ms | vs one direct | vs bare |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, run in runs.items():
        print(f"| {name} | {run.rate:,.0f} | {run.p50_ms:.1f} | {run.p99_ms:.1f} "
              f"| {run.rate / base:.2f} | {run.rate / bare.rate:.2f} |")
    print(f"| bare /healthz, nginx + two instances | {bare.rate:,.0f} | {bare.p50_ms:.1f} "
          f"| {bare.p99_ms:.1f} | {bare.rate / base:.2f} | 1.00 |")
    print(load_average())
    return all(run.non_2xx == 0 and run.socket_errors == 0 for run in [*runs.values(), bare])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--passes", type=int, default=200)
    args = parser.parse_args()
    checks = Checks()
    with demo_city("postgresql") as (url, env):
        env = env | {"LP_PROXY_COUNT": "1", "LP_LOGIN_LIMITS": f"{LOGIN_LIMIT} per minute",
                     # Counters of this run only, in the Redis other runs share.
                     "LP_RATELIMIT_KEY_PREFIX": f"lp-bench-{secrets.token_hex(4)}"}
        print(f"# two instances behind nginx: {durability(url)}")
        with (gunicorn(env, args.workers, args.threads) as a,
              gunicorn(env, args.workers, args.threads) as b,
              nginx([a.port, b.port]) as proxy):
            texts = issue_passes(a.port, api_token(a.port, "clerk"), args.passes)
            admin, officer = api_token(a.port, "admin"), api_token(b.port, "officer")
            check_shared_state(checks, a, b, admin, officer, texts[-1])
            check_shared_limits(checks, a, b, proxy)
            bodies = [json.dumps({"qr": qr, "checkpoint": CHECKPOINT}) for qr in texts[:-1]]
            checks.expect(measure(args, a, b, proxy, officer, bodies),
                          "every request under load answered 2xx, no socket errors")
    if checks.failed:
        raise SystemExit(f"{checks.failed} check(s) failed")


if __name__ == "__main__":
    main()
