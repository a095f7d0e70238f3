"""Running an import: rows checked and settled in chunks, rejects to a file."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import gc
import io
import itertools
import logging
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, update

from desa.auth import audit
from desa.auth.actor import Actor
from desa.core.db import insert_ignore, mark_write_intent
from desa.core.spreadsheet import safe_cell
from desa.core.village import get_village
from desa.extensions import db
from desa.residents.importer.checking import (
    _Checker,
    _joined,
)
from desa.residents.importer.columns import (
    _CITIZENSHIP,
    _DUSUN,
    _LIFE,
    _NAME,
    _NIK,
    _RT,
    _RW,
    _SEX,
    _UPDATABLE,
    _UPDATABLE_NAME,
    _UPDATABLE_POS,
    CHUNK_SIZE,
    ERROR_COLUMN,
    FIRST_ERRORS,
    MAX_IMPORT_ROWS,
    ImportFileError,
    ImportWriteError,
    Progress,
    too_many_rows_message,
)
from desa.residents.importer.reading import (
    Table,
    read_table,
)
from desa.residents.importer.writing import Writer, writer_for
from desa.residents.models import Area, LifeStatus, Resident

log = logging.getLogger(__name__)


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    processed: int = 0
    rejects_path: str | None = None
    columns: list[tuple[str, str | None]] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    first_errors: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False
    strict: bool = False
    committed: bool = False

    @property
    def summary(self) -> str:
        """The contract's summary line: `imported N, updated M, rejected K`."""
        return (
            f"imported {self.imported}, updated {self.updated}, "
            f"rejected {self.rejected}"
        )


class _Rejects:
    """The rejects CSV: the original columns plus `error`, escaped, UTF-8 with BOM."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        header: list[str],
        delimiter: str | None = None,
    ) -> None:
        self.path = None if path is None else Path(path)
        self.header = header
        # The upload's own separator (`;` in, `;` out); XLSX uploads get commas.
        self.delimiter = delimiter or ","
        self.count = 0
        self._fh: io.TextIOWrapper | None = None
        self._writer: Any = None

    def add(self, cells: Any, error: str) -> None:
        self.count += 1
        if self.path is None:
            return
        if self._writer is None:
            tmp = self.path.with_name(self.path.name + ".part")
            self._fh = tmp.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(
                self._fh, delimiter=self.delimiter, lineterminator="\r\n"
            )
            self._writer.writerow([safe_cell(h) for h in self.header] + [ERROR_COLUMN])
        width = len(self.header)
        row = [_cell_text(c) for c in itertools.islice(cells, width)]
        row.extend([""] * (width - len(row)))
        self._writer.writerow(row + [safe_cell(error)])

    def finish(self) -> str | None:
        if self.path is None:
            return None
        if self._fh is None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()  # an old rejects file would mislead
            return None
        self._fh.close()
        os.replace(self.path.with_name(self.path.name + ".part"), self.path)
        return str(self.path)

    def discard(self) -> None:
        if self._fh is not None:
            self._fh.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.with_name(self.path.name + ".part").unlink()  # type: ignore[union-attr]


def _cell_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    return safe_cell(value if isinstance(value, str) else str(value))


def run_import(
    actor: Actor,
    path: str | os.PathLike[str],
    *,
    strict: bool = False,
    dry_run: bool = False,
    actor_name: str | None = None,
    progress: Progress | None = None,
    rejects_path: str | os.PathLike[str] | None = None,
    filename: str | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ImportResult:
    """Imports a resident file in the caller's transaction; the caller commits.

    `dry_run` writes nothing; `strict` writes nothing when a row is rejected (it
    rolls its own writes back). Either way `result.committed` tells the caller
    whether there is anything to commit. A crash rolls back and re-raises.
    """
    name = filename or Path(path).name
    actor_name = actor_name or actor.display_name
    result = ImportResult(dry_run=dry_run, strict=strict)
    gc_was_enabled = gc.isenabled()
    # Hundreds of thousands of short-lived rows would trigger full collections that
    # rescan the long-lived NIK index over and over; nothing here forms cycles.
    gc.disable()
    rejects: _Rejects | None = None
    try:
        with read_table(path) as table:
            result.columns = table.columns
            result.unknown_columns = list(table.unknown_columns)
            rejects = _Rejects(rejects_path, table.header, table.delimiter)
            if not dry_run:
                mark_write_intent()
            village = get_village()
            job = _Job(
                table=table,
                checker=_Checker(table, actor.today, village and village.code),
                result=result,
                rejects=rejects,
                write=not dry_run,
                strict=strict,
                actor_name=actor_name,
                now=actor.utcnow,
                reason=f"impor {name}"[:200],
            )
            _run_chunks(job, progress, chunk_size)
        result.rejects_path = rejects.finish()
        if dry_run or (strict and result.rejected):
            db.session.rollback()
            if strict and result.rejected and not dry_run:
                result.imported = result.updated = result.unchanged = 0
            return result
        audit.record(
            actor,
            "residents.import",
            detail=(
                f"imported {result.imported}, updated {result.updated}, "
                f"rejected {result.rejected}, file {name}"
            ),
            actor_name=actor_name,
        )
        result.committed = True
        return result
    except BaseException:
        db.session.rollback()
        if rejects is not None:
            rejects.discard()
        raise
    finally:
        if gc_was_enabled:
            gc.enable()


def _run_chunks(job: _Job, progress: Progress | None, chunk_size: int) -> None:
    """Runs the job in the writer's bulk mode; a failed write becomes one sentence.

    Whatever the database refused (a lost connection, a timeout, a constraint),
    nothing of the import stays: the caller rolls the whole transaction back.
    """
    writer = job.writer
    first = job.table.total_estimate if job.was_empty else 0
    bulk = (
        writer.bulk(first_import_rows=first) if job.write else contextlib.nullcontext()
    )
    try:
        with bulk:
            job.run(progress, chunk_size)
    except writer.errors as err:
        log.exception("resident import failed while writing")
        raise ImportWriteError() from err


class _SeenNiks:
    """The NIKs read so far from this file and the line of each, kept on disk.

    Held in a dict, a million-row file would keep a million NIKs in memory; a
    private temporary SQLite database (which spills to a temporary file beyond a
    small page cache) keeps the import's memory flat whatever the file's length.
    """

    BATCH = 500  # NIKs per lookup, well under SQLite's limit on parameters

    def __init__(self) -> None:
        # "" opens a private temporary database, deleted when closed.
        self.conn = sqlite3.connect("", isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-4096")
        self.conn.execute(
            "CREATE TABLE seen (nik TEXT PRIMARY KEY, line INTEGER NOT NULL) "
            "WITHOUT ROWID"
        )

    def first_lines(self, niks: list[str]) -> dict[str, int]:
        """The line each of `niks` was first read on, for those read before."""
        found: dict[str, int] = {}
        for start in range(0, len(niks), self.BATCH):
            batch = niks[start : start + self.BATCH]
            marks = ",".join("?" * len(batch))
            found.update(
                self.conn.execute(
                    f"SELECT nik, line FROM seen WHERE nik IN ({marks})",  # noqa: S608 - only ? marks  # nosec B608
                    batch,
                )
            )
        return found

    def add(self, pairs: Iterable[tuple[str, int]]) -> None:
        self.conn.execute("BEGIN")
        self.conn.executemany("INSERT INTO seen (nik, line) VALUES (?, ?)", pairs)
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class _Job:
    """One import run: chunks of validated rows, settled here, written by a Writer."""

    def __init__(
        self,
        *,
        table: Table,
        checker: _Checker,
        result: ImportResult,
        rejects: _Rejects,
        write: bool,
        strict: bool,
        actor_name: str,
        now: dt.datetime,
        reason: str,
    ) -> None:
        self.table = table
        self.checker = checker
        self.result = result
        self.rejects = rejects
        self.write = write
        self.strict = strict
        self.seen = _SeenNiks()
        self.areas: dict[tuple[str, str], str | None] = {}
        self.conn = db.session.connection()
        self.residents = Resident.__table__
        self.was_empty = (
            db.session.execute(select(self.residents.c.id).limit(1)).first() is None
        )
        self.writer: Writer = writer_for(
            self.conn, now=now, actor_name=actor_name[:120], reason=reason
        )

    def run(self, progress: Progress | None, chunk_size: int) -> None:
        """Validates every row, settling and writing the rows chunk by chunk."""
        table, result = self.table, self.result
        total = table.total_estimate
        check = self.checker.check
        pending: list[tuple[int, Any, list[Any], list[str], Any]] = []
        line = table.header_line
        processed = 0
        try:
            for cells in table.rows:
                line += 1
                if not any(cells):
                    continue
                values, errors, nik_check = check(cells)
                pending.append((line, cells, values, errors, nik_check))
                processed += 1
                if processed > MAX_IMPORT_ROWS:
                    raise ImportFileError(too_many_rows_message(MAX_IMPORT_ROWS))
                if len(pending) >= chunk_size:
                    self._settle(pending)
                    pending = []
                    if progress is not None:
                        # Counted over every row read, so a file full of rejects moves too.
                        progress(processed, max(total, processed))
            self._settle(pending)
        finally:
            self.seen.close()
        result.processed = processed
        self.writer.flush()  # its last rows may still name new areas
        if self.write and not (self.strict and result.rejected):
            self._save_areas()
        if progress is not None:
            progress(processed, processed)

    def _settle(
        self, pending: list[tuple[int, Any, list[Any], list[str], Any]]
    ) -> None:
        """Finds duplicate NIKs among the chunk, rejects or writes each row in order."""
        niks = [row[2][_NIK] for row in pending if row[2][_NIK] is not None]
        earlier = self.seen.first_lines(niks) if niks else {}
        new: dict[str, int] = {}
        chunk: list[tuple[list[Any], Any]] = []
        for line, cells, values, errors, nik_check in pending:
            nik = values[_NIK]
            if nik is not None:
                first = earlier.get(nik) or new.get(nik)
                if first is None:
                    new[nik] = line
                else:
                    errors.append(f"NIK ganda di berkas, baris {first}")
            if errors:
                self._reject(line, cells, _joined(errors))
            else:
                chunk.append((values, nik_check))
        if new:
            self.seen.add(new.items())
        self._flush(chunk)

    def _reject(self, line: int, cells: Any, error: str) -> None:
        result = self.result
        result.rejected += 1
        self.rejects.add(cells, error)
        if len(result.first_errors) < FIRST_ERRORS:
            result.first_errors.append((line, error))

    def _flush(self, chunk: list[tuple[list[Any], Any]]) -> None:
        if not chunk:
            return
        existing = {}
        if not self.was_empty:
            self.writer.flush()  # the lookup needs the connection
            existing = self._existing([r[0][_NIK] for r in chunk])
        writing = self.write and not (self.strict and self.result.rejected)
        warnings_json = self.checker.warnings_json
        new_rows: list[list[Any]] = []
        updates: list[list[Any]] = []
        changes: list[tuple[Any, ...]] = []
        areas = self.areas
        unchanged = updated = 0
        for values, nik_check in chunk:
            old = existing.get(values[_NIK])
            if old is None:
                # A new list: `values` stay as read, should the NIK turn out to
                # exist after all (see _taken).
                row = [
                    *values,
                    nik_check.temporary,
                    values[_NAME],
                    warnings_json(nik_check),
                ]
                if row[_SEX] is None:
                    row[_SEX] = nik_check.sex
                if row[_CITIZENSHIP] is None:
                    row[_CITIZENSHIP] = "WNI"
                if row[_LIFE] is None:
                    row[_LIFE] = LifeStatus.ACTIVE
                new_rows.append(row)
                rw, rt, dusun = row[_RW], row[_RT], row[_DUSUN]
            else:
                rw, rt, dusun, same = self._compare(
                    old, values, nik_check, updates, changes
                )
                if same:
                    unchanged += 1
                else:
                    updated += 1
            if rw is not None and rt is not None and areas.get((rw, rt)) is None:
                areas[(rw, rt)] = dusun
        self.result.imported += len(new_rows)
        self.result.updated += updated
        self.result.unchanged += unchanged
        if not writing:
            return
        writer = self.writer
        if updates:
            writer.update(updates)
        if changes:
            writer.add_changes(changes)
        if new_rows:
            # Last: the writer may go on adding them while the next chunk is read.
            writer.insert(new_rows, functools.partial(self._taken, chunk))

    def _taken(self, chunk: list[tuple[list[Any], Any]], niks: set[str]) -> None:
        """Rows whose NIK another session added while the import ran: updates."""
        existing = self._existing(sorted(niks))
        result = self.result
        updates: list[list[Any]] = []
        changes: list[tuple[Any, ...]] = []
        for values, nik_check in chunk:
            nik = values[_NIK]
            if nik not in niks:
                continue
            old = existing.get(nik)
            if old is None:  # added, then removed again before this lookup
                raise ImportWriteError()
            rw, rt, dusun, same = self._compare(
                old, values, nik_check, updates, changes
            )
            result.imported -= 1
            if same:
                result.unchanged += 1
            else:
                result.updated += 1
            if rw is not None and rt is not None and self.areas.get((rw, rt)) is None:
                self.areas[(rw, rt)] = dusun
        if updates:
            self.writer.update(updates)
        if changes:
            self.writer.add_changes(changes)

    def _existing(self, niks: list[str]) -> dict[str, Any]:
        t = self.residents
        cols = [t.c.id, t.c.nik, t.c.nik_warnings, *(t.c[n] for n in _UPDATABLE)]
        found: dict[str, Any] = {}
        for start in range(0, len(niks), 5000):
            part = niks[start : start + 5000]
            for row in self.conn.execute(select(*cols).where(t.c.nik.in_(part))):
                found[row.nik] = row
        return found

    def _compare(
        self,
        old: Any,
        values: list[Any],
        nik_check: Any,
        updates: list[list[Any]],
        changes: list[tuple[Any, ...]],
    ) -> tuple[str | None, str | None, str | None, bool]:
        """Queues one existing resident's update and history; (rw, rt, dusun, same)."""
        mapping = old._mapping
        changed: dict[str, Any] = {}
        for name, pos in _UPDATABLE_POS:
            new = values[pos]
            if new is not None and new != mapping[name]:
                changed[name] = new
        warnings = self.checker.warnings_json(nik_check)
        if changed or warnings != mapping["nik_warnings"]:
            # A change of the NIK warnings alone is derived data (e.g. newer
            # Kemendagri codes): it is saved, without history, as "unchanged".
            after = [changed.get(n, mapping[n]) for n in _UPDATABLE]
            # UPDATE_COLUMNS: id, the updatable fields, name_key, nik_warnings.
            updates.append([mapping["id"], *after, after[_UPDATABLE_NAME], warnings])
        resident_id = mapping["id"]
        for name, new in changed.items():
            before = mapping[name]
            changes.append(
                (resident_id, name, None if before is None else str(before), str(new))
            )
        rw, rt, dusun = (changed.get(n, mapping[n]) for n in ("rw", "rt", "dusun"))
        return rw, rt, dusun, not changed

    def _save_areas(self) -> None:
        """Adds the RTs the file names that the area list lacks (ensure_area's rule)."""
        if not self.areas:
            return
        t = Area.__table__
        rows = self.conn.execute(select(t.c.id, t.c.rw, t.c.rt, t.c.dusun))
        known = {(row.rw, row.rt): row for row in rows}
        missing = [
            {"rw": rw, "rt": rt, "dusun": dusun}
            for (rw, rt), dusun in sorted(self.areas.items())
            if (rw, rt) not in known
        ]
        named = [
            {"b_id": known[key].id, "b_dusun": dusun}
            for key, dusun in self.areas.items()
            if key in known and dusun and not known[key].dusun
        ]
        if missing:
            # Another session may add the same RT meanwhile: that one stands.
            self.conn.execute(insert_ignore(t, self.conn.dialect.name), missing)
        if named:
            self.conn.execute(
                update(t)
                .where(t.c.id == bindparam("b_id"))
                .values(dusun=bindparam("b_dusun")),
                named,
            )


# --- preview -------------------------------------------------------------------------
