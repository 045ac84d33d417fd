"""crew (co-drivers and escorts) of vehicle passes

Revision ID: f3c8a1d26e47
Revises: e9b4f1a26c58
Create Date: 2026-12-06 21:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'f3c8a1d26e47'
down_revision = 'e9b4f1a26c58'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pass_crew',
    sa.Column('pass_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_last4', sa.String(length=4), nullable=False),
    sa.ForeignKeyConstraint(['pass_id'], ['passes.id'], name=op.f('fk_pass_crew_pass_id_passes')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_pass_crew_person_id_people')),
    sa.PrimaryKeyConstraint('pass_id', 'position', name=op.f('pk_pass_crew'))
    )
    with op.batch_alter_table('pass_crew', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pass_crew_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pass_crew', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pass_crew_person_id'))
    op.drop_table('pass_crew')
