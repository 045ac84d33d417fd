"""Verdict: pass routes (via), handed-over passes, checkpoint coordinates, re-judged uploads

Revision ID: b7c1d2e3f4a5
Revises: 5e1d7c3a9b42
Create Date: 2026-12-06 05:10:00
"""
import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision = "b7c1d2e3f4a5"
down_revision = "5e1d7c3a9b42"
branch_labels = None
depends_on = None

# The reason codes added to the registry, with their fixed bits (checkpoints/reasons.py).
NEW_REASON_BITS = {"test_positive": 15, "off_route": 16, "possible_copy": 17,
                   "handed_over": 18, "unknown_issuer": 19, "issuer_status_stale": 20}


def upgrade():
    with op.batch_alter_table("passes") as batch_op:
        batch_op.add_column(sa.Column("via", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("handed_over_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("checkpoints") as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
    with op.batch_alter_table("scans") as batch_op:
        batch_op.add_column(sa.Column("client_verdict", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("client_reasons", sa.JSON(), nullable=True))
        for code, bit in NEW_REASON_BITS.items():
            where = sa.text(f"reason_bits & {1 << bit} <> 0")
            batch_op.create_index(f"ix_scans_reason_{code}", ["scanned_at", "id"], unique=False,
                                  postgresql_where=where, sqlite_where=where)


def downgrade():
    with op.batch_alter_table("scans") as batch_op:
        for code in NEW_REASON_BITS:
            batch_op.drop_index(f"ix_scans_reason_{code}")
        batch_op.drop_column("client_reasons")
        batch_op.drop_column("client_verdict")
    with op.batch_alter_table("checkpoints") as batch_op:
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
    with op.batch_alter_table("passes") as batch_op:
        batch_op.drop_column("handed_over_at")
        batch_op.drop_column("via")
