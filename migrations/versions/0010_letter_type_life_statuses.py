"""letter types: the life statuses each type serves

A letter is made only for a resident whose life status its type serves
(`letter_types.life_statuses`, a JSON list of `active`, `deceased`, `moved`,
`missing`). Rows that exist get their set by code: the death letter serves the
deceased, the moving letter the active and those already recorded as moved,
every other type (and any type a village added) the active only. Admins change
the sets afterwards in the letter-type screen.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


DEFAULT = ["active"]
# The seeded types of 0003 whose set is not DEFAULT, frozen here.
BY_CODE = {
    "SKK": ["deceased"],  # Surat Keterangan Kematian: the deceased is its subject
    "SKP": ["active", "moved"],  # Surat Keterangan Pindah: before or after moving out
}


def upgrade():
    with op.batch_alter_table('letter_types') as batch_op:
        batch_op.add_column(sa.Column('life_statuses', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[\"active\"]'")))
    table = sa.table(
        'letter_types', sa.column('code', sa.String), sa.column('life_statuses', sa.JSON)
    )
    for code, statuses in BY_CODE.items():
        op.execute(
            table.update().where(table.c.code == code).values(life_statuses=statuses)
        )


def downgrade():
    with op.batch_alter_table('letter_types') as batch_op:
        batch_op.drop_column('life_statuses')
