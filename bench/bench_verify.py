"""Verification throughput (issue 6): POST /api/v1/verify at 32 connections under gunicorn.

Run from the repository root:  .venv/bin/python bench/bench_verify.py [--seconds 5]

For each database (SQLite, PostgreSQL): a throwaway database with the demo city, passes issued
through the API, gunicorn serving the app, then wrk on the bare /healthz endpoint and on
/api/v1/verify in turn, in the same run, so the ratio between them is measured on the same
machine load. With --lean, also the smallest verify that does a verify's work
(bench/lean_verify.py), and with --floor, the floor under any verify (bench/floor_verify.py:
the signature, one live read, the durable scan), served alike by gunicorn on the same
database. The endpoints take
turns for --rounds rounds and their median runs are compared (issue 17's method): which
worker each of wrk's connections lands on varies from run to run, and with it the rate.
Every verify records its scan with a durable commit; the bench checks afterwards that the
scan table grew by at least the number of answered verifies.
"""
import argparse
import contextlib
import json
import tempfile
from pathlib import Path

from harness import (
    CHECKPOINT,
    CpuUse,
    WrkResult,
    add_server_options,
    analyze,
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
    wrk_costed,
)


def median_of(results: list[WrkResult]) -> WrkResult:
    """The run of median throughput: its rate and latencies belong together."""
    return sorted(results, key=lambda result: result.rate)[len(results) // 2]


# The yardsticks beside the real verify (bench-only apps, served alike on the same database):
# option -> (name in the report, gunicorn's app).
YARDSTICKS = {
    "lean": ("lean verify (bench/lean_verify.py)", "bench.lean_verify:create_app()"),
    "floor": ("floor verify (bench/floor_verify.py)", "bench.floor_verify:create_app()"),
}


def measure(kind: str, args) -> bool:
    with demo_city(kind) as (url, env), contextlib.ExitStack() as stack:
        server = stack.enter_context(gunicorn(env, args.workers, args.threads))
        yardsticks = {name: stack.enter_context(gunicorn(env, args.workers, args.threads,
                                                         app=app))
                      for option, (name, app) in YARDSTICKS.items() if getattr(args, option)}
        texts = issue_passes(server.port, api_token(server.port, "clerk"), args.passes)
        officer = api_token(server.port, "officer")
        bodies = [json.dumps({"qr": qr, "checkpoint": CHECKPOINT}) for qr in texts]
        print(f"\n## {kind}: {durability(url)}; gunicorn {args.workers} workers x "
              f"{args.threads} threads; wrk {args.connections} connections, "
              f"{args.rounds} rounds of {args.seconds:g} s each, interleaved")
        verify = {"bodies": bodies, "token": officer}
        targets = {"bare /healthz": (server, "/healthz", {}),
                   "POST /api/v1/verify": (server, "/api/v1/verify", verify)}
        for name, yardstick in yardsticks.items():
            status, sample = call(yardstick.port, "POST", "/api/v1/verify",
                                  json.loads(bodies[0]), officer)
            print(f"{name} answers {status}: {json.dumps(sample)[:200]}")
            targets[name] = (yardstick, "/api/v1/verify", verify)
        for serving, path, options in targets.values():  # warm every worker up
            wrk(serving.url + path, 2, args.connections, **options)
        analyze(url)
        scans_before = count_rows(url, "scans")
        print(load_average())
        runs: dict[str, list[WrkResult]] = {name: [] for name in targets}
        cpu = {name: CpuUse() for name in targets}
        for _ in range(args.rounds):
            for name, (serving, path, options) in targets.items():
                result, used = wrk_costed(serving, url, serving.url + path, args.seconds,
                                          args.connections, **options)
                runs[name].append(result)
                cpu[name] += used
        print(load_average())
        recorded = count_rows(url, "scans") - scans_before
        for name, results in runs.items():
            print(f"{name} | runs {', '.join(f'{r.rate:,.0f}' for r in results)} req/s | "
                  f"median {median_of(results).row()}")
        print("CPU per request, all rounds:")
        for name, used in cpu.items():
            print(f"  {name}: {used.per_request(sum(r.requests for r in runs[name]))}")
        bare, verify_run = (median_of(runs[name]) for name in list(targets)[:2])
        print(f"verify / bare = {verify_run.rate / bare.rate:.2f} (medians)")
        for name in yardsticks:
            yardstick_run = median_of(runs[name])
            print(f"{name}: / bare = {yardstick_run.rate / bare.rate:.2f}; verify / it = "
                  f"{verify_run.rate / yardstick_run.rate:.2f} (medians)")
        # Every verify, the yardsticks too, records its scan in the same table.
        answered = sum(result.requests for name, results in runs.items() if name != "bare /healthz"
                       for result in results)
        print(f"scans recorded {recorded:,} for {answered:,} answered verifies")
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
        return (all(r.non_2xx == 0 and r.socket_errors == 0 for r in runs["POST /api/v1/verify"])
                and recorded >= answered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_options(parser)
    parser.add_argument("--passes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved runs of each endpoint; the medians are compared")
    parser.add_argument("--lean", action="store_true",
                        help="also measure the lean verify of bench/lean_verify.py, same run")
    parser.add_argument("--floor", action="store_true",
                        help="also measure the floor verify of bench/floor_verify.py, same run")
    parser.add_argument("--profile", action="store_true",
                        help="then profile one worker with py-spy during another run")
    args = parser.parse_args()
    ok = [measure(kind, args) for kind in databases(args)]
    if not all(ok):
        raise SystemExit("some verifies failed or were not recorded")


if __name__ == "__main__":
    main()
