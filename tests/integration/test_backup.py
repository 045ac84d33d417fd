"""flask --app app backup PATH / restore PATH: everything comes back, damage is refused."""
import io
import json
import tarfile
import threading

import pytest
import sqlalchemy as sa

from app import create_app
from audit.models import AuditEntry
from core.db import db
from passes.models import Pass
from passtokens import keys
from passtokens.models import SigningKey
from tests.conftest import DATABASES

# A backup reads through a snapshot connection of its own; a restore commits.
pytestmark = pytest.mark.commits


def snapshot_rows(app) -> dict:
    """Every row of every table, as comparable tuples."""
    with app.app_context():
        return {table.name: db.session.execute(
                    sa.select(table).order_by(*table.primary_key.columns)).all()
                for table in db.metadata.sorted_tables}


def wipe(app) -> None:
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


@pytest.fixture
def populated(app, make_pass, officer_headers, client, make_enterprise):
    """Passes, a colour change, scans: a little of everything."""
    made = [make_pass(), make_pass(kind="personnel"), make_pass(revoked=True)]
    make_enterprise(colour="yellow")
    for pass_ in made:
        response = client.post("/api/v1/verify", headers=officer_headers,
                               json={"qr": pass_.qr_text, "checkpoint": "CP-HAICHENG"})
        assert response.status_code == 200
    return made


def verdict(client, headers, qr_text) -> str:
    response = client.post("/api/v1/verify", headers=headers,
                           json={"qr": qr_text, "checkpoint": "CP-HAICHENG"})
    assert response.status_code == 200, response.text
    return response.json["verdict"]


def test_backup_then_restore_into_an_empty_database_gives_back_every_row(
        app, runner, populated, tmp_path, client, token_for, officer):
    path = tmp_path / "lp.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    before = snapshot_rows(app)
    wipe(app)
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    after = snapshot_rows(app)
    restored_audit = after.pop("audit_log")
    assert after == {name: rows for name, rows in before.items() if name != "audit_log"}
    # The snapshot precedes its own "backup.create" entry; the restore appends its entry.
    assert before["audit_log"][-1].action == "backup.create"
    assert restored_audit[:-1] == before["audit_log"][:-1]
    assert restored_audit[-1].action == "backup.restore"
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    headers = token_for(officer)
    assert verdict(client, headers, populated[0].qr_text) == "pass"
    assert verdict(client, headers, populated[2].qr_text) == "deny"


def test_restored_signing_keys_still_decrypt_and_new_passes_continue_the_numbering(
        app, runner, populated, tmp_path):
    path = tmp_path / "lp.backup"
    runner.invoke(args=["backup", str(path)])
    wipe(app)
    assert runner.invoke(args=["restore", str(path)]).exit_code == 0
    with app.app_context():
        for key in db.session.scalars(sa.select(SigningKey)):
            assert keys.private_key(key).public_key() is not None
        # Inserting a row without an id must not collide with restored ids (sequences reset).
        highest = db.session.scalar(sa.select(sa.func.max(AuditEntry.id)))
        from audit.service import record
        from core.unit_of_work import unit_of_work

        with unit_of_work():
            entry = record("test", "after.restore", "x")
        assert entry.id == highest + 1


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(app, runner, populated,
                                                                    tmp_path):
    path = tmp_path / "lp.backup"
    runner.invoke(args=["backup", str(path)])
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1
    assert "not empty" in result.output
    result = runner.invoke(args=["restore", "--force", str(path)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def rewrite(path, change) -> None:
    """Rebuild a backup file after `change(members)` edited its parts in place."""
    with tarfile.open(path) as archive:
        members = {m.name: archive.extractfile(m).read() for m in archive.getmembers()}
    change(members)
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def _edit_a_pass(members):
    members["tables/passes.jsonl"] = members["tables/passes.jsonl"].replace(b"450500", b"450501", 1)


def _other_revision(members):
    manifest = json.loads(members["manifest.json"])
    manifest["schema_revision"] = "0123456789ab"
    members["manifest.json"] = json.dumps(manifest).encode()


def _drop_a_part(members):
    del members["tables/scans.jsonl"]


@pytest.mark.parametrize(("change", "message"), [
    (_edit_a_pass, "checksum"),
    (_other_revision, "schema revision"),
    (_drop_a_part, "parts differ"),
])
def test_restore_refuses_an_edited_backup_and_changes_nothing(app, runner, populated, tmp_path,
                                                              change, message):
    path = tmp_path / "lp.backup"
    runner.invoke(args=["backup", str(path)])
    rewrite(path, change)
    before = snapshot_rows(app)
    result = runner.invoke(args=["restore", "--force", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert snapshot_rows(app) == before


def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path):
    path = tmp_path / "junk.backup"
    path.write_bytes(b"not a tar file")
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1
    assert "not a readable backup" in result.output


def test_backup_carries_instance_secrets_so_a_new_machine_verifies_old_passes(
        app_config, tmp_path, make_user):
    # Secrets generated into the instance folder, as on a machine with no environment secrets.
    config = {name: value for name, value in app_config.items()
              if name not in ("SECRET_KEY", "KEY_ENCRYPTION_SECRET")}
    first = create_app(config)
    with first.app_context():
        if db.engine.dialect.name == "sqlite":
            db.create_all()
        key = keys.signing_key()
        kid, blob = key.kid, key.private_key
    path = tmp_path / "lp.backup"
    assert first.test_cli_runner().invoke(args=["backup", str(path)]).exit_code == 0
    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
    assert manifest["secrets"]["sources"]["KEY_ENCRYPTION_SECRET"] == "instance"
    wipe(first)
    second_config = config | {"INSTANCE_PATH": str(tmp_path / "new-instance")}
    second = create_app(second_config)
    result = second.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    third = create_app(second_config)  # a fresh start reads the restored secrets
    with third.app_context():
        restored = db.session.get(SigningKey, kid)
        assert restored.private_key == blob
        assert keys.private_key(restored) is not None
    for each in (first, second, third):
        with each.app_context():
            db.engine.dispose()


def test_restore_refuses_keys_the_secret_in_effect_cannot_open(app_config, app, runner,
                                                               populated, tmp_path):
    path = tmp_path / "lp.backup"
    runner.invoke(args=["backup", str(path)])
    wipe(app)
    other = create_app(app_config | {"KEY_ENCRYPTION_SECRET": "another-secret"})
    result = other.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 1
    assert "does not decrypt" in result.output
    with other.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Pass)) == 0
    with other.app_context():
        db.engine.dispose()


@pytest.mark.skipif("postgresql" not in DATABASES or "sqlite" not in DATABASES,
                    reason="needs both databases")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sqlite_backup_restores_into_postgresql(app, app_config, runner, populated, tmp_path,
                                                  postgres_url, officer, client):
    path = tmp_path / "lp.backup"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    before = snapshot_rows(app)
    target = create_app(app_config | {"SQLALCHEMY_DATABASE_URI": postgres_url,
                                      "INSTANCE_PATH": str(tmp_path / "pg-instance")})
    try:
        result = target.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code == 0, result.output
        after = snapshot_rows(target)
        after.pop("audit_log"), before.pop("audit_log")
        assert after == before
        assert target.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
        pg_client = target.test_client()
        token = pg_client.post("/api/v1/auth/token",
                               json={"username": officer.username, "password": "secret-pass-1"})
        headers = {"Authorization": f"Bearer {token.json['access_token']}"}
        assert verdict(pg_client, headers, populated[0].qr_text) == "pass"
    finally:
        with target.app_context():
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.engine.dispose()


def test_a_backup_taken_while_passes_are_issued_is_one_consistent_moment(app, runner, make_pass,
                                                                         make_enterprise,
                                                                         tmp_path):
    # People are dumped before passes: without one snapshot, a pass issued in between
    # would arrive without its holder and the restore would break its foreign key.
    enterprise = make_enterprise()
    make_pass(enterprise)
    stop, errors = threading.Event(), []

    def issue_until_stopped():
        try:
            while not stop.is_set():
                make_pass(enterprise)
        except Exception as error:  # reported below: a thread's failure is not the test's
            errors.append(error)

    writer = threading.Thread(target=issue_until_stopped)
    writer.start()
    try:
        for _ in range(3):
            path = tmp_path / "busy.backup"
            assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    finally:
        stop.set()
        writer.join()
    assert errors == []
    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
    result = runner.invoke(args=["restore", "--force", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        restored = db.session.scalar(sa.select(sa.func.count()).select_from(Pass))
    assert restored == manifest["tables"]["passes"]["rows"] >= 1
