"""family forms: the family forms F-1.09, F-1.01, F-1.02 as letter types, and the residents' parents and blood group they print

(Filled in by the change that brings it.)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 17:00:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
