"""Database plumbing shared by every domain: SQLite pragmas, write locks, upserts."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from typing import Any

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import ColumnElement, Engine, String, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeEngine

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    """The current time as a naive UTC datetime (what every column stores)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _wants_write_lock() -> bool:
    if has_app_context() and g.get("desa_write_intent"):
        return True
    return has_request_context() and request.method not in SAFE_METHODS


def database_utcnow() -> Any:
    """The database server's current time, naive UTC, as SQL: what the triggers
    of migration 0015 stamp e-KTP status changes with, so that a time set by the
    app to compare with them comes from the same clock."""
    from sqlalchemy import literal_column

    from desa.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        return literal_column("(now() AT TIME ZONE 'UTC')")
    return literal_column("strftime('%Y-%m-%d %H:%M:%f000', 'now')")


def begin_write(*, only_read_audit: bool = False) -> None:
    """Ends the current read transaction; the next one takes the write lock at once.

    For the few GET requests and CLI commands that write: on SQLite a read
    transaction that later writes can fail with SQLITE_BUSY instead of waiting.

    `only_read_audit`: the request writes nothing but the audit line of a read.
    That commit does not wait for its fsync: on SQLite synchronous=NORMAL in WAL
    mode, on PostgreSQL `synchronous_commit = off` for that transaction alone.
    Still atomic and kept through a crash of the service, it reaches the disk
    with the next ordinary commit or checkpoint (PostgreSQL's WAL writer within
    a fraction of a second), so a power cut in between can lose the last read
    lines, never half of one. That keeps the NIK lookup, the API's busiest call,
    at its budget (an fsync costs more than the whole lookup).
    """
    from desa.extensions import db

    db.session.commit()
    g.desa_write_intent = True
    g.desa_relaxed_sync = only_read_audit


def mark_write_intent() -> None:
    """Marks the rest of this app context (a CLI command) as a writer."""
    g.desa_write_intent = True


def clear_write_intent() -> None:
    """The rest of this app context only reads: it need not hold the write lock."""
    g.pop("desa_write_intent", None)


def configure_engine(engine: Engine) -> None:
    """Sets durability pragmas and transaction handling on SQLite engines.

    pysqlite's own transaction handling is switched off so that we can start write
    transactions with BEGIN IMMEDIATE: a deferred transaction that reads first and
    then writes fails with SQLITE_BUSY under concurrency instead of waiting.
    On PostgreSQL only a read audit's transaction is changed (`begin_write`).
    """
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "begin")
        def _on_begin_pg(conn: Any) -> None:
            if has_app_context() and g.get("desa_relaxed_sync"):
                conn.connection.driver_connection.execute(
                    "SET LOCAL synchronous_commit TO OFF"
                )

        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        # Reads through a memory map and a larger page cache: a regency's register
        # (400,000 residents) no longer fits SQLite's 2 MB default, and every API
        # call reads from it.
        cur.execute("PRAGMA mmap_size=268435456")
        cur.execute("PRAGMA cache_size=-32768")
        # Statement journals in memory: a table with triggers (residents, which
        # keeps resident_tallies) needs one for every INSERT, and a file for each
        # cost more than the row itself.
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Straight to the driver: this runs on every request.
        driver = conn.connection.driver_connection
        relaxed = has_app_context() and bool(g.get("desa_relaxed_sync"))
        info = conn.connection.info
        if info.get("desa_relaxed_sync", False) != relaxed:
            # Only when it changes: an ordinary request pays no extra statement.
            driver.execute(f"PRAGMA synchronous={'NORMAL' if relaxed else 'FULL'}")
            info["desa_relaxed_sync"] = relaxed
        driver.execute("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


def binary_string(length: int) -> TypeEngine[str]:
    """A VARCHAR that compares and sorts by code point on every engine.

    For columns searched by prefix ranges and walked by keyset pages (NIK,
    name_key, audit actions). SQLite compares text byte by byte already; on
    PostgreSQL the column gets `COLLATE "C"` (UTF-8 bytes sort in code point
    order), since a linguistic collation (en_US, ICU) skips spaces and
    punctuation at its first level, so `col >= 'A' AND col < 'B'` does not mean
    "starts with A" there, nor does `LIKE 'A%'` get an index.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


# The largest code point, and the surrogates no encoder takes: neither can be
# the upper bound of a prefix range.
_MAX_CHAR = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)


def prefix_range(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`, as a range a plain btree index serves.

    Right only for a column compared by code point (`binary_string`): the upper
    bound is the prefix with its last character moved one code point on.
    """
    stem = prefix.rstrip(chr(_MAX_CHAR))
    lower = column >= prefix
    if not stem:  # nothing sorts after U+10FFFF…: every longer string matches
        return lower
    following = ord(stem[-1]) + 1
    if following in _SURROGATES:
        following = _SURROGATES.stop
    return lower & (column < stem[:-1] + chr(following))


def refresh_statistics(*tables: str) -> None:
    """After a bulk load has committed: `VACUUM (ANALYZE)` those tables on PostgreSQL.

    Until the planner has statistics it guesses a few thousand rows, and a deep
    page or a count turns into a sequential scan with a sort spilled to disk; until
    the visibility map is set, an index-only scan reads every heap page anyway
    (100,000 heap fetches for a count). Autovacuum, when it is on, gets there a
    minute or so later: the clerk opens the list at once. Nothing to do on SQLite.
    Best effort: a lock held elsewhere (autovacuum at work) only skips it.
    """
    from desa.extensions import db

    if db.engine.dialect.name != "postgresql":
        return
    try:
        with db.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as conn:
            conn.exec_driver_sql("SET lock_timeout = '2s'")
            for table in tables:
                conn.exec_driver_sql(f'VACUUM (ANALYZE) "{table}"')
    except Exception:  # the load itself has committed; this only speeds reads up
        log.warning("VACUUM (ANALYZE) %s skipped", ", ".join(tables), exc_info=True)


# Autovacuum's own thresholds, with the server's settings: VACUUM once the rows
# inserted (or dead) since the last one pass the threshold plus a share of the
# table, ANALYZE once the rows changed since the last one do.
_DUE_SQL = (
    "SELECT s.relname,"
    " s.n_ins_since_vacuum > coalesce("
    "current_setting('autovacuum_vacuum_insert_threshold', true)::float, 1000)"
    " + coalesce(current_setting('autovacuum_vacuum_insert_scale_factor', true)::float, 0.2) * t.n"
    " OR s.n_dead_tup > coalesce(current_setting('autovacuum_vacuum_threshold', true)::float, 50)"
    " + coalesce(current_setting('autovacuum_vacuum_scale_factor', true)::float, 0.2) * t.n,"
    " s.n_mod_since_analyze > coalesce("
    "current_setting('autovacuum_analyze_threshold', true)::float, 50)"
    " + coalesce(current_setting('autovacuum_analyze_scale_factor', true)::float, 0.1) * t.n"
    " FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
    " CROSS JOIN LATERAL (SELECT greatest(c.reltuples, 0) AS n) t"
    " WHERE s.schemaname = current_schema() AND s.relname = ANY(%s)"
)


def refresh_statistics_when_due(*tables: str) -> None:
    """After a bulk write has committed: what autovacuum would do to those tables
    now (`VACUUM (ANALYZE)` or `ANALYZE`, by its own thresholds), on PostgreSQL.

    For a table filled by many bulk writes one after the other (a hub receiving
    every village's first bundle), where `refresh_statistics` after each would
    rescan the whole table every time: this one follows the table's growth, as
    autovacuum does, but at once rather than a minute later (or never, when it
    is off). The counters it reads lag a little (a backend reports its
    changes at most once a second); that only moves a refresh one write later.
    Best effort, like `refresh_statistics`.
    """
    from desa.extensions import db

    if db.engine.dialect.name != "postgresql":
        return
    try:
        with db.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as conn:
            due = conn.exec_driver_sql(_DUE_SQL, (list(tables),)).all()
            conn.exec_driver_sql("SET lock_timeout = '2s'")
            for table, vacuum, analyze in due:
                if vacuum:
                    conn.exec_driver_sql(f'VACUUM (ANALYZE) "{table}"')
                elif analyze:
                    conn.exec_driver_sql(f'ANALYZE "{table}"')
    except Exception:  # the write itself has committed; this only speeds reads up
        log.warning("statistics of %s not refreshed", ", ".join(tables), exc_info=True)


def insert_ignore(table: Table, dialect_name: str) -> Any:
    """An INSERT … ON CONFLICT DO NOTHING for the running dialect."""
    module = postgresql if dialect_name == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


_readers = threading.local()


def _sqlite_reader(path: str) -> sqlite3.Connection:
    """This thread's read-only connection to the SQLite file at `path`."""
    slot = getattr(_readers, "slot", None)
    if slot is None or slot[0] != path:
        if slot is not None:
            slot[1].close()
        conn = sqlite3.connect(path, isolation_level=None)  # autocommit reads
        for pragma in (
            "query_only=1",
            "busy_timeout=15000",
            "mmap_size=268435456",
            "cache_size=-32768",
        ):
            conn.execute(f"PRAGMA {pragma}")
        slot = _readers.slot = (path, conn)
    return slot[1]


def _pg_reader(engine: Engine, fresh: bool = False) -> Any:
    """This thread's autocommit connection to the PostgreSQL database of `engine`.

    Autocommit: a lookup is one round trip, with no BEGIN before it and no
    ROLLBACK when a pooled connection goes back.
    """
    import psycopg

    key = engine.url.render_as_string(hide_password=False)
    slot = getattr(_readers, "pg", None)
    if fresh or slot is None or slot[0] != key or slot[1].closed:
        if slot is not None:
            slot[1].close()
        url = engine.url.set(drivername="postgresql")
        conn = psycopg.connect(
            url.render_as_string(hide_password=False), autocommit=True
        )
        slot = _readers.pg = (key, conn)
    return slot[1]


def _pg_fetchone(engine: Engine, sql: str, params: tuple[Any, ...]) -> Any:
    import psycopg

    try:
        return _pg_reader(engine).execute(sql, params).fetchone()
    except psycopg.OperationalError:  # the server went away: one new connection
        return _pg_reader(engine, fresh=True).execute(sql, params).fetchone()


def driver_fetchone(sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """Runs one small SELECT straight on the driver; sees committed data.

    For the lookups every API call makes (token, NIK): SQLAlchemy's session, pool
    and statement machinery cost more than the query itself there. On SQLite each
    thread keeps one read-only connection for them; elsewhere a pooled one is used.
    It runs outside the request's session, so never use it to read what the
    request itself is writing. `sql` uses `?` placeholders and plain column names;
    values come back as the driver gives them.
    """
    from desa.extensions import db

    engine = db.engine
    if engine.dialect.name == "sqlite" and engine.url.database:
        cursor = _sqlite_reader(engine.url.database).execute(sql, params)
        try:
            return cursor.fetchone()
        finally:
            cursor.close()
    if engine.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    if engine.dialect.name == "postgresql":
        return _pg_fetchone(engine, sql, params)
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchone()
        finally:
            cursor.close()
    finally:
        conn.close()  # back to the pool, which rolls back whatever it began
