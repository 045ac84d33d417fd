"""The access policy's SQL forms select exactly what its Python forms allow."""
import pytest
from sqlalchemy import select

from core.access import Operator, acting_for, acts_for, may_see, visible_to
from core.db import db
from whitelist.models import Enterprise


@pytest.fixture
def enterprises(make_enterprise):
    return [make_enterprise().id, make_enterprise().id]


def actors(ours: int):
    return [Operator("authority"), Operator("clerk", "enterprise", ours),
            Operator("newcomer", "enterprise"), Operator("officer", "officer", ours)]


def test_sql_and_python_forms_agree_for_every_actor(app, enterprises):
    with app.app_context():
        for actor in actors(enterprises[0]):
            seen = set(db.session.scalars(
                select(Enterprise.id).where(visible_to(actor, Enterprise.id))))
            acted_on = set(db.session.scalars(
                select(Enterprise.id).where(acting_for(actor, Enterprise.id))))
            assert seen == {id_ for id_ in enterprises if may_see(actor, id_)}, actor
            assert acted_on == {id_ for id_ in enterprises if acts_for(actor, id_)}, actor
