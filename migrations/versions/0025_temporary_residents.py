"""temporary residents: the Buku Penduduk Sementara: people staying in the village for a while

Plantation workers, teachers, relatives from Malaysia who stay without moving
their KK here: recorded by the clerk on arrival (who they are, where from, why,
whom they stay with, in which RT) and on leaving.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 17:00:00

"""

from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "temporary_residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("id_number", sa.String(length=30), nullable=False),
        sa.Column(
            "citizenship", sa.String(length=3), server_default="WNI", nullable=False
        ),
        sa.Column("nationality", sa.String(length=60), nullable=True),
        sa.Column("birth_place", sa.String(length=80), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("occupation", sa.String(length=80), nullable=True),
        sa.Column("came_from", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("host_name", sa.String(length=120), nullable=False),
        sa.Column("host_address", sa.String(length=200), nullable=False),
        sa.Column("dusun", sa.String(length=60), nullable=True),
        sa.Column("rw", sa.String(length=3), nullable=True),
        sa.Column("rt", sa.String(length=3), nullable=True),
        sa.Column("arrived_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "sex IN ('L', 'P')", name=op.f("ck_temporary_residents_sex_known")
        ),
        sa.CheckConstraint(
            "citizenship IN ('WNI', 'WNA')",
            name=op.f("ck_temporary_residents_citizenship_known"),
        ),
        sa.CheckConstraint(
            "left_on IS NULL OR left_on >= arrived_on",
            name=op.f("ck_temporary_residents_left_after_arrival"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_temporary_residents")),
    )
    with op.batch_alter_table("temporary_residents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_temporary_residents_arrived_on"), ["arrived_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_temporary_residents_left_on"), ["left_on"], unique=False
        )


def downgrade():
    with op.batch_alter_table("temporary_residents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_temporary_residents_left_on"))
        batch_op.drop_index(batch_op.f("ix_temporary_residents_arrived_on"))
    op.drop_table("temporary_residents")
