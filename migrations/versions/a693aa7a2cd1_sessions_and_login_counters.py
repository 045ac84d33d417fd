"""sessions end server-side, usernames ignore case, login counters in the database

Revision ID: a693aa7a2cd1
Revises: 8cfebad319da
Create Date: 2026-12-06 05:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a693aa7a2cd1'
down_revision = 'e5f1c2a9b7d3'
branch_labels = None
depends_on = None


def _fold_usernames():
    """Fill username_key (accounts.models.fold_username). Of 'admin' and 'ADMIN' the older
    keeps its name; the others become 'ADMIN~<id>', visible in the admin's accounts list."""
    connection = op.get_bind()
    users = connection.execute(sa.text("SELECT id, username FROM users ORDER BY id")).all()
    seen = set()
    for user_id, username in users:
        if username.casefold() in seen:
            renamed = f"{username[:50]}~{user_id}"
            print(f"username {username!r} differs from another only in case; now {renamed!r}")
            username = renamed
        seen.add(username.casefold())
        connection.execute(
            sa.text("UPDATE users SET username = :name, username_key = :key WHERE id = :id"),
            {"name": username, "key": username.casefold(), "id": user_id})


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username_key', sa.String(length=192), nullable=True))
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
    _fold_usernames()
    # Sessions and tokens made before generations existed end here, once: a token of an
    # account deactivated before the upgrade must not come back when it is reactivated.
    op.execute("UPDATE users SET session_generation = 1")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('username_key', existing_type=sa.String(length=192), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_username_key'), ['username_key'])
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))

    op.create_table('rate_counters',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_counters'))
    )
    with op.batch_alter_table('rate_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_counters_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('rate_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_counters_expires_at'))
    op.drop_table('rate_counters')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_username_key'), type_='unique')
        batch_op.drop_column('username_key')
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('session_generation')
