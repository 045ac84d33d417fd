"""The migration to one person per ID number keeps every enterprise's people and passes."""
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from core.db import db

BEFORE = "8cfebad319da"
ID_NUMBER = "450502198503121234"
T = {"early": "2026-07-18 08:00:00", "late": "2026-07-20 08:00:00"}


@pytest.fixture
def old_schema_app(app):
    """The app on the schema before people were merged, as an existing install has it."""
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision=BEFORE)
    yield app
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()


def _insert_old_records(connection) -> None:
    run = lambda sql, **values: connection.execute(sa.text(sql), values)  # noqa: E731
    for id_, code in ((1, "91450500MA0000001X"), (2, "91450500MA0000002X")):
        run("INSERT INTO enterprises (id, code, name, address, contact_name, contact_phone, "
            "state, created_at, updated_at) VALUES (:id, :code, :code, 'a', 'b', '1', "
            "'approved', :at, :at)", id=id_, code=code, at=T["early"])
    # The same driver on both enterprises' books, the second with a later positive test.
    for id_, enterprise, result, sampled, updated in (
            (1, 1, "negative", T["early"], T["early"]), (2, 2, "positive", T["late"], T["late"])):
        run("INSERT INTO people (id, enterprise_id, name, id_number, phone, health_code, "
            "test_result, test_sampled_at, updated_at, whitelisted) VALUES (:id, :e, '张三明', "
            ":n, '13800000000', 'green', :r, :s, :u, true)",
            id=id_, e=enterprise, n=ID_NUMBER, r=result, s=sampled, u=updated)
    run("INSERT INTO signing_keys (kid, private_key, public_jwk, created_at) "
        "VALUES ('k1', :key, '{}', :at)", key=b"x", at=T["early"])
    for id_, person in ((1, 1), (2, 2)):
        run("INSERT INTO passes (id, number, kind, enterprise_id, person_id, origin, "
            "destination, valid_from, valid_until, holder_name, id_last4, test_sampled_at, kid, "
            "token, holder_secret, created_at, created_by) VALUES (:id, :number, 'personnel', "
            ":e, :p, '450502', '450521', :at, :at, '张*明', '1234', :at, 'k1', 't', :secret, "
            ":at, 'x')", id=id_, number=f"4505000000{id_:02d}", e=person, p=person,
            at=T["early"], secret=f"secret{id_}")


@pytest.mark.commits  # migrates the schema through the engine
def test_migration_merges_records_of_one_id_number_into_one_person(old_schema_app):
    with old_schema_app.app_context():
        with db.engine.begin() as connection:
            _insert_old_records(connection)
        upgrade()
        with db.engine.connect() as connection:
            people = connection.execute(sa.text(
                "SELECT id, id_number, test_result FROM people")).all()
            rosters = connection.execute(sa.text(
                "SELECT enterprise_id, person_id FROM enterprise_people "
                "ORDER BY enterprise_id")).all()
            holders = connection.execute(sa.text("SELECT DISTINCT person_id FROM passes")).all()
            facts = connection.execute(sa.text(
                "SELECT kind, value, source FROM health_results ORDER BY kind, value")).all()
    assert [(id_number, result) for _, id_number, result in people] == [
        (ID_NUMBER, "positive")]  # the later sample wins
    person = people[0][0]
    assert rosters == [(1, person), (2, person)]
    assert holders == [(person,)]
    assert facts == [("health_code", "green", "enterprise:91450500MA0000001X"),
                     ("health_code", "green", "enterprise:91450500MA0000002X"),
                     ("test", "negative", "enterprise:91450500MA0000001X"),
                     ("test", "positive", "enterprise:91450500MA0000002X")]

