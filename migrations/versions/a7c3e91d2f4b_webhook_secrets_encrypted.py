"""webhook secrets encrypted at rest

Revision ID: a7c3e91d2f4b
Revises: 8cfebad319da
Create Date: 2026-12-06 05:20:00.000000

Each plain secret is encrypted with KEY_ENCRYPTION_SECRET (as the signing keys are) into a
new column, and the plain column is dropped. Downgrade decrypts them back.
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from core import crypto


revision = 'a7c3e91d2f4b'
down_revision = '8cfebad319da'
branch_labels = None
depends_on = None

endpoints = sa.table('webhook_endpoints', sa.column('enterprise_id', sa.Integer),
                     sa.column('secret', sa.String), sa.column('sealed_secret', sa.LargeBinary))


def _key() -> bytes:
    return current_app.config['KEY_ENCRYPTION_SECRET'].encode()


def upgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_secret', sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(endpoints.c.enterprise_id, endpoints.c.secret)).all()
    for enterprise_id, secret in rows:
        connection.execute(endpoints.update()
                           .where(endpoints.c.enterprise_id == enterprise_id)
                           .values(sealed_secret=crypto.encrypt_secret(secret, _key())))
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.alter_column('sealed_secret', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('secret')


def downgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(endpoints.c.enterprise_id, endpoints.c.sealed_secret)).all()
    for enterprise_id, sealed in rows:
        connection.execute(endpoints.update()
                           .where(endpoints.c.enterprise_id == enterprise_id)
                           .values(secret=crypto.decrypt_secret(sealed, _key())))
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('sealed_secret')
