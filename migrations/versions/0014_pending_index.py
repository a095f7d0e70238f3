"""residents: a partial covering index for the pending-recording export

`ix_residents_pending` holds only the residents not recorded yet (active citizens
with e-KTP status empty, 1 or 2): after the two columns its WHERE fixes, in export
order (RW, RT, name, id), with every column the export and the wajib check read.
The district list becomes one ordered index scan, without a sort or a read of the
table (see desa/exports/models.py, PENDING_INDEX).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 06:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

NOT_RECORDED = sa.text(
    "life_status = 'active' AND citizenship = 'WNI'"
    " AND (ektp_status IS NULL OR ektp_status IN (1, 2))"
)


def upgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.create_index(
            'ix_residents_pending',
            ['life_status', 'citizenship', 'rw', 'rt', 'name_key', 'id', 'birth_date',
             'marital_status', 'nik', 'kk', 'name', 'sex', 'birth_place', 'address',
             'dusun', 'ektp_status'],
            unique=False,
            sqlite_where=NOT_RECORDED,
            postgresql_where=NOT_RECORDED,
        )


def downgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_index('ix_residents_pending')
