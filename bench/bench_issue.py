"""Issuance throughput (issue 6): POST /api/v1/passes at 32 connections under gunicorn, and
cached QR images served afterwards.

Run from the repository root:  .venv/bin/python bench/bench_issue.py [--seconds 20]

For each database: a throwaway demo city under gunicorn; wrk on the bare /healthz endpoint,
then on POST /api/v1/passes with distinct valid applications (each one validated, numbered,
signed and stored, with its audit entry), then on GET .../qr.png of the passes it issued
(the image is rendered on first request and then served from the database cache). All in
the same run, so the ratios to the bare endpoint share the machine's load. Afterwards the
bench checks that every 201 left exactly one pass, with consecutive serials.
"""
import argparse
import json
import tempfile
from pathlib import Path

from harness import (
    CLERK_ENTERPRISE,
    add_server_options,
    api_token,
    application,
    count_rows,
    databases,
    demo_city,
    gunicorn,
    load_average,
    profile_by_package,
    profile_top_frames,
    profiled,
    wrk,
    wrk_costed,
)
from sqlalchemy import create_engine, text


def issued_numbers(url: str) -> list[str]:
    """The clerk's passes (the demo city's other enterprises have a few too)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT number FROM passes JOIN enterprises ON enterprises.id = enterprise_id"
                " WHERE enterprises.code = :code ORDER BY number"), {"code": CLERK_ENTERPRISE},
            ).scalars().all()
    finally:
        engine.dispose()


def all_numbers(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT number FROM passes")).scalars().all()
    finally:
        engine.dispose()


def measure(kind: str, args) -> bool:
    # The enterprise's issuing quota (500 an hour by default) would refuse most of a run:
    # what is measured is issuing, not the quota's refusals.
    unlimited = {"LP_ISSUE_QUOTA_PER_HOUR": "1000000", "LP_ISSUE_QUOTA_PER_DAY": "1000000"}
    with demo_city(kind, **unlimited) as (url, env), \
            gunicorn(env, args.workers, args.threads) as server:
        clerk = api_token(server.port, "clerk")
        applications = [("POST", "/api/v1/passes", json.dumps(application(n)))
                        for n in range(args.applications)]
        print(f"\n## {kind}: gunicorn {args.workers} workers x {args.threads} threads; "
              f"wrk {args.connections} connections, {args.seconds:g} s each")
        wrk(server.url + "/healthz", 2, args.connections)  # warm up both workers
        passes_before = count_rows(url, "passes")
        print(load_average())
        bare = wrk(server.url + "/healthz", args.seconds, args.connections)
        print(f"bare /healthz         | {bare.row()}")
        issue, used = wrk_costed(server, url, server.url, args.seconds, args.connections,
                                 token=clerk, requests=applications)
        print(f"POST /api/v1/passes   | {issue.row()} | x{issue.rate / bare.rate:.2f} bare")
        print(f"CPU per issue: {used.per_request(issue.requests)}")
        if args.profile:
            more = [("POST", "/api/v1/passes", json.dumps(application(n)))
                    for n in range(args.applications, 2 * args.applications)]
            with tempfile.TemporaryDirectory() as folder:
                stacks = Path(folder, "stacks.txt")
                with profiled(server, args.seconds, stacks):
                    wrk(server.url, args.seconds, args.connections, token=clerk, requests=more)
                print("One worker's Python time (GIL held) issuing, by package (py-spy):")
                for package, share in profile_by_package(stacks):
                    print(f"  {share:6.1%}  {package}")
                print("Top frames (share of samples with the frame on the stack):")
                for frame, share in profile_top_frames(stacks, top=25):
                    print(f"  {share:6.1%}  {frame}")
        numbers = issued_numbers(url)
        images = [("GET", f"/api/v1/passes/{number}/qr.png", "") for number in numbers]
        first = wrk(server.url, args.seconds, args.connections, token=clerk, requests=images)
        print(f"GET qr.png (mostly first renders) | {first.row()}")
        cached = wrk(server.url, args.seconds, args.connections, token=clerk, requests=images)
        print(f"GET qr.png (cached)   | {cached.row()} | x{cached.rate / bare.rate:.2f} bare")
        grew = count_rows(url, "passes") - passes_before
        serials = sorted(int(number[6:]) for number in all_numbers(url))
        consecutive = serials == list(range(1, len(serials) + 1))
        print(f"passes stored {grew:,} for {issue.requests:,} answered applications; "
              f"serials consecutive: {consecutive}")
        return (issue.non_2xx == 0 and issue.socket_errors == 0 and consecutive
                and grew >= issue.requests and cached.non_2xx == 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_options(parser)
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--profile", action="store_true",
                        help="then profile one worker with py-spy during another issuing run")
    args = parser.parse_args()
    ok = [measure(kind, args) for kind in databases(args)]
    if not all(ok):
        raise SystemExit("some applications failed, or passes were lost or duplicated")


if __name__ == "__main__":
    main()
