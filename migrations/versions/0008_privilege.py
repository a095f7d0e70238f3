"""privilege: employees confirmed by the resident or the desk; residents flagged disabled

An employer's proposed employee is bookable only once confirmed (`confirmed_at`).
Rows that existed before are kept confirmed, as they were bookable already.
`residents.disabled` (with age) decides who may be booked into a home visit.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('employees') as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by', sa.String(length=120), nullable=True))
    # What was on a list before this revision could already be booked: keep it so.
    op.execute(
        "UPDATE employees SET confirmed_at = created_at, confirmed_by = 'migrasi 0008' "
        "WHERE resident_id IS NOT NULL"
    )
    with op.batch_alter_table('residents') as batch_op:
        batch_op.add_column(sa.Column('disabled', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('residents') as batch_op:
        batch_op.drop_column('disabled')
    with op.batch_alter_table('employees') as batch_op:
        batch_op.drop_column('confirmed_by')
        batch_op.drop_column('confirmed_at')
