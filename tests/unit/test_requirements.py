"""The runtime lock installs everything the service imports.

A green suite once hid a README demo that could not start: the dev requirements carried a
runtime import. The service's code (everything but tests/ and bench/) may import only the
standard library, the project's own packages and distributions pinned in requirements.txt.
"""
import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = {"tests", "bench", "node_modules", ".venv", ".git", "instance"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(lock: Path) -> set[str]:
    """Distribution names a pip-compile lock file pins."""
    names = set()
    for line in lock.read_text().splitlines():
        if match := PIN.match(line):
            names.add(normalise(match[1]))
    return names


def runtime_sources() -> list[Path]:
    return [path for path in ROOT.rglob("*.py")
            if not NOT_SHIPPED & set(path.relative_to(ROOT).parts)]


def top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.partition(".")[0])
    return names


def own_modules() -> set[str]:
    return {path.stem for path in ROOT.iterdir() if path.suffix == ".py" or path.is_dir()}


def third_party_imports() -> dict[str, set[str]]:
    """Each imported top-level module that is neither ours nor the standard library, with the
    files that import it."""
    ours = own_modules()
    found: dict[str, set[str]] = {}
    for path in runtime_sources():
        for module in top_level_imports(path) - ours - sys.stdlib_module_names:
            found.setdefault(module, set()).add(str(path.relative_to(ROOT)))
    return found


def test_runtime_lock_covers_every_import_of_the_service():
    runtime = pinned(ROOT / "requirements.txt")
    providers = packages_distributions()
    uncovered = {}
    for module, files in third_party_imports().items():
        distributions = {normalise(name) for name in providers.get(module, [])}
        if not distributions & runtime:
            uncovered[module] = (sorted(distributions) or ["not installed"], sorted(files))
    assert not uncovered, f"imported but not in requirements.txt: {uncovered}"


def test_the_check_sees_third_party_imports():
    # Guards the test above against passing vacuously (a wrong root, a parse that finds nothing).
    imports = third_party_imports()
    assert {"flask", "sqlalchemy", "cryptography"} <= imports.keys()
    assert "app.py" in imports["flask"]


def test_dev_lock_pins_the_same_versions_as_the_runtime_lock():
    def versions(lock: Path) -> dict[str, str]:
        return {normalise(match[1]): line.split("==")[1].split()[0]
                for line in lock.read_text().splitlines() if (match := PIN.match(line))}

    runtime, dev = versions(ROOT / "requirements.txt"), versions(ROOT / "requirements-dev.txt")
    assert {name: dev.get(name) for name in runtime} == runtime
