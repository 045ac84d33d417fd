"""Finding #20: usernames ignore case. 'admin' and 'ADMIN' are one account: the second cannot
be created, signing in works in any case, and the migration settles existing clashes."""
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from core.db import db
from tests.conftest import PASSWORD

INITIAL = "8cfebad319da"


def test_a_name_differing_only_in_case_is_taken(client, login, make_user):
    admin = make_user("admin", username="chief")
    login(admin)
    response = client.post("/admin/users", data={"username": "CHIEF", "role": "officer",
                                                  "password": "another-pass-9"})
    assert response.status_code == 422
    assert 'id="e-username"' in response.text


def test_the_create_user_command_refuses_a_name_differing_only_in_case(runner, make_user):
    make_user("admin", username="Gatekeeper")
    result = runner.invoke(args=["create-user", "--role", "admin", "--username", "gatekeeper",
                                 "--password", "another-pass-9"])
    assert result.exit_code == 2
    assert "username" in result.output


@pytest.mark.parametrize("typed", ["officer-li", "OFFICER-LI", "Officer-Li"])
def test_signing_in_ignores_the_case_of_the_name(client, make_user, typed):
    make_user("admin", username="Officer-Li")
    page = client.post("/login", data={"username": typed, "password": PASSWORD})
    assert page.status_code == 302
    token = client.post("/api/v1/auth/token", json={"username": typed, "password": PASSWORD})
    assert token.status_code == 200


@pytest.fixture
def schema_at_initial_revision(app):
    """The database as the first release left it; rebuilt from the models afterwards."""
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision=INITIAL)
    yield
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()


@pytest.mark.commits  # migrates the schema through the engine
def test_the_migration_renames_names_that_clash_in_case(app, schema_at_initial_revision):
    with app.app_context():
        with db.engine.begin() as connection:
            for name in ("admin", "ADMIN", "Admin", "officer"):
                connection.execute(sa.text(
                    "INSERT INTO users (username, password_hash, role, active, created_at) "
                    "VALUES (:name, 'x', 'admin', true, CURRENT_TIMESTAMP)"), {"name": name})
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT id, username, username_key FROM users ORDER BY id")).all()
    assert [(name, key) for _, name, key in rows] == [
        ("admin", "admin"), (f"ADMIN~{rows[1][0]}", f"admin~{rows[1][0]}"),
        (f"Admin~{rows[2][0]}", f"admin~{rows[2][0]}"), ("officer", "officer")]
    with app.app_context(), pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO users (username, username_key, password_hash, role, active, created_at)"
            " VALUES ('OFFICER', 'officer', 'x', 'admin', true, CURRENT_TIMESTAMP)"))
