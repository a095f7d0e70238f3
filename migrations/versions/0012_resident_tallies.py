"""resident_tallies: the register counted by what the figures group on, kept by triggers

How many residents share a life status, citizenship, dusun, RW, RT, e-KTP status,
"married or ever married" and birth year. The figures page reads a few thousand
tally rows instead of every resident: wajib KTP is "married, or born on or before
the date 17 years back", so only the residents born in that boundary year are
read from the register itself, through `ix_residents_birth`.

The database keeps the tallies in step with `residents` in the same transaction
as every insert, update and delete, whatever writes them (the app, an import's
bulk path, COPY, a hand-made fix in the sqlite3 shell): SQLite with row triggers,
PostgreSQL with statement triggers over transition tables (one grouped upsert
per statement, in key order so that concurrent writers lock tally rows in the
same order). Unknown values are stored as '' (text), -1 (e-KTP status) and 9999
(birth year: never "born on or before" any date, as NULL in SQL).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 06:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

KEY = ('life_status', 'citizenship', 'dusun', 'rw', 'rt', 'ektp_status', 'married', 'birth_year')
KEY_LIST = ', '.join(KEY)


def key_exprs(row: str, dialect: str) -> list[str]:
    """The tally key of a residents row (`NEW`, `OLD`, a table alias) as SQL."""
    year = (
        f"CAST(substr({row}.birth_date, 1, 4) AS INTEGER)"
        if dialect == 'sqlite'
        else f"CAST(EXTRACT(YEAR FROM {row}.birth_date) AS INTEGER)"
    )
    return [
        f"{row}.life_status",
        f"coalesce({row}.citizenship, '')",
        f"coalesce({row}.dusun, '')",
        f"coalesce({row}.rw, '')",
        f"coalesce({row}.rt, '')",
        f"coalesce({row}.ektp_status, -1)",
        f"CASE WHEN {row}.marital_status IS NOT NULL"
        f" AND {row}.marital_status <> 'BELUM KAWIN' THEN 1 ELSE 0 END",
        f"coalesce({year}, 9999)",
    ]


def _sqlite_triggers() -> list[str]:
    new, old = key_exprs('NEW', 'sqlite'), key_exprs('OLD', 'sqlite')
    add = (
        f"INSERT INTO resident_tallies ({KEY_LIST}, n) VALUES ({', '.join(new)}, 1)"
        f" ON CONFLICT ({KEY_LIST}) DO UPDATE SET n = n + 1;"
    )
    remove = (
        "UPDATE resident_tallies SET n = n - 1 WHERE "
        + ' AND '.join(f"{k} = {e}" for k, e in zip(KEY, old))
        + ';'
    )
    changed = ' OR '.join(f"({o}) IS NOT ({n})" for o, n in zip(old, new))
    watched = 'life_status, citizenship, dusun, rw, rt, ektp_status, marital_status, birth_date'
    return [
        f"CREATE TRIGGER tr_residents_tally_insert AFTER INSERT ON residents"
        f" BEGIN {add} END",
        f"CREATE TRIGGER tr_residents_tally_delete AFTER DELETE ON residents"
        f" BEGIN {remove} END",
        f"CREATE TRIGGER tr_residents_tally_update AFTER UPDATE OF {watched}"
        f" ON residents WHEN {changed} BEGIN {remove} {add} END",
    ]


def _pg_upsert(select: str) -> str:
    return (
        f"INSERT INTO resident_tallies ({KEY_LIST}, n) {select}"
        f" ON CONFLICT ({KEY_LIST}) DO UPDATE SET n = resident_tallies.n + EXCLUDED.n"
    )


def _pg_grouped(source: str, alias: str, sign: str = '') -> str:
    exprs = key_exprs(alias, 'postgresql')
    cols = ', '.join(f"{e} AS {k}" for k, e in zip(KEY, exprs))
    return f"SELECT {cols}, {sign}count(*) AS n FROM {source} {alias} GROUP BY {KEY_LIST}"


def _pg_statements() -> list[str]:
    old_k, new_k = key_exprs('o', 'postgresql'), key_exprs('w', 'postgresql')
    changed = ' OR '.join(f"({a}) IS DISTINCT FROM ({b})" for a, b in zip(old_k, new_k))
    moved_old = (
        "(SELECT o.* FROM old_rows o JOIN new_rows w ON w.id = o.id"
        f" WHERE {changed})"
    )
    moved_new = (
        "(SELECT w.* FROM old_rows o JOIN new_rows w ON w.id = o.id"
        f" WHERE {changed})"
    )
    delta = (
        f"SELECT {KEY_LIST}, sum(n) FROM ("
        f"{_pg_grouped(moved_old, 'a', '-')} UNION ALL {_pg_grouped(moved_new, 'b')}"
        f") d GROUP BY {KEY_LIST} ORDER BY {KEY_LIST}"
    )
    functions = {
        'insert': _pg_upsert(f"{_pg_grouped('new_rows', 'w')} ORDER BY {KEY_LIST}"),
        'delete': _pg_upsert(f"{_pg_grouped('old_rows', 'o', '-')} ORDER BY {KEY_LIST}"),
        'update': _pg_upsert(delta),
    }
    out = []
    for event, body in functions.items():
        out.append(
            f"CREATE FUNCTION residents_tally_{event}() RETURNS trigger"
            f" LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"
        )
        transition = {
            'insert': 'NEW TABLE AS new_rows',
            'delete': 'OLD TABLE AS old_rows',
            'update': 'OLD TABLE AS old_rows NEW TABLE AS new_rows',
        }[event]
        out.append(
            f"CREATE TRIGGER tr_residents_tally_{event} AFTER {event.upper()} ON residents"
            f" REFERENCING {transition} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION residents_tally_{event}()"
        )
    return out


def upgrade():
    op.create_table(
        'resident_tallies',
        sa.Column('life_status', sa.String(length=10), nullable=False),
        sa.Column('citizenship', sa.String(length=3), nullable=False),
        sa.Column('dusun', sa.String(length=60), nullable=False),
        sa.Column('rw', sa.String(length=3), nullable=False),
        sa.Column('rt', sa.String(length=3), nullable=False),
        sa.Column('ektp_status', sa.Integer(), nullable=False),
        sa.Column('married', sa.Integer(), nullable=False),
        sa.Column('birth_year', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY, name=op.f('pk_resident_tallies')),
    )
    # Not in batch mode: a batch operation on SQLite may copy the table, and the
    # copy would have no triggers. A later migration that must rebuild `residents`
    # on SQLite has to create the three triggers again.
    op.create_index(
        'ix_residents_birth',
        'residents',
        ['birth_date', 'life_status', 'citizenship', 'marital_status', 'rw', 'rt', 'dusun', 'ektp_status'],
        unique=False,
    )
    dialect = op.get_bind().dialect.name
    exprs = key_exprs('r', dialect)
    op.execute(
        f"INSERT INTO resident_tallies ({KEY_LIST}, n) SELECT "
        + ', '.join(exprs)
        + f", count(*) FROM residents r GROUP BY {', '.join(exprs)}"
    )
    for sql in _sqlite_triggers() if dialect == 'sqlite' else _pg_statements():
        op.execute(sql)


def downgrade():
    dialect = op.get_bind().dialect.name
    for event in ('insert', 'delete', 'update'):
        if dialect == 'sqlite':
            op.execute(f"DROP TRIGGER IF EXISTS tr_residents_tally_{event}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS tr_residents_tally_{event} ON residents")
            op.execute(f"DROP FUNCTION IF EXISTS residents_tally_{event}()")
    op.drop_index('ix_residents_birth', table_name='residents')
    op.drop_table('resident_tallies')
