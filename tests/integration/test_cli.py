"""Operator commands: schema, accounts, demo data, audit verification."""
import re

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, update

import demo
from accounts.models import User
from audit.models import AuditEntry
from core.db import db


@pytest.fixture
def empty_app(app):
    """The app with every table dropped, as on a fresh install."""
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    yield app
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()


@pytest.mark.commits  # drops the schema and migrates it through the engine
def test_init_db_twice_builds_the_schema_the_models_describe(empty_app):
    runner = empty_app.test_cli_runner()
    first, second = (runner.invoke(args=["init-db"]) for _ in range(2))
    assert first.exit_code == 0, first.output
    assert "created the database" in first.output
    assert "up to date" not in first.output
    assert second.exit_code == 0, second.output
    assert "is up to date" in second.output
    with empty_app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_create_user_command_adds_an_account(app, runner, make_enterprise):
    code = make_enterprise().code
    result = runner.invoke(args=["create-user", "--role", "enterprise", "--username", "wang",
                                 "--password", "pass-word-1", "--enterprise", code])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username="wang"))
        assert user.enterprise.code == code
        assert user.password_hash.startswith("pbkdf2:")


def test_create_user_command_prompts_for_the_password(app, runner):
    result = runner.invoke(args=["create-user", "--role", "admin", "--username", "li"],
                           input="pass-word-1\npass-word-1\n")
    assert result.exit_code == 0, result.output
    login = app.test_client().post("/api/v1/auth/token",
                                   json={"username": "li", "password": "pass-word-1"})
    assert login.status_code == 200


def test_create_user_command_names_bad_options(runner):
    result = runner.invoke(args=["create-user", "--role", "officer", "--username", "zhao",
                                 "--password", "short", "--checkpoint", "NOPE"])
    assert result.exit_code == 2
    assert "password:" in result.output
    assert "checkpoints:" in result.output


def test_seed_demo_is_repeatable_and_prints_accounts(app, runner):
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert first.exit_code == second.exit_code == 0
    assert "admin" in first.output and "officer" in first.output
    with app.app_context():
        roles = db.session.scalars(select(User.role)).all()
    assert sorted(set(roles)) == ["admin", "enterprise", "officer"]
    assert len(roles) == 5


def test_seed_demo_prints_absolute_links_under_the_given_url(runner):
    output = runner.invoke(args=["seed-demo", "--url", "http://192.0.2.7:8123/"]).output
    assert "sign in at http://192.0.2.7:8123/login" in output
    assert re.search(r"holder page of .*: http://192\.0\.2\.7:8123/h/[\w-]{43}$", output, re.M)


def test_demo_officer_staffs_every_demo_checkpoint(app, runner):
    from checkpoints.models import Checkpoint

    runner.invoke(args=["seed-demo"])
    with app.app_context():
        officer = db.session.scalar(select(User).filter_by(username="officer"))
        staffed = {checkpoint.code for checkpoint in officer.checkpoints}
        every = set(db.session.scalars(select(Checkpoint.code)))
    assert staffed == every
    assert any(checkpoint["kind"] == "transfer_station" for checkpoint in demo.CHECKPOINTS)


def test_audit_verify_passes_on_an_intact_log(runner, make_enterprise):
    make_enterprise(colour="red")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "intact" in result.output


@pytest.mark.parametrize("edit", [
    {"actor": "someone-else"},
    {"details": {"from": "green", "to": "yellow", "reason": "测试"}},
])
def test_audit_verify_reports_the_first_edited_entry(app, runner, make_enterprise, edit):
    make_enterprise(colour="red")
    with app.app_context():
        target = db.session.scalar(select(AuditEntry.id).filter_by(action="enterprise.colour")
                                   .order_by(AuditEntry.id.desc()))
        db.session.execute(update(AuditEntry).where(AuditEntry.id == target).values(**edit))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"broken at entry {target}" in result.output


def test_audit_verify_notices_a_deleted_entry(app, runner, make_enterprise):
    make_enterprise(colour="red")
    with app.app_context():
        ids = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == ids[1]))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"broken at entry {ids[2]}" in result.output
