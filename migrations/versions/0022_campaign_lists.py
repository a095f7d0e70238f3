"""campaign lists: who works away, who is recorded in another village

A resident who works away (Malaysia, a plantation elsewhere) cannot be recorded
until they come home, often at Lebaran: `works_away`, `away_place` and the
expected return `away_until`, kept by the clerk. The first two the hub needs to
plan (the residents' synced columns widen again: the trigger is remade).

`elsewhere_code`, `elsewhere_name`, `elsewhere_at`: the hub found this NIK
recorded in another village (its return bundle says so); such a resident is not
booked again, since a second recording becomes a Duplicate_Record and no card.

The hub keeps `works_away` and `away_until` beside the rest of the resident,
and whether they hold an active booking (`booked`): a booking, its cancellation
or its outcome now logs its resident too, so the planner leaves out exactly the
people already booked.

Villages upgraded from before 0021 have sent none of this: the upgrade logs every
resident flagged disabled or holding an active booking, and every employer with
confirmed staff, so that the next bundle carries them.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 14:05:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

OLD_SYNCED = (
    "nik",
    "nik_temporary",
    "kk",
    "family_relation",
    "name",
    "sex",
    "birth_place",
    "birth_date",
    "marital_status",
    "citizenship",
    "address",
    "dusun",
    "rw",
    "rt",
    "life_status",
    "ektp_status",
    "ektp_status_at",
    "disabled",
)
SYNCED = OLD_SYNCED + ("works_away", "away_until")
LOG = "INSERT INTO sync_log (entity, key)"


def _sqlite_residents(columns) -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    return [
        "DROP TRIGGER IF EXISTS tr_residents_sync_update",
        f"CREATE TRIGGER tr_residents_sync_update AFTER UPDATE OF {', '.join(columns)}"
        f" ON residents WHEN {changed}"
        f" BEGIN {LOG} VALUES ('resident', NEW.id); END",
    ]


def _pg_residents(columns) -> list[str]:
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM w.{c}" for c in columns)
    return [
        "CREATE OR REPLACE FUNCTION residents_sync_update() RETURNS trigger"
        " LANGUAGE plpgsql AS $$ BEGIN"
        f" {LOG} SELECT 'resident', w.id::text FROM old_rows o"
        f" JOIN new_rows w ON w.id = o.id WHERE {changed} ORDER BY w.id;"
        " RETURN NULL; END $$",
    ]


def _triggers(columns) -> list[str]:
    if op.get_bind().dialect.name == "sqlite":
        return _sqlite_residents(columns)
    return _pg_residents(columns)


_SQLITE_BOOKING_TRIGGERS = (
    "tr_bookings_resident_insert",
    "tr_bookings_resident_update",
    "tr_bookings_resident_delete",
)


def _booking_triggers() -> list[str]:
    if op.get_bind().dialect.name == "sqlite":
        return [
            "CREATE TRIGGER tr_bookings_resident_insert AFTER INSERT ON bookings"
            f" BEGIN {LOG} VALUES ('resident', NEW.resident_id); END",
            "CREATE TRIGGER tr_bookings_resident_update AFTER UPDATE OF status ON bookings"
            " WHEN NEW.status IS NOT OLD.status"
            f" BEGIN {LOG} VALUES ('resident', NEW.resident_id); END",
            "CREATE TRIGGER tr_bookings_resident_delete AFTER DELETE ON bookings"
            f" BEGIN {LOG} VALUES ('resident', OLD.resident_id); END",
        ]
    return [
        "CREATE FUNCTION bookings_resident_sync() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN IF TG_OP = 'DELETE' THEN {LOG} VALUES ('resident', OLD.resident_id::text);"
        f" ELSE {LOG} VALUES ('resident', NEW.resident_id::text); END IF;"
        " RETURN NULL; END $$",
        "CREATE TRIGGER tr_bookings_resident AFTER INSERT OR DELETE ON bookings"
        " FOR EACH ROW EXECUTE FUNCTION bookings_resident_sync()",
        "CREATE TRIGGER tr_bookings_resident_status AFTER UPDATE OF status ON bookings"
        " FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status)"
        " EXECUTE FUNCTION bookings_resident_sync()",
    ]


BACKFILL = (
    f"{LOG} SELECT 'resident', CAST(id AS VARCHAR(40)) FROM residents"
    " WHERE disabled OR id IN (SELECT resident_id FROM bookings WHERE status = 'active')"
    " ORDER BY id",
    f"{LOG} SELECT DISTINCT 'employer', CAST(employer_id AS VARCHAR(40)) FROM employees"
    " WHERE confirmed_at IS NOT NULL AND resident_id IS NOT NULL",
)


def upgrade():
    op.add_column(
        "residents",
        sa.Column(
            "works_away", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.add_column(
        "residents", sa.Column("away_place", sa.String(length=80), nullable=True)
    )
    op.add_column("residents", sa.Column("away_until", sa.Date(), nullable=True))
    op.add_column(
        "residents", sa.Column("elsewhere_code", sa.String(length=13), nullable=True)
    )
    op.add_column(
        "residents", sa.Column("elsewhere_name", sa.String(length=120), nullable=True)
    )
    op.add_column("residents", sa.Column("elsewhere_at", sa.DateTime(), nullable=True))
    for sql in _triggers(SYNCED) + _booking_triggers():
        op.execute(sql)
    # Only where a hub has heard from this village: a first bundle is full anyway.
    acked = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM sync_state WHERE acked_seq > 0"))
        .scalar()
    )
    if acked:
        for sql in BACKFILL:
            op.execute(sql)
    op.add_column(
        "hub_residents",
        sa.Column(
            "works_away", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.add_column("hub_residents", sa.Column("away_until", sa.Date(), nullable=True))
    op.add_column(
        "hub_residents",
        sa.Column("booked", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    op.drop_column("hub_residents", "booked")
    op.drop_column("hub_residents", "away_until")
    if op.get_bind().dialect.name == "sqlite":
        for name in _SQLITE_BOOKING_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_bookings_resident ON bookings")
        op.execute("DROP TRIGGER IF EXISTS tr_bookings_resident_status ON bookings")
        op.execute("DROP FUNCTION IF EXISTS bookings_resident_sync()")
    op.drop_column("hub_residents", "works_away")
    for sql in _triggers(OLD_SYNCED):
        op.execute(sql)
    # Not in batch mode (that would copy `residents` without its triggers).
    for name in (
        "elsewhere_at",
        "elsewhere_name",
        "elsewhere_code",
        "away_until",
        "away_place",
        "works_away",
    ):
        op.drop_column("residents", name)
