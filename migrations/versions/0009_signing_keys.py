"""signing keys: every key that ever signed a letter, by kid

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # The key files stay in the instance folder; `desa init` registers an existing
    # `keys/signing-ed25519.pem` here under its kid (desa/trust/keys.py).
    op.create_table(
        'signing_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kid', sa.String(length=8), nullable=False),
        sa.Column('public_key', sa.String(length=43), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('active', 'retired')",
                           name=op.f('ck_signing_keys_status_known')),
        sa.CheckConstraint("(status = 'retired') = (retired_at IS NOT NULL)",
                           name=op.f('ck_signing_keys_retired_dated')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_keys')),
        sa.UniqueConstraint('kid', name=op.f('uq_signing_keys_kid')),
    )
    op.create_index('uq_signing_keys_one_active', 'signing_keys', ['status'],
                    unique=True, sqlite_where=sa.text("status = 'active'"),
                    postgresql_where=sa.text("status = 'active'"))


def downgrade():
    op.drop_index('uq_signing_keys_one_active', table_name='signing_keys')
    op.drop_table('signing_keys')
