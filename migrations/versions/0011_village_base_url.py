"""villages: the address printed in QR codes and links

Set by `desa init --base-url` or on the settings page; empty means "derive it"
(DESA_BASE_URL still overrides it, see desa/core/addresses.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('villages') as batch_op:
        batch_op.add_column(sa.Column('base_url', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('villages') as batch_op:
        batch_op.drop_column('base_url')
