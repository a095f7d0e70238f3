"""hub_targets: the district's projection targets per kecamatan or desa

Disdukcapil's Table 1 divides by targets from population projections, which is
how rows above 100 % come about. The hub keeps those targets (imported from a
file, `desa hub targets import`) to show them beside the count from the
villages' own registers, and explains a row that passes 100 % against its
target: the recorded who are deceased, moved, or counted in two villages.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'hub_targets',
        sa.Column('code', sa.String(length=13), nullable=False),
        sa.Column('target', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=120), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('target > 0', name=op.f('ck_hub_targets_positive')),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_hub_targets')),
    )


def downgrade():
    op.drop_table('hub_targets')
