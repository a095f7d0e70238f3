"""temporary residents: the Buku Penduduk Sementara: people staying in the village for a while

(Filled in by the change that brings it.)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 17:00:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
