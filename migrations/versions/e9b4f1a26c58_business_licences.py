"""business licences of enterprises

Revision ID: e9b4f1a26c58
Revises: d5a8e2c71b36
Create Date: 2026-12-06 06:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.db


revision = 'e9b4f1a26c58'
down_revision = 'd5a8e2c71b36'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('business_licences',
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_business_licences_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('enterprise_id', name=op.f('pk_business_licences'))
    )


def downgrade():
    op.drop_table('business_licences')
