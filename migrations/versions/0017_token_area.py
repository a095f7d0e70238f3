"""api_tokens.area: a district token for one kecamatan (or kabupaten)

At a hub, a kecamatan's token sees only the villages whose Kemendagri code starts
with its area (`61.01.12`): Table 1, the duplicates, the district API. NULL: the
whole installation, as before.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area', sa.String(length=13), nullable=True))


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('area')
