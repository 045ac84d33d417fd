"""Rights revoked on PostgreSQL while the service runs: an outage to the client (503), not a
crash, and nothing stored."""
import os

import pytest
import sqlalchemy as sa

from app import create_app
from core.db import db


@pytest.mark.commits
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_revoked_table_rights_answer_503_and_store_nothing(app, app_config, database_url,
                                                           make_user, token_for):
    role = f"lp_limited_{os.getpid()}"
    server = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        connection.exec_driver_sql(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"')
        connection.exec_driver_sql(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    limited = create_app(app_config | {"SQLALCHEMY_DATABASE_URI": sa.make_url(database_url)
                                       .set(username=role).render_as_string(False)})
    try:
        headers = token_for(make_user("admin"))
        with server.connect() as connection:  # mid-run: the operator takes a table away
            connection.exec_driver_sql(f'REVOKE ALL ON checkpoints FROM "{role}"')
        limited.config["PROPAGATE_EXCEPTIONS"] = False
        response = limited.test_client().post("/api/v1/checkpoints", headers=headers, json={
            "code": "CP-RIGHTS", "name": "权限卡口", "kind": "park_gate", "area": "450502"})
        assert response.status_code == 503, response.text
        assert response.json["error"]["code"] == "unavailable"
        with app.app_context():
            assert db.session.scalar(sa.text("SELECT count(*) FROM checkpoints")) == 0
    finally:
        with limited.app_context():
            db.engine.dispose()
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
            connection.exec_driver_sql(f'DROP ROLE "{role}"')
        server.dispose()
