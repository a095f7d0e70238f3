"""PostgreSQL first-class: searched columns compare by code point

`residents.nik`, `residents.name_key` and `audit_events.action` are searched by
prefix (ranges `col >= 'BUD' AND col < 'BUE'`, `LIKE 'auth.%'`). Under a
linguistic collation (en_US.UTF-8, ICU), the default of many PostgreSQL clusters,
such a range is not "starts with" (spaces and punctuation are skipped at the
first level) and LIKE cannot use the index. On PostgreSQL these columns get
`COLLATE "C"` (their indexes are rebuilt by the ALTER); SQLite compares text
byte by byte already, so nothing changes there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
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


def upgrade():
    _collate('C')


def downgrade():
    # Back to the database's default collation.
    _collate('default')
