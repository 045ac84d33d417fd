"""Files that hold the data or its keys are readable by the service's user only, and processes
starting together agree on the secrets they generate."""
import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from app import create_app
from core.db import db
from whitelist.service import ensure_reference_data

SECRET_NAMES = ("SECRET_KEY", "KEY_ENCRYPTION_SECRET", "AUDIT_ANCHOR_KEY")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def usual_umask():
    previous = os.umask(0o022)  # what a service usually starts with: files 0644, folders 0755
    yield
    os.umask(previous)


def bare_config(instance: Path) -> dict:
    """No database URL and no secrets: the defaults, as on a fresh machine."""
    return {"TESTING": True, "INSTANCE_PATH": str(instance),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_default_sqlite_database_is_created_private(tmp_path, usual_umask, database_url):
    instance = tmp_path / "fresh-instance"
    app = create_app(bare_config(instance))
    with app.app_context():
        db.create_all()
        ensure_reference_data()  # a write: the -wal and -shm files exist from here
        database = Path(db.engine.url.database)
        assert database.parent == instance
        files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
        db.engine.dispose()
    assert mode(instance) == 0o700
    assert mode(instance / "secrets.json") == 0o600


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_existing_world_readable_sqlite_file_is_closed_up_at_start(tmp_path, usual_umask,
                                                                      database_url):
    instance = tmp_path / "old-instance"
    instance.mkdir(mode=0o755)
    (instance / "passes.sqlite3").touch(mode=0o644)
    create_app(bare_config(instance))
    assert mode(instance / "passes.sqlite3") == 0o600
    assert mode(instance) == 0o700


@pytest.mark.commits  # a backup reads through a snapshot connection of its own
@pytest.mark.parametrize("leftover", ["file", "symlink"])
def test_a_backup_is_0600_whatever_lies_at_its_partial_path(app, runner, tmp_path, usual_umask,
                                                            leftover):
    path = tmp_path / "lp.backup"
    partial = tmp_path / "lp.backup.partial"
    elsewhere = tmp_path / "readable-by-all"
    elsewhere.write_text("not a backup")
    elsewhere.chmod(0o644)
    if leftover == "file":
        partial.write_text("left over")
        partial.chmod(0o644)
    else:
        partial.symlink_to(elsewhere)
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert not path.is_symlink()
    assert mode(path) == 0o600
    assert elsewhere.read_text() == "not a backup"


@pytest.mark.commits  # a backup reads through a snapshot connection of its own
def test_a_backup_over_an_older_world_readable_one_is_0600(app, runner, tmp_path, usual_umask):
    path = tmp_path / "lp.backup"
    path.write_text("an older backup")
    path.chmod(0o644)
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    assert mode(path) == 0o600


def _start(instance: str, database: str, ready, answers) -> None:
    ready.wait()
    app = create_app(bare_config(Path(instance)) | {"SQLALCHEMY_DATABASE_URI": database})
    answers.put(tuple(app.config.get(name) for name in SECRET_NAMES))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_processes_starting_together_on_a_fresh_instance_get_the_same_secrets(tmp_path,
                                                                             database_url):
    forking = multiprocessing.get_context("fork")
    processes = 8
    for attempt in range(5):
        instance = tmp_path / f"instance-{attempt}"
        ready, answers = forking.Barrier(processes), forking.Queue()
        workers = [forking.Process(target=_start, args=(str(instance), database_url, ready,
                                                        answers)) for _ in range(processes)]
        for worker in workers:
            worker.start()
        seen = {answers.get(timeout=60) for _ in workers}
        for worker in workers:
            worker.join(timeout=60)
        assert len(seen) == 1, f"attempt {attempt}: {len(seen)} different sets of secrets"
