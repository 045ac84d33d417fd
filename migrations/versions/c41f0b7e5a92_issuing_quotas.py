"""issuing quotas per enterprise

Revision ID: c41f0b7e5a92
Revises: a7c3e91d2f4b
Create Date: 2026-12-06 05:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.db


revision = 'c41f0b7e5a92'
down_revision = 'a7c3e91d2f4b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('issuing_quotas',
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('per_hour', sa.Integer(), nullable=True),
    sa.Column('per_day', sa.Integer(), nullable=True),
    sa.Column('hour_start', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hour_count', sa.Integer(), nullable=False),
    sa.Column('day_start', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('day_count', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_issuing_quotas_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('enterprise_id', name=op.f('pk_issuing_quotas'))
    )


def downgrade():
    op.drop_table('issuing_quotas')
