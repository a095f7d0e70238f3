"""PostgreSQL first-class: code point collation, indexes for keyset pages

`residents.nik`, `residents.name_key` and `audit_events.action` are searched by
prefix (ranges `col >= 'BUD' AND col < 'BUE'`, `LIKE 'auth.%'`). Under a
linguistic collation (en_US.UTF-8, ICU), the default of many PostgreSQL clusters,
such a range is not "starts with" (spaces and punctuation are skipped at the
first level) and LIKE cannot use the index. On PostgreSQL these columns get
`COLLATE "C"` (their indexes are rebuilt by the ALTER); SQLite compares text
byte by byte already, so nothing changes there.

Lists are walked by keyset (`WHERE (name_key, id) > (:k, :id) ORDER BY name_key,
id LIMIT n`, see desa/core/pages.py): the resident indexes end in the list's
order, for the whole village and for one RT, and the letter archive gets one on
its order (newest first).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# (table, column, length): VARCHAR columns searched by prefix.
BINARY_COLUMNS = (
    ('residents', 'nik', 16),
    ('residents', 'name_key', 120),
    ('audit_events', 'action', 60),
)


def _collate(collation):
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table, column, length in BINARY_COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.String(length, collation=collation),
            existing_type=sa.String(length),
            existing_nullable=False,
        )


# (name, table, columns before, columns after)
INDEXES = (
    ('ix_residents_name_key', 'residents', ['name_key'], ['name_key', 'id']),
    ('ix_residents_area', 'residents', ['rw', 'rt'], ['rw', 'rt', 'name_key', 'id']),
    ('ix_letters_created', 'letters', None, ['created_at', 'id']),
)


def _drop_indexes(which):
    for name, table, *columns in INDEXES:
        if columns[which] is not None:
            op.drop_index(name, table_name=table)


def _create_indexes(which):
    for name, table, *columns in INDEXES:
        if columns[which] is not None:
            op.create_index(name, table, columns[which])


def upgrade():
    # Dropped first, so that the ALTER does not rebuild indexes about to go.
    _drop_indexes(0)
    _collate('C')
    _create_indexes(1)


def downgrade():
    _drop_indexes(1)
    # Back to the database's default collation.
    _collate('default')
    _create_indexes(0)
