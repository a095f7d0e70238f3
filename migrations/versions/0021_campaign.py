"""campaign: the hub plans recording sessions from every village's pending list

At the hub: recording teams (operators, kits, home kecamatan), blank-card stock
per kecamatan, days off beside the national holidays, campaigns (a round of
recording with its minutes per person and working hours) and the sessions they
plan, each for one village. Published sessions travel down in the return bundle
and become ordinary sessions in the village (`recording_sessions.hub_uid`),
where RT heads, employers and residents book them; their bookings travel back
up as one summary line per session.

The hub also learns what the plan needs from each village: who is frail
(`residents.disabled` is now synced: the trigger's column list is widened) and
each employer's confirmed staff (`hub_employers`, `hub_employees`), logged by
triggers on `employers` and `employees` like the rest of the change log.

`recording_sessions.stations` is how many kits record side by side, so that a
ticket's estimated time is start + ((queue - 1) div stations) x minutes.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

OLD_SYNCED = (
    'nik', 'nik_temporary', 'kk', 'family_relation', 'name', 'sex', 'birth_place',
    'birth_date', 'marital_status', 'citizenship', 'address', 'dusun', 'rw', 'rt',
    'life_status', 'ektp_status', 'ektp_status_at',
)
SYNCED = OLD_SYNCED + ('disabled',)
LOG = "INSERT INTO sync_log (entity, key)"
SESSION_OF = (
    "SELECT 'session', s.hub_uid FROM recording_sessions s"
    " WHERE s.id = {row}.session_id AND s.hub_uid IS NOT NULL;"
)


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


_SQLITE_NEW = (
    'tr_employees_sync_insert', 'tr_employees_sync_update', 'tr_employees_sync_delete',
    'tr_employers_sync_update', 'tr_bookings_session_insert',
    'tr_bookings_session_update', 'tr_bookings_session_delete',
)


def _sqlite_new() -> list[str]:
    return [
        "CREATE TRIGGER tr_employees_sync_insert AFTER INSERT ON employees"
        f" BEGIN {LOG} VALUES ('employer', NEW.employer_id); END",
        "CREATE TRIGGER tr_employees_sync_update AFTER UPDATE ON employees"
        f" BEGIN {LOG} VALUES ('employer', NEW.employer_id);"
        f" {LOG} SELECT 'employer', OLD.employer_id"
        " WHERE OLD.employer_id IS NOT NEW.employer_id; END",
        "CREATE TRIGGER tr_employees_sync_delete AFTER DELETE ON employees"
        f" BEGIN {LOG} VALUES ('employer', OLD.employer_id); END",
        "CREATE TRIGGER tr_employers_sync_update AFTER UPDATE OF name, address"
        f" ON employers BEGIN {LOG} VALUES ('employer', NEW.id); END",
        "CREATE TRIGGER tr_bookings_session_insert AFTER INSERT ON bookings"
        f" BEGIN {LOG} {SESSION_OF.format(row='NEW')} END",
        "CREATE TRIGGER tr_bookings_session_update AFTER UPDATE OF status ON bookings"
        f" WHEN NEW.status IS NOT OLD.status"
        f" BEGIN {LOG} {SESSION_OF.format(row='NEW')} END",
        "CREATE TRIGGER tr_bookings_session_delete AFTER DELETE ON bookings"
        f" BEGIN {LOG} {SESSION_OF.format(row='OLD')} END",
    ]


_PG_NEW = (
    ('tr_employees_sync', 'employees'),
    ('tr_employers_sync', 'employers'),
    ('tr_bookings_session', 'bookings'),
    ('tr_bookings_session_status', 'bookings'),
)
_PG_NEW_FUNCTIONS = ('employees_sync', 'employers_sync', 'bookings_session_sync')


def _pg_new() -> list[str]:
    def function(name: str, body: str) -> str:
        return (
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {body} END $$"
        )

    return [
        function(
            'employees_sync',
            "IF TG_OP IN ('UPDATE', 'DELETE') THEN"
            f" {LOG} VALUES ('employer', OLD.employer_id::text); END IF;"
            " IF TG_OP IN ('INSERT', 'UPDATE') THEN"
            f" {LOG} VALUES ('employer', NEW.employer_id::text); END IF;"
            " RETURN NULL;",
        ),
        "CREATE TRIGGER tr_employees_sync AFTER INSERT OR UPDATE OR DELETE"
        " ON employees FOR EACH ROW EXECUTE FUNCTION employees_sync()",
        function('employers_sync', f"{LOG} VALUES ('employer', NEW.id::text); RETURN NULL;"),
        "CREATE TRIGGER tr_employers_sync AFTER UPDATE OF name, address ON employers"
        " FOR EACH ROW EXECUTE FUNCTION employers_sync()",
        function(
            'bookings_session_sync',
            f"IF TG_OP = 'DELETE' THEN {LOG} {SESSION_OF.format(row='OLD')}"
            f" ELSE {LOG} {SESSION_OF.format(row='NEW')} END IF; RETURN NULL;",
        ),
        "CREATE TRIGGER tr_bookings_session AFTER INSERT OR DELETE ON bookings"
        " FOR EACH ROW EXECUTE FUNCTION bookings_session_sync()",
        "CREATE TRIGGER tr_bookings_session_status AFTER UPDATE OF status ON bookings"
        " FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status)"
        " EXECUTE FUNCTION bookings_session_sync()",
    ]


def upgrade():
    # --- the village -------------------------------------------------------------
    op.add_column('recording_sessions',
                  sa.Column('hub_uid', sa.String(length=24), nullable=True))
    op.add_column('recording_sessions',
                  sa.Column('hub_revision', sa.Integer(), nullable=True))
    op.add_column('recording_sessions',
                  sa.Column('stations', sa.Integer(), nullable=False,
                            server_default='1'))
    op.create_index(op.f('ix_recording_sessions_hub_uid'), 'recording_sessions',
                    ['hub_uid'], unique=True)
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for sql in _sqlite_residents(SYNCED) + _sqlite_new():
            op.execute(sql)
    else:
        for sql in _pg_residents(SYNCED) + _pg_new():
            op.execute(sql)

    # --- the hub -----------------------------------------------------------------
    op.add_column('hub_residents',
                  sa.Column('disabled', sa.Boolean(), nullable=False,
                            server_default=sa.false()))
    op.create_table(
        'hub_employers',
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('local_id', sa.BigInteger(), nullable=False),
        sa.Column('name', sa.String(length=150), nullable=False),
        sa.Column('address', sa.String(length=250), nullable=True),
        sa.ForeignKeyConstraint(['village_id'], ['hub_villages.id'],
                                name=op.f('fk_hub_employers_village_id_hub_villages'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('village_id', 'local_id', name=op.f('pk_hub_employers')),
    )
    op.create_table(
        'hub_employees',
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('employer_local_id', sa.BigInteger(), nullable=False),
        sa.Column('resident_local_id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['village_id'], ['hub_villages.id'],
                                name=op.f('fk_hub_employees_village_id_hub_villages'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('village_id', 'employer_local_id', 'resident_local_id',
                                name=op.f('pk_hub_employees')),
    )
    op.create_table(
        'campaign_teams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('operators', sa.Integer(), nullable=False),
        sa.Column('kits', sa.Integer(), nullable=False),
        sa.Column('base_kecamatan', sa.String(length=8), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('operators > 0', name=op.f('ck_campaign_teams_operators_positive')),
        sa.CheckConstraint('kits > 0', name=op.f('ck_campaign_teams_kits_positive')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_teams')),
        sa.UniqueConstraint('name', name=op.f('uq_campaign_teams_name')),
    )
    op.create_table(
        'campaign_card_stock',
        sa.Column('kecamatan_code', sa.String(length=8), nullable=False),
        sa.Column('blanks', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=120), nullable=False),
        sa.CheckConstraint('blanks >= 0', name=op.f('ck_campaign_card_stock_not_negative')),
        sa.PrimaryKeyConstraint('kecamatan_code', name=op.f('pk_campaign_card_stock')),
    )
    op.create_table(
        'campaign_days_off',
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('date', name=op.f('pk_campaign_days_off')),
    )
    op.create_table(
        'campaigns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('area', sa.String(length=8), nullable=True),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('minutes_per_person', sa.Integer(), nullable=False),
        sa.Column('minutes_frail', sa.Integer(), nullable=False),
        sa.Column('day_start', sa.Time(), nullable=False),
        sa.Column('day_end', sa.Time(), nullable=False),
        sa.Column('evening_start', sa.Time(), nullable=False),
        sa.Column('evening_end', sa.Time(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('planned_at', sa.DateTime(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('created_by', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_campaigns_ends_after_start')),
        sa.CheckConstraint('minutes_per_person > 0 AND minutes_frail > 0',
                           name=op.f('ck_campaigns_minutes_positive')),
        sa.CheckConstraint('day_end > day_start AND evening_end > evening_start',
                           name=op.f('ck_campaigns_hours_ordered')),
        sa.CheckConstraint("status IN ('draft', 'published')",
                           name=op.f('ck_campaigns_status_known')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    )
    op.create_table(
        'campaign_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=24), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('start_time', sa.Time(), nullable=False),
        sa.Column('end_time', sa.Time(), nullable=False),
        sa.Column('place', sa.String(length=150), nullable=False),
        sa.Column('rw', sa.String(length=3), nullable=True),
        sa.Column('rt', sa.String(length=3), nullable=True),
        sa.Column('employer_local_id', sa.BigInteger(), nullable=True),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('minutes_per_person', sa.Integer(), nullable=False),
        sa.Column('stations', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('booked', sa.Integer(), nullable=False),
        sa.Column('recorded', sa.Integer(), nullable=False),
        sa.Column('no_show', sa.Integer(), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('capacity > 0', name=op.f('ck_campaign_sessions_capacity_positive')),
        sa.CheckConstraint('minutes_per_person > 0 AND stations > 0',
                           name=op.f('ck_campaign_sessions_pace_positive')),
        sa.CheckConstraint('end_time > start_time',
                           name=op.f('ck_campaign_sessions_ends_after_start')),
        sa.CheckConstraint("kind IN ('office', 'village', 'employer', 'home')",
                           name=op.f('ck_campaign_sessions_kind_known')),
        sa.CheckConstraint("status IN ('planned', 'cancelled')",
                           name=op.f('ck_campaign_sessions_status_known')),
        sa.CheckConstraint('(rw IS NULL) = (rt IS NULL)',
                           name=op.f('ck_campaign_sessions_rt_with_rw')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'],
                                name=op.f('fk_campaign_sessions_campaign_id_campaigns'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['team_id'], ['campaign_teams.id'],
                                name=op.f('fk_campaign_sessions_team_id_campaign_teams'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['village_id'], ['hub_villages.id'],
                                name=op.f('fk_campaign_sessions_village_id_hub_villages'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_sessions')),
        sa.UniqueConstraint('uid', name=op.f('uq_campaign_sessions_uid')),
    )
    op.create_index('ix_campaign_sessions_village', 'campaign_sessions',
                    ['village_id', 'date'], unique=False)
    op.create_index('ix_campaign_sessions_campaign', 'campaign_sessions',
                    ['campaign_id', 'date', 'team_id'], unique=False)


def downgrade():
    op.drop_index('ix_campaign_sessions_campaign', table_name='campaign_sessions')
    op.drop_index('ix_campaign_sessions_village', table_name='campaign_sessions')
    op.drop_table('campaign_sessions')
    op.drop_table('campaigns')
    op.drop_table('campaign_days_off')
    op.drop_table('campaign_card_stock')
    op.drop_table('campaign_teams')
    op.drop_table('hub_employees')
    op.drop_table('hub_employers')
    op.drop_column('hub_residents', 'disabled')
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for name in _SQLITE_NEW:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for sql in _sqlite_residents(OLD_SYNCED):
            op.execute(sql)
    else:
        for name, table in _PG_NEW:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in _PG_NEW_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        for sql in _pg_residents(OLD_SYNCED):
            op.execute(sql)
    op.drop_index(op.f('ix_recording_sessions_hub_uid'), table_name='recording_sessions')
    # Not in batch mode (that would copy the table without the triggers on bookings).
    op.drop_column('recording_sessions', 'stations')
    op.drop_column('recording_sessions', 'hub_revision')
    op.drop_column('recording_sessions', 'hub_uid')

