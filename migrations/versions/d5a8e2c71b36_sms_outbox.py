"""text messages to pass holders (the SMS outbox)

Revision ID: d5a8e2c71b36
Revises: b7c1d2e3f4a5
Create Date: 2026-12-06 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.db


revision = 'd5a8e2c71b36'
down_revision = 'b7c1d2e3f4a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pass_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sender', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_sms_messages_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['pass_id'], ['passes.id'], name=op.f('fk_sms_messages_pass_id_passes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages'))
    )
    op.create_index('ix_sms_messages_enterprise_created', 'sms_messages', ['enterprise_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_sms_messages_pass_id'), 'sms_messages', ['pass_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_sms_messages_pass_id'), table_name='sms_messages')
    op.drop_index('ix_sms_messages_enterprise_created', table_name='sms_messages')
    op.drop_table('sms_messages')
