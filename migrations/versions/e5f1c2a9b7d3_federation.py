"""federation: the trust list in force, its issuers and their status feeds

Revision ID: e5f1c2a9b7d3
Revises: c41f0b7e5a92
Create Date: 2026-12-06 05:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.db


revision = 'e5f1c2a9b7d3'
down_revision = 'c41f0b7e5a92'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trust_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('issued_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trust_lists'))
    )
    op.create_table('trusted_issuers',
    sa.Column('area', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('jwks', sa.JSON(), nullable=False),
    sa.Column('feed_url', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('area', name=op.f('pk_trusted_issuers'))
    )
    op.create_table('issuer_feeds',
    sa.Column('area', sa.String(length=6), nullable=False),
    sa.Column('generated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('max_age_s', sa.Integer(), nullable=False),
    sa.Column('fetched_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('area', name=op.f('pk_issuer_feeds'))
    )


def downgrade():
    op.drop_table('issuer_feeds')
    op.drop_table('trusted_issuers')
    op.drop_table('trust_lists')
