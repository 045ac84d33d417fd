"""Verification throughput (issue 6): POST /api/v1/verify at 32 connections under gunicorn.

Run from the repository root:  .venv/bin/python bench/bench_verify.py [--seconds 20]

For each database (SQLite, PostgreSQL): a throwaway database with the demo city, passes issued
through the API, gunicorn serving the app, then wrk on the bare /healthz endpoint and on
/api/v1/verify in turn, in the same run, so the ratio between them is measured on the same
machine load. With --lean, also the smallest verify that does a verify's work
(bench/lean_verify.py), served alike by gunicorn on the same database. Every verify records
its scan with a durable commit; the bench checks afterwards that the scan table grew by at
least the number of answered verifies.
"""
import argparse
import json
import tempfile
from pathlib import Path

from harness import (
    CHECKPOINT,
    add_server_options,
    api_token,
    call,
    count_rows,
    databases,
    demo_city,
    durability,
    gunicorn,
    issue_passes,
    load_average,
    profile_by_package,
    profile_top_frames,
    profiled,
    wrk,
)


def measure(kind: str, args) -> bool:
    with demo_city(kind) as (url, env), gunicorn(env, args.workers, args.threads) as server:
        texts = issue_passes(server.port, api_token(server.port, "clerk"), args.passes)
        officer = api_token(server.port, "officer")
        bodies = [json.dumps({"qr": qr, "checkpoint": CHECKPOINT}) for qr in texts]
        print(f"\n## {kind}: {durability(url)}; gunicorn {args.workers} workers x "
              f"{args.threads} threads; wrk {args.connections} connections, {args.seconds:g} s")
        wrk(server.url + "/healthz", 2, args.connections)  # warm up both workers
        wrk(server.url + "/api/v1/verify", 2, args.connections, bodies=bodies, token=officer)
        scans_before = count_rows(url, "scans")
        print(load_average())
        bare = wrk(server.url + "/healthz", args.seconds, args.connections)
        print(f"bare /healthz    | {bare.row()}")
        verify = wrk(server.url + "/api/v1/verify", args.seconds, args.connections,
                     bodies=bodies, token=officer)
        print(f"POST /api/v1/verify | {verify.row()}")
        print(f"verify / bare = {verify.rate / bare.rate:.2f}")
        recorded = count_rows(url, "scans") - scans_before
        if args.lean:
            with gunicorn(env, args.workers, args.threads,
                          app="bench.lean_verify:create_app()") as lean_server:
                status, sample = call(lean_server.port, "POST", "/api/v1/verify",
                                      json.loads(bodies[0]), officer)
                print(f"lean verify answers {status}: {json.dumps(sample)[:200]}")
                wrk(lean_server.url + "/api/v1/verify", 2, args.connections, bodies=bodies,
                    token=officer)
                lean = wrk(lean_server.url + "/api/v1/verify", args.seconds,
                           args.connections, bodies=bodies, token=officer)
            print(f"lean verify (bench/lean_verify.py) | {lean.row()}")
            print(f"lean / bare = {lean.rate / bare.rate:.2f}; "
                  f"verify / lean = {verify.rate / lean.rate:.2f}")
        print(f"scans recorded {recorded:,} for {verify.requests:,} answered verifies")
        if args.profile:
            with tempfile.TemporaryDirectory() as folder:
                stacks = Path(folder, "stacks.txt")
                with profiled(server, args.seconds, stacks):
                    wrk(server.url + "/api/v1/verify", args.seconds, args.connections,
                        bodies=bodies, token=officer)
                print("One worker's Python time (GIL held) in a further run, by package "
                      "(py-spy):")
                for package, share in profile_by_package(stacks):
                    print(f"  {share:6.1%}  {package}")
                print("Top frames (share of samples with the frame on the stack):")
                for frame, share in profile_top_frames(stacks):
                    print(f"  {share:6.1%}  {frame}")
        return (verify.non_2xx == 0 and verify.socket_errors == 0
                and recorded >= verify.requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_options(parser)
    parser.add_argument("--passes", type=int, default=200)
    parser.add_argument("--lean", action="store_true",
                        help="also measure the lean verify of bench/lean_verify.py, same run")
    parser.add_argument("--profile", action="store_true",
                        help="then profile one worker with py-spy during another run")
    args = parser.parse_args()
    ok = [measure(kind, args) for kind in databases(args)]
    if not all(ok):
        raise SystemExit("some verifies failed or were not recorded")


if __name__ == "__main__":
    main()
