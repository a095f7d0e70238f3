"""Writing an import's rows: one writer per database engine.

The import hands each chunk's rows to a writer as plain lists in a fixed column
order (NEW_COLUMNS, UPDATE_COLUMNS, CHANGE_COLUMNS); the writer decides how they
reach the database, always inside the session's transaction and without
committing. `Writer` (Core executemany) serves any engine, `SqliteWriter` adds the
bulk tuning of a big first import, `PostgresWriter` streams the rows with COPY.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from sqlalchemy import Connection, bindparam, insert, literal, literal_column, update
from sqlalchemy.exc import DBAPIError

from desa.residents.importer.columns import (
    _UPDATABLE,
    BULK_CACHE_KIB,
    BULK_MIN_ROWS,
    IMPORT_COLUMNS,
)
from desa.residents.models import Resident, ResidentChange

# A new resident: our columns, then what the import derives for it.
NEW_COLUMNS = (*IMPORT_COLUMNS, "nik_temporary", "name_key", "nik_warnings")
# An existing resident's new values, by id.
UPDATE_COLUMNS = ("id", *_UPDATABLE, "name_key", "nik_warnings")
# One changed field; who, when and why are the same for the whole import.
CHANGE_COLUMNS = ("resident_id", "field", "before", "after")
# Called with the NIKs of new rows that were not added: they exist by now.
Taken = Callable[[set[str]], None]


class Writer:
    """Core executemany, the same statements on every engine."""

    # What a failed write raises (the caller turns it into one sentence).
    errors: tuple[type[BaseException], ...] = (DBAPIError,)

    def __init__(
        self, conn: Connection, *, now: dt.datetime, actor_name: str, reason: str
    ) -> None:
        self.conn = conn
        self.now = now
        self.actor_name = actor_name
        self.reason = reason
        residents = Resident.__table__
        # The same for every row, so written into the statement once instead of
        # being bound and converted row by row.
        stamp = literal_column(
            str(
                literal(now, residents.c.created_at.type).compile(
                    dialect=conn.dialect, compile_kwargs={"literal_binds": True}
                )
            )
        )
        self._insert = insert(residents).values(
            pin_epoch=literal_column("0"), created_at=stamp, updated_at=stamp
        )
        names = UPDATE_COLUMNS[1:]
        self._update = (
            update(residents)
            .where(residents.c.id == bindparam("b_id"))
            .values({**{n: bindparam(f"b_{n}") for n in names}, "updated_at": stamp})
        )
        self._update_keys = tuple(f"b_{n}" for n in UPDATE_COLUMNS)

    @contextlib.contextmanager
    def bulk(self, *, first_import_rows: int) -> Iterator[None]:
        """Around the whole import; `first_import_rows` > 0 when the register was
        empty and about that many rows are coming."""
        yield

    def insert(self, rows: list[list[Any]], taken: Taken) -> None:
        """Adds new residents (NEW_COLUMNS lists). Those whose NIK exists by now
        are not added but passed to `taken`, by this call or by a later one (by
        `flush` at the latest)."""
        self.conn.execute(
            self._insert, [dict(zip(NEW_COLUMNS, r, strict=True)) for r in rows]
        )

    def flush(self) -> None:
        """Finishes any write still under way: the connection is free after it."""

    def update(self, rows: list[list[Any]]) -> None:
        """Saves existing residents' new values (UPDATE_COLUMNS lists)."""
        keys = self._update_keys
        self.conn.execute(self._update, [dict(zip(keys, r, strict=True)) for r in rows])

    def add_changes(self, rows: list[tuple[Any, ...]]) -> None:
        """Adds the history of the changed fields (CHANGE_COLUMNS tuples)."""
        common = {
            "changed_at": self.now,
            "changed_by": self.actor_name,
            "reason": self.reason,
        }
        self.conn.execute(
            insert(ResidentChange.__table__),
            [{**common, **dict(zip(CHANGE_COLUMNS, r, strict=True))} for r in rows],
        )


class SqliteWriter(Writer):
    """executemany, with SQLite tuned for one big write transaction."""

    @contextlib.contextmanager
    def bulk(self, *, first_import_rows: int) -> Iterator[None]:
        """A bigger page cache keeps the NIK index in memory. Into an empty
        register, the secondary indexes are dropped and rebuilt at the end (a
        sorted build is several times faster than 400,000 random inserts); the DDL
        is part of the transaction, so a crash or a rollback brings them back."""
        conn = self.conn
        driver = conn.connection.driver_connection
        cache_size = driver.execute("PRAGMA cache_size").fetchone()[0]
        driver.execute(f"PRAGMA cache_size={BULK_CACHE_KIB:d}")
        try:
            indexes = []
            if first_import_rows >= BULK_MIN_ROWS:
                indexes = conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = 'residents' AND sql IS NOT NULL"
                ).all()
                for name, _sql in indexes:
                    conn.exec_driver_sql(f'DROP INDEX "{name}"')
            yield
            for _name, sql in indexes:
                conn.exec_driver_sql(sql)
        finally:
            driver.execute(f"PRAGMA cache_size={int(cache_size):d}")


class PostgresWriter(Writer):
    """COPY … FROM STDIN (binary) through psycopg, in the session's transaction.

    New residents are copied into a temporary table and moved with one
    `INSERT … SELECT … ON CONFLICT (nik) DO NOTHING` per chunk: a NIK another
    session added since the import looked it up is not a duplicate nor a failure,
    it is handed back and updated like any existing resident. Updates go the same
    way (COPY, then one `UPDATE … FROM`); history rows are copied straight in.
    The temporary tables go with the transaction (ON COMMIT DROP, or rollback).

    Only one statement runs at a time: the worker thread's move of new rows is
    waited for (`flush`) before anything else uses the connection.
    """

    NEW = "desa_import_new"
    CHANGED = "desa_import_changed"

    def __init__(
        self, conn: Connection, *, now: dt.datetime, actor_name: str, reason: str
    ) -> None:
        import psycopg

        super().__init__(conn, now=now, actor_name=actor_name, reason=reason)
        self.errors = (DBAPIError, psycopg.Error)
        # The session's own connection: COPY runs inside its transaction.
        self.driver = conn.connection.driver_connection
        self._types: dict[str, list[int]] = {}
        self._worker: ThreadPoolExecutor | None = None
        self._pending: tuple[Future[set[str]], Taken] | None = None

    @contextlib.contextmanager
    def bulk(self, *, first_import_rows: int) -> Iterator[None]:
        try:
            yield
            self.flush()
        finally:
            # On the way out of a failure: the worker's last statement is waited
            # for (its outcome no longer matters) before the caller rolls back.
            if self._pending is not None:
                wait([self._pending[0]])
                self._pending = None
            if self._worker is not None:
                self._worker.shutdown()
                self._worker = None

    def insert(self, rows: list[list[Any]], taken: Taken) -> None:
        """COPY into the staging table; the move into residents, most of a
        chunk's cost (the server's index work), runs in a worker thread while the
        import checks the next chunk."""
        self.flush()
        with self.driver.cursor() as cur:
            self._copy(cur, self.NEW, NEW_COLUMNS, rows, staged=True)
        if self._worker is None:
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="desa-import")
        self._pending = (self._worker.submit(self._move_new), taken)

    def _move_new(self) -> set[str]:
        from psycopg import sql

        with self.driver.cursor() as cur:
            cur.execute(
                sql.SQL(
                    "WITH added AS (INSERT INTO residents ({columns}, pin_epoch, "
                    "created_at, updated_at) SELECT {columns}, 0, %(now)s, %(now)s "
                    "FROM {new} ON CONFLICT (nik) DO NOTHING RETURNING nik) "
                    "SELECT nik FROM {new} AS n WHERE NOT EXISTS "
                    "(SELECT FROM added WHERE added.nik = n.nik)"
                ).format(columns=_names(NEW_COLUMNS), new=sql.Identifier(self.NEW)),
                {"now": self.now},
            )
            found = {nik for (nik,) in cur.fetchall()}
            cur.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(self.NEW)))
        return found

    def flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            future, taken = pending
            found = future.result()  # the worker's error, if any, is raised here
            if found:
                taken(found)

    def update(self, rows: list[list[Any]]) -> None:
        from psycopg import sql

        self.flush()
        with self.driver.cursor() as cur:
            self._copy(cur, self.CHANGED, UPDATE_COLUMNS, rows, staged=True)
            cur.execute(
                sql.SQL(
                    "UPDATE residents AS r SET {values}, updated_at = %(now)s "
                    "FROM {changed} AS c WHERE r.id = c.id"
                ).format(
                    values=sql.SQL(", ").join(
                        sql.SQL("{0} = c.{0}").format(sql.Identifier(n))
                        for n in UPDATE_COLUMNS[1:]
                    ),
                    changed=sql.Identifier(self.CHANGED),
                ),
                {"now": self.now},
            )
            cur.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(self.CHANGED)))

    def add_changes(self, rows: list[tuple[Any, ...]]) -> None:
        common = (self.now, self.actor_name, self.reason)
        self.flush()
        with self.driver.cursor() as cur:
            self._copy(
                cur,
                ResidentChange.__tablename__,
                (*CHANGE_COLUMNS, "changed_at", "changed_by", "reason"),
                ((*r, *common) for r in rows),
                staged=False,
            )

    def _copy(
        self,
        cur: Any,
        table: str,
        columns: tuple[str, ...],
        rows: Any,
        *,
        staged: bool,
    ) -> None:
        """Streams `rows` into `table`; a staged table is made on first use as an
        empty copy of those residents' columns (types and all, no constraints)."""
        from psycopg import sql

        types = self._types.get(table)
        if types is None:
            if staged:
                cur.execute(
                    sql.SQL(
                        "CREATE TEMPORARY TABLE IF NOT EXISTS {} ON COMMIT DROP AS "
                        "SELECT {} FROM residents WITH NO DATA"
                    ).format(sql.Identifier(table), _names(columns))
                )
                # Left by an earlier import in the same transaction.
                cur.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(table)))
            # Binary COPY sends values as the columns' own types: asked of the
            # catalog, so a column changed by a migration is still sent right.
            cur.execute(
                "SELECT attname, atttypid::int FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                (table,),
            )
            oids = dict(cur.fetchall())
            types = self._types[table] = [oids[c] for c in columns]
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(table), _names(columns)
        )
        with cur.copy(statement) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)


def _names(columns: tuple[str, ...]) -> Any:
    from psycopg import sql

    return sql.SQL(", ").join(sql.Identifier(c) for c in columns)


def writer_for(
    conn: Connection, *, now: dt.datetime, actor_name: str, reason: str
) -> Writer:
    """The writer for the connection's engine."""
    kinds = {"sqlite": SqliteWriter, "postgresql": PostgresWriter}
    cls = kinds.get(conn.dialect.name, Writer)
    if cls is PostgresWriter and conn.dialect.driver != "psycopg":
        cls = Writer  # COPY is written against psycopg 3
    return cls(conn, now=now, actor_name=actor_name, reason=reason)
