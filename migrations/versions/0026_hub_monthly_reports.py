"""hub_monthly_reports: each village's monthly population report at the hub

A village's bundle carries its monthly report to the kecamatan (births, deaths,
moves in and out, the population at the start and end of the month, by sex and
by dusun) for the running month and the two before it, so that an event
recorded late still reaches the month it belongs to. The hub keeps the last
version per village and month; the kecamatan's table is read from here.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'hub_monthly_reports',
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('month', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('final', sa.Boolean(), nullable=False),
        sa.Column('made_on', sa.Date(), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('month BETWEEN 1 AND 12',
                           name=op.f('ck_hub_monthly_reports_month_known')),
        sa.ForeignKeyConstraint(['village_id'], ['hub_villages.id'],
                                name=op.f('fk_hub_monthly_reports_village_id_hub_villages'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('village_id', 'year', 'month',
                                name=op.f('pk_hub_monthly_reports')),
    )
    op.create_index('ix_hub_monthly_reports_period', 'hub_monthly_reports',
                    ['year', 'month'], unique=False)


def downgrade():
    op.drop_index('ix_hub_monthly_reports_period', table_name='hub_monthly_reports')
    op.drop_table('hub_monthly_reports')
