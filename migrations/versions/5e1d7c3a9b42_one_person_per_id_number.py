"""one person per ID number: enterprise rosters and a health-results history

Revision ID: 5e1d7c3a9b42
Revises: 8cfebad319da
Create Date: 2026-12-06 05:30:00

Each enterprise kept its own record of a person; records of one ID number are merged into
one person (the most recently updated record's name, phone and code; the latest test by
sample time), their passes moved onto it, and each enterprise keeps the person on its roster.
Every record's code and test become the history's first entries, as that enterprise's reports.
"""
from alembic import op
import sqlalchemy as sa

import core.db


revision = '5e1d7c3a9b42'
down_revision = 'a693aa7a2cd1'
branch_labels = None
depends_on = None

TIME = core.db.UTCDateTime(timezone=True)
people = sa.table(
    'people', sa.column('id', sa.Integer), sa.column('enterprise_id', sa.Integer),
    sa.column('name', sa.String), sa.column('id_number', sa.String),
    sa.column('phone', sa.String), sa.column('health_code', sa.String),
    sa.column('health_code_at', TIME), sa.column('test_result', sa.String),
    sa.column('test_sampled_at', TIME), sa.column('updated_at', TIME),
    sa.column('whitelisted', sa.Boolean), sa.column('delisted_at', TIME))
enterprises = sa.table('enterprises', sa.column('id', sa.Integer), sa.column('code', sa.String))
passes = sa.table('passes', sa.column('person_id', sa.Integer))
rosters = sa.table('enterprise_people', sa.column('enterprise_id', sa.Integer),
                   sa.column('person_id', sa.Integer), sa.column('added_at', TIME))
results = sa.table('health_results', sa.column('person_id', sa.Integer),
                   sa.column('kind', sa.String), sa.column('value', sa.String),
                   sa.column('at', TIME), sa.column('source', sa.String),
                   sa.column('recorded_by', sa.String), sa.column('recorded_at', TIME))


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        # Rebuilding `people` drops the table passes refer to; SQLite would refuse it.
        op.execute('PRAGMA foreign_keys=OFF')
    op.create_table('enterprise_people',
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('added_at', TIME, nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_enterprise_people_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_enterprise_people_person_id_people')),
    sa.PrimaryKeyConstraint('enterprise_id', 'person_id', name=op.f('pk_enterprise_people'))
    )
    with op.batch_alter_table('enterprise_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_people_person_id'), ['person_id'], unique=False)

    op.create_table('health_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('value', sa.String(length=10), nullable=False),
    sa.Column('at', TIME, nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', TIME, nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_health_results_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_results')),
    sa.UniqueConstraint('person_id', 'kind', 'at', 'value', name=op.f('uq_health_results_person_id'))
    )
    with op.batch_alter_table('health_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_results_person_id'), ['person_id'], unique=False)

    _merge_people(op.get_bind())

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index('ix_people_enterprise_id')
        batch_op.drop_constraint('uq_people_enterprise_id', type_='unique')
        batch_op.drop_constraint('fk_people_enterprise_id_enterprises', type_='foreignkey')
        batch_op.drop_column('enterprise_id')
        batch_op.add_column(sa.Column('health_code_at', TIME, nullable=True))
        batch_op.alter_column('phone', existing_type=sa.String(length=20), nullable=True)
        batch_op.alter_column('health_code', existing_type=sa.String(length=8), nullable=True)
        batch_op.alter_column('test_result', existing_type=sa.String(length=10), nullable=True)
        batch_op.alter_column('test_sampled_at', existing_type=TIME, nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_people_id_number'), ['id_number'])
    op.execute(people.update().values(health_code_at=people.c.updated_at))
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')


def _merge_people(bind) -> None:
    codes = dict(bind.execute(sa.select(enterprises.c.id, enterprises.c.code)).all())
    old_columns = [column for column in people.c if column.name != 'health_code_at']
    rows = bind.execute(sa.select(*old_columns).order_by(people.c.id)).mappings().all()
    by_number: dict[str, list] = {}
    for row in rows:
        by_number.setdefault(row['id_number'].upper(), []).append(row)
    facts, links = {}, {}
    for records in by_number.values():
        keep = records[0]['id']
        latest = max(records, key=lambda r: (r['updated_at'], r['id']))
        test = max(records, key=lambda r: (r['test_sampled_at'], r['test_result'] == 'positive'))
        for record in records:
            source = f"enterprise:{codes.get(record['enterprise_id'], '')}"
            for kind, value, at in (('health_code', record['health_code'], record['updated_at']),
                                    ('test', record['test_result'], record['test_sampled_at'])):
                facts.setdefault((keep, kind, at, value), source)
            links.setdefault((record['enterprise_id'], keep), record['updated_at'])
        others = [record['id'] for record in records[1:]]
        if others:
            bind.execute(passes.update().where(passes.c.person_id.in_(others))
                         .values(person_id=keep))
            bind.execute(people.delete().where(people.c.id.in_(others)))
        whitelisted = all(record['whitelisted'] for record in records)
        bind.execute(people.update().where(people.c.id == keep).values(
            id_number=latest['id_number'].upper(), name=latest['name'], phone=latest['phone'],
            health_code=latest['health_code'], updated_at=latest['updated_at'],
            test_result=test['test_result'], test_sampled_at=test['test_sampled_at'],
            whitelisted=whitelisted,
            delisted_at=None if whitelisted else max(
                record['delisted_at'] or record['updated_at'] for record in records)))
    if links:
        bind.execute(rosters.insert(), [
            {'enterprise_id': enterprise_id, 'person_id': person_id, 'added_at': at}
            for (enterprise_id, person_id), at in links.items()])
    if facts:
        bind.execute(results.insert(), [
            {'person_id': person_id, 'kind': kind, 'value': value, 'at': at, 'source': source,
             'recorded_by': 'migration', 'recorded_at': at}
            for (person_id, kind, at, value), source in facts.items()])


def downgrade():
    # Back to a record per enterprise: each person stays with the first enterprise on whose
    # roster they are; other enterprises' rosters and the history are lost.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enterprise_id', sa.Integer(), nullable=True))
    first = (sa.select(sa.func.min(rosters.c.enterprise_id))
             .where(rosters.c.person_id == people.c.id).scalar_subquery())
    op.execute(people.update().values(enterprise_id=first))
    op.execute(people.delete().where(people.c.enterprise_id.is_(None)))
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint('uq_people_id_number', type_='unique')
        batch_op.drop_column('health_code_at')
        batch_op.alter_column('enterprise_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_people_enterprise_id_enterprises', 'enterprises',
                                    ['enterprise_id'], ['id'])
        batch_op.create_unique_constraint('uq_people_enterprise_id', ['enterprise_id', 'id_number'])
        batch_op.create_index('ix_people_enterprise_id', ['enterprise_id'], unique=False)
    op.drop_table('health_results')
    op.drop_table('enterprise_people')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')
