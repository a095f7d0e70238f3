"""kua forms: the KUA's marriage forms N-1…N-6 as letter types

(Filled in by the change that brings it.)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 17:00:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
