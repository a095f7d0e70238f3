"""sync_log: the village's change log for the hub, kept by triggers; sync_state

Every write the hub must hear of adds a row to `sync_log` in the same transaction:
a resident added, changed (in a column the hub keeps) or deleted, a population
event, a letter revoked, a booking (logged as its resident's RT, whose booking
summary the hub keeps). A row names what changed (`entity`, `key`), not how: the
bundle carries each touched thing as it is when the bundle is made, or a
tombstone when it is gone. `seq` only grows (AUTOINCREMENT on SQLite, an
identity on PostgreSQL), so "everything after the hub's acknowledgement" is a
range, and nothing depends on comparing whole files.

The database writes the log itself, whatever writes the rows (the app, the
import's bulk path and COPY, the results file, a hand-made fix): row triggers on
SQLite, and on PostgreSQL statement triggers over transition tables for
`residents` (an import of 400,000 rows logs them in one INSERT per chunk), row
triggers for the small tables.

`residents.ektp_status_at` is when the e-KTP status last changed, set by trigger
when a write changes the status without setting it (NULL: not known, older than
anything). The hub compares it with the time the district set a status, so that
neither side overwrites a later status with an older one.

`sync_state` (one row) keeps the hub's last acknowledgement and the hub's pinned
key.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# The residents' columns a hub keeps (the rest stays in the village: PIN, phone,
# religion, occupation, education).
SYNCED = (
    'nik', 'nik_temporary', 'kk', 'family_relation', 'name', 'sex', 'birth_place',
    'birth_date', 'marital_status', 'citizenship', 'address', 'dusun', 'rw', 'rt',
    'life_status', 'ektp_status', 'ektp_status_at',
)
NOW_SQLITE = "strftime('%Y-%m-%d %H:%M:%f000', 'now')"
NOW_PG = "(now() AT TIME ZONE 'UTC')"


def _rt_key(row: str) -> str:
    return f"coalesce({row}.rw, '') || '/' || coalesce({row}.rt, '')"


def _sqlite() -> list[str]:
    changed = ' OR '.join(f"OLD.{c} IS NOT NEW.{c}" for c in SYNCED)
    log = "INSERT INTO sync_log (entity, key) VALUES"
    booking = (
        "INSERT INTO sync_log (entity, key) SELECT 'rt', "
        f"{_rt_key('r')} FROM residents r WHERE r.id = {{row}}.resident_id;"
    )
    return [
        "CREATE TRIGGER tr_residents_ektp_at AFTER UPDATE OF ektp_status ON residents"
        " WHEN NEW.ektp_status IS NOT OLD.ektp_status"
        " AND NEW.ektp_status_at IS OLD.ektp_status_at"
        f" BEGIN UPDATE residents SET ektp_status_at = {NOW_SQLITE}"
        " WHERE id = NEW.id; END",
        "CREATE TRIGGER tr_residents_sync_insert AFTER INSERT ON residents"
        f" BEGIN {log} ('resident', NEW.id); END",
        "CREATE TRIGGER tr_residents_sync_delete AFTER DELETE ON residents"
        f" BEGIN {log} ('resident', OLD.id); END",
        f"CREATE TRIGGER tr_residents_sync_update AFTER UPDATE OF {', '.join(SYNCED)}"
        f" ON residents WHEN {changed} BEGIN {log} ('resident', NEW.id); END",
        "CREATE TRIGGER tr_events_sync_insert AFTER INSERT ON resident_events"
        f" BEGIN {log} ('event', NEW.id); END",
        "CREATE TRIGGER tr_events_sync_update AFTER UPDATE ON resident_events"
        f" BEGIN {log} ('event', NEW.id); END",
        "CREATE TRIGGER tr_events_sync_delete AFTER DELETE ON resident_events"
        f" BEGIN {log} ('event', OLD.id); END",
        "CREATE TRIGGER tr_letters_sync_revoke AFTER UPDATE OF status ON letters"
        " WHEN NEW.status = 'revoked' AND OLD.status IS NOT 'revoked'"
        f" BEGIN {log} ('revocation', NEW.public_id); END",
        "CREATE TRIGGER tr_bookings_sync_insert AFTER INSERT ON bookings"
        f" BEGIN {booking.format(row='NEW')} END",
        "CREATE TRIGGER tr_bookings_sync_update AFTER UPDATE OF status ON bookings"
        f" WHEN NEW.status IS NOT OLD.status BEGIN {booking.format(row='NEW')} END",
        "CREATE TRIGGER tr_bookings_sync_delete AFTER DELETE ON bookings"
        f" BEGIN {booking.format(row='OLD')} END",
    ]


_SQLITE_TRIGGERS = (
    'tr_residents_ektp_at', 'tr_residents_sync_insert', 'tr_residents_sync_delete',
    'tr_residents_sync_update', 'tr_events_sync_insert', 'tr_events_sync_update',
    'tr_events_sync_delete', 'tr_letters_sync_revoke', 'tr_bookings_sync_insert',
    'tr_bookings_sync_update', 'tr_bookings_sync_delete',
)


def _pg_function(name: str, body: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN {body} END $$"
    )


def _postgresql() -> list[str]:
    changed = ' OR '.join(f"o.{c} IS DISTINCT FROM w.{c}" for c in SYNCED)
    log = "INSERT INTO sync_log (entity, key)"
    booking_rt = (
        f"{log} SELECT 'rt', {_rt_key('r')} FROM residents r"
        " WHERE r.id = {row}.resident_id;"
    )
    out = [
        _pg_function(
            'residents_ektp_at',
            "IF NEW.ektp_status IS DISTINCT FROM OLD.ektp_status"
            " AND NEW.ektp_status_at IS NOT DISTINCT FROM OLD.ektp_status_at THEN"
            f" NEW.ektp_status_at := {NOW_PG}; END IF; RETURN NEW;",
        ),
        "CREATE TRIGGER tr_residents_ektp_at BEFORE UPDATE OF ektp_status ON residents"
        " FOR EACH ROW EXECUTE FUNCTION residents_ektp_at()",
        # Statement triggers: one INSERT per statement, however many rows (COPY).
        _pg_function(
            'residents_sync_insert',
            f"{log} SELECT 'resident', w.id::text FROM new_rows w ORDER BY w.id;"
            " RETURN NULL;",
        ),
        _pg_function(
            'residents_sync_delete',
            f"{log} SELECT 'resident', o.id::text FROM old_rows o ORDER BY o.id;"
            " RETURN NULL;",
        ),
        _pg_function(
            'residents_sync_update',
            f"{log} SELECT 'resident', w.id::text FROM old_rows o"
            f" JOIN new_rows w ON w.id = o.id WHERE {changed} ORDER BY w.id;"
            " RETURN NULL;",
        ),
        "CREATE TRIGGER tr_residents_sync_insert AFTER INSERT ON residents"
        " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
        " EXECUTE FUNCTION residents_sync_insert()",
        "CREATE TRIGGER tr_residents_sync_delete AFTER DELETE ON residents"
        " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"
        " EXECUTE FUNCTION residents_sync_delete()",
        "CREATE TRIGGER tr_residents_sync_update AFTER UPDATE ON residents"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
        " EXECUTE FUNCTION residents_sync_update()",
        _pg_function(
            'events_sync',
            f"IF TG_OP = 'DELETE' THEN {log} VALUES ('event', OLD.id::text);"
            f" ELSE {log} VALUES ('event', NEW.id::text); END IF; RETURN NULL;",
        ),
        "CREATE TRIGGER tr_events_sync AFTER INSERT OR UPDATE OR DELETE"
        " ON resident_events FOR EACH ROW EXECUTE FUNCTION events_sync()",
        _pg_function(
            'letters_sync_revoke',
            f"{log} VALUES ('revocation', NEW.public_id); RETURN NULL;",
        ),
        "CREATE TRIGGER tr_letters_sync_revoke AFTER UPDATE OF status ON letters"
        " FOR EACH ROW WHEN (NEW.status = 'revoked'"
        " AND OLD.status IS DISTINCT FROM 'revoked')"
        " EXECUTE FUNCTION letters_sync_revoke()",
        _pg_function(
            'bookings_sync',
            f"IF TG_OP = 'DELETE' THEN {booking_rt.format(row='OLD')}"
            f" ELSE {booking_rt.format(row='NEW')} END IF; RETURN NULL;",
        ),
        "CREATE TRIGGER tr_bookings_sync AFTER INSERT OR DELETE ON bookings"
        " FOR EACH ROW EXECUTE FUNCTION bookings_sync()",
        "CREATE TRIGGER tr_bookings_sync_status AFTER UPDATE OF status ON bookings"
        " FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status)"
        " EXECUTE FUNCTION bookings_sync()",
    ]
    return out


_PG_TRIGGERS = (
    ('tr_residents_ektp_at', 'residents'),
    ('tr_residents_sync_insert', 'residents'),
    ('tr_residents_sync_delete', 'residents'),
    ('tr_residents_sync_update', 'residents'),
    ('tr_events_sync', 'resident_events'),
    ('tr_letters_sync_revoke', 'letters'),
    ('tr_bookings_sync', 'bookings'),
    ('tr_bookings_sync_status', 'bookings'),
)
_PG_FUNCTIONS = (
    'residents_ektp_at', 'residents_sync_insert', 'residents_sync_delete',
    'residents_sync_update', 'events_sync', 'letters_sync_revoke', 'bookings_sync',
)


def upgrade():
    op.create_table(
        'sync_log',
        sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  sa.Identity(always=False), nullable=False),
        sa.Column('entity', sa.String(length=12), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_sync_log')),
        sqlite_autoincrement=True,
    )
    op.create_table(
        'sync_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('acked_seq', sa.BigInteger(), nullable=False, server_default='0'),
        sa.Column('acked_at', sa.DateTime(), nullable=True),
        sa.Column('hub_code', sa.String(length=13), nullable=True),
        sa.Column('hub_name', sa.String(length=120), nullable=True),
        sa.Column('hub_kid', sa.String(length=40), nullable=True),
        sa.Column('hub_public_key', sa.String(length=60), nullable=True),
        sa.Column('last_export_seq', sa.BigInteger(), nullable=True),
        sa.Column('last_export_at', sa.DateTime(), nullable=True),
        sa.Column('last_return_made_at', sa.String(length=40), nullable=True),
        sa.Column('last_return_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('id = 1', name=op.f('ck_sync_state_one_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_state')),
    )
    op.add_column('residents', sa.Column('ektp_status_at', sa.DateTime(), nullable=True))
    dialect = op.get_bind().dialect.name
    for sql in _sqlite() if dialect == 'sqlite' else _postgresql():
        op.execute(sql)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name, table in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    # Not in batch mode (that would copy `residents` without its triggers).
    op.drop_column('residents', 'ektp_status_at')
    op.drop_table('sync_state')
    op.drop_table('sync_log')
