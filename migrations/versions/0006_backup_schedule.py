"""backup schedule: the village's automatic daily backup (folder, hour, how many kept)

Empty folder and count fall back to DESA_BACKUP_DIR and DESA_BACKUP_KEEP.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('villages') as batch_op:
        batch_op.add_column(sa.Column('backup_auto', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('backup_dir', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('backup_keep', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('backup_time', sa.String(length=5), nullable=False,
                                      server_default='12:00'))
        batch_op.create_check_constraint(
            op.f('ck_villages_backup_keep_positive'), 'backup_keep IS NULL OR backup_keep BETWEEN 1 AND 365')


def downgrade():
    with op.batch_alter_table('villages') as batch_op:
        batch_op.drop_constraint(op.f('ck_villages_backup_keep_positive'), type_='check')
        batch_op.drop_column('backup_time')
        batch_op.drop_column('backup_keep')
        batch_op.drop_column('backup_dir')
        batch_op.drop_column('backup_auto')
