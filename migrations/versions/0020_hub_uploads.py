"""hub_uploads: bundles sent in pieces over a thin link, resumable

`desa sync push` sends a bundle to the hub in chunks; the hub keeps the bytes
received so far in a file under instance/hub/uploads/ and here how many count,
so that a broken link (or a village laptop switched off) resumes where it
stopped. A chunk is taken only by a conditional UPDATE on `received`.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'hub_uploads',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('owner', sa.String(length=40), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('received', sa.BigInteger(), nullable=False),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('received >= 0 AND received <= size',
                           name=op.f('ck_hub_uploads_within_size')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_uploads')),
        sa.UniqueConstraint('owner', 'sha256', name=op.f('uq_hub_uploads_owner_sha256')),
    )


def downgrade():
    op.drop_table('hub_uploads')
