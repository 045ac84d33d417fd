"""The CI's stages: a stage whose pytest collects nothing fails, as a failed one does."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import stages  # noqa: E402


def stage_of(*statuses: int) -> stages.Stage:
    commands = [[sys.executable, "-c", f"raise SystemExit({status})", "pytest"]
                for status in statuses]
    return stages.Stage("test", commands)


def test_a_stage_passes_when_every_command_passes():
    assert stage_of(0, 0).run() == "passed"


def test_a_stage_that_collected_no_test_is_empty_not_passed():
    assert stage_of(0, stages.NO_TESTS_COLLECTED).run() == "empty"


def test_a_failure_outranks_an_empty_selection():
    assert stage_of(stages.NO_TESTS_COLLECTED, 1).run() == "failed"


def test_the_run_fails_when_a_stage_ran_no_test(monkeypatch):
    monkeypatch.setitem(stages.STAGES, "unit", lambda: stage_of(stages.NO_TESTS_COLLECTED))
    assert stages.main(["unit"]) == 1
    monkeypatch.setitem(stages.STAGES, "unit", lambda: stage_of(0))
    assert stages.main(["unit"]) == 0
