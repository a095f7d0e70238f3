"""campaign lists: who works away, who is recorded in another village

A resident who works away (Malaysia, a plantation elsewhere) cannot be recorded
until they come home, often at Lebaran: `works_away`, `away_place` and the
expected return `away_until`, kept by the clerk. The first two the hub needs to
plan (the residents' synced columns widen again: the trigger is remade).

`elsewhere_code`, `elsewhere_name`, `elsewhere_at`: the hub found this NIK
recorded in another village (its return bundle says so); such a resident is not
booked again, since a second recording becomes a Duplicate_Record and no card.

The hub keeps `works_away` and `away_until` beside the rest of the resident.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 14:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

OLD_SYNCED = (
    'nik', 'nik_temporary', 'kk', 'family_relation', 'name', 'sex', 'birth_place',
    'birth_date', 'marital_status', 'citizenship', 'address', 'dusun', 'rw', 'rt',
    'life_status', 'ektp_status', 'ektp_status_at', 'disabled',
)
SYNCED = OLD_SYNCED + ('works_away', 'away_until')
LOG = "INSERT INTO sync_log (entity, key)"


def _sqlite_residents(columns) -> list[str]:
    changed = ' OR '.join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    return [
        "DROP TRIGGER IF EXISTS tr_residents_sync_update",
        f"CREATE TRIGGER tr_residents_sync_update AFTER UPDATE OF {', '.join(columns)}"
        f" ON residents WHEN {changed}"
        f" BEGIN {LOG} VALUES ('resident', NEW.id); END",
    ]


def _pg_residents(columns) -> list[str]:
    changed = ' OR '.join(f"o.{c} IS DISTINCT FROM w.{c}" for c in columns)
    return [
        "CREATE OR REPLACE FUNCTION residents_sync_update() RETURNS trigger"
        " LANGUAGE plpgsql AS $$ BEGIN"
        f" {LOG} SELECT 'resident', w.id::text FROM old_rows o"
        f" JOIN new_rows w ON w.id = o.id WHERE {changed} ORDER BY w.id;"
        " RETURN NULL; END $$",
    ]


def _triggers(columns) -> list[str]:
    if op.get_bind().dialect.name == 'sqlite':
        return _sqlite_residents(columns)
    return _pg_residents(columns)


def upgrade():
    op.add_column('residents', sa.Column('works_away', sa.Boolean(), nullable=False,
                                         server_default=sa.false()))
    op.add_column('residents', sa.Column('away_place', sa.String(length=80), nullable=True))
    op.add_column('residents', sa.Column('away_until', sa.Date(), nullable=True))
    op.add_column('residents', sa.Column('elsewhere_code', sa.String(length=13), nullable=True))
    op.add_column('residents', sa.Column('elsewhere_name', sa.String(length=120), nullable=True))
    op.add_column('residents', sa.Column('elsewhere_at', sa.DateTime(), nullable=True))
    for sql in _triggers(SYNCED):
        op.execute(sql)
    op.add_column('hub_residents', sa.Column('works_away', sa.Boolean(), nullable=False,
                                             server_default=sa.false()))
    op.add_column('hub_residents', sa.Column('away_until', sa.Date(), nullable=True))


def downgrade():
    op.drop_column('hub_residents', 'away_until')
    op.drop_column('hub_residents', 'works_away')
    for sql in _triggers(OLD_SYNCED):
        op.execute(sql)
    # Not in batch mode (that would copy `residents` without its triggers).
    for name in ('elsewhere_at', 'elsewhere_name', 'elsewhere_code', 'away_until',
                 'away_place', 'works_away'):
        op.drop_column('residents', name)
