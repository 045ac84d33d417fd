"""The test suite in named stages, each reported on its own: lint and types, unit,
integration on SQLite, integration on PostgreSQL, browser, cluster.

Every stage runs even when an earlier one failed; the summary at the end lists each
stage's result and time, and the exit status is non-zero if any failed. A stage that finds
nothing to run fails too: its tests were lost (a moved folder, a marker no test carries),
and green must not hide that.

    .venv/bin/python scripts/stages.py                 # every stage
    .venv/bin/python scripts/stages.py unit browser    # the stages named
    .venv/bin/python scripts/stages.py --list
    TEST_WORKERS=1 .venv/bin/python scripts/stages.py   # integration without pytest-xdist

Run from scripts/test.sh, which installs what the stages need first.
"""
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PYTEST = [str(BIN / "python"), "-m", "pytest", "-q"]
NO_TESTS_COLLECTED = 5  # pytest's exit status when the selection is empty
# pytest-xdist processes for the integration stages (each worker has its own PostgreSQL
# database); TEST_WORKERS=1 runs them in this process. The unit tests gained nothing from it.
WORKERS = os.environ.get("TEST_WORKERS", "2")
XDIST = ["-n", WORKERS] if WORKERS not in ("", "0", "1") else []


@dataclass
class Stage:
    name: str
    commands: list[list[str]]

    def run(self) -> str:
        """Run the commands in order (all of them, even after a failure): passed, failed,
        or empty (a pytest command collected no test)."""
        results = [self._run(command) for command in self.commands]
        for outcome in ("failed", "empty"):
            if outcome in results:
                return outcome
        return "passed"

    @staticmethod
    def _run(command: list[str]) -> str:
        print("$", " ".join(command), flush=True)
        status = subprocess.run(command, cwd=ROOT, check=False).returncode
        if status == NO_TESTS_COLLECTED and "pytest" in command:
            return "empty"
        return "passed" if status == 0 else "failed"


def lint_and_types() -> list[list[str]]:
    # Each reads its settings from pyproject.toml.
    return [[str(BIN / "ruff"), "check", "."], [str(BIN / "mypy")], [str(BIN / "lint-imports")]]


INTEGRATION = ["tests/integration", "tests/security", "tests/fuzz"]

STAGES = {
    "lint": lambda: Stage("lint and types", lint_and_types()),
    "unit": lambda: Stage("unit", [PYTEST + ["tests/unit"]]),
    "sqlite": lambda: Stage("integration (SQLite)", [
        PYTEST + [*XDIST, "-m", "not postgresql and not cluster", *INTEGRATION]]),
    "postgresql": lambda: Stage("integration (PostgreSQL)", [
        PYTEST + [*XDIST, "-m", "postgresql and not cluster", *INTEGRATION]]),
    "browser": lambda: Stage("browser", [PYTEST + ["tests/browser"]]),
    "cluster": lambda: Stage("cluster", [PYTEST + ["-m", "cluster", *INTEGRATION]]),
}


def main(names: list[str]) -> int:
    if names == ["--list"]:
        print("\n".join(f"{key:12} {make().name}" for key, make in STAGES.items()))
        return 0
    unknown = [name for name in names if name not in STAGES]
    if unknown:
        print(f"unknown stage(s): {', '.join(unknown)}; see --list", file=sys.stderr)
        return 2
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    rows = []
    for key in names or list(STAGES):
        stage = STAGES[key]()
        print(f"\n=== stage: {stage.name} ===", flush=True)
        started = time.monotonic()
        result = stage.run()
        seconds = time.monotonic() - started
        print(f"=== {stage.name}: {result} in {seconds:.0f} s ===", flush=True)
        rows.append((stage.name, result, seconds))
    width = max(len(name) for name, _, _ in rows)
    print(f"\n{'stage':{width}}  result   time")
    for name, result, seconds in rows:
        print(f"{name:{width}}  {result:7}  {seconds:5.0f} s")
    failed = [name for name, result, _ in rows if result != "passed"]
    print(f"\n{len(failed)} of {len(rows)} stages failed or ran no test" if failed
          else f"\nall {len(rows)} stages passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
