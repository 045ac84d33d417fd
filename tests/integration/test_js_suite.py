"""The JavaScript tests (tests/js, node's own test runner) as part of the Python suite."""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_javascript_suite_passes_under_node():
    # No skip when node is missing: the offline rules must be tested wherever CI runs.
    result = subprocess.run(["node", "--test", "tests/js/"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.MULTILINE)
    assert passed and int(passed.group(1)) > 0, output
    assert re.search(r"^# fail 0$", result.stdout, re.MULTILINE), output
