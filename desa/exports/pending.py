"""The pending-recording list for the district (CONTRACT §7): rows, files, batches.

Rows are read from a server-side cursor in chunks and written straight to the file,
so a regency's list never sits in memory; the file is written beside its final
name, flushed to disk and renamed, then described by a manifest written the same
way. Services never commit: the caller commits the batch once the files are there.

Documented in docs/file-formats.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import os
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, exists, func, select, text

from desa.appointments.models import (
    Booking,
    BookingStatus,
    RecordingSession,
    SessionStatus,
)
from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.core.errors import ServiceError, ValidationError
from desa.core.files import replace_durably
from desa.core.pages import Cursor, Key, Page, keyset_page
from desa.core.spreadsheet import FORMULA_START, safe_cell
from desa.core.spreadsheet import write_xlsx as write_sheet
from desa.core.village import require_village
from desa.exports.models import FORMATS, ExportBatch, ExportBatchItem
from desa.extensions import db
from desa.residents.models import Resident
from desa.residents.rules import age_on, pending_clause

COLUMNS = (
    "NO",
    "NIK",
    "NO_KK",
    "NAMA_LGKP",
    "JENIS_KLMIN",
    "TMPT_LHR",
    "TGL_LHR",
    "UMUR",
    "ALAMAT",
    "NO_RT",
    "NO_RW",
    "DUSUN",
    "KODE_DESA",
    "NAMA_DESA",
    "KECAMATAN",
    "STAT_RKM",
    "JADWAL_REKAM",
)
# Column widths in the XLSX (characters), in COLUMNS order.
WIDTHS = (6, 19, 19, 30, 13, 16, 12, 6, 34, 7, 7, 18, 15, 16, 16, 10, 14)
TEXT_COLUMNS = ("NIK", "NO_KK")
SEX_WORDS = {"L": "LAKI-LAKI", "P": "PEREMPUAN"}
# Rows fetched at a time. Few enough that most of a chunk is freed before the
# collector's next pass: with 5,000 alive at once, each pass moved thousands of
# rows to the older generations, which brings the next full collection (of all
# the app holds, ~70-100 ms) sooner, and into the export.
CHUNK = 1000
_BUFFER = 1024 * 1024
EXPORT_DIR = "exports"

_T = Resident.__table__
_SELECTED = (
    _T.c.id,
    _T.c.nik,
    _T.c.kk,
    _T.c.name,
    _T.c.sex,
    _T.c.birth_place,
    _T.c.birth_date,
    _T.c.address,
    _T.c.rt,
    _T.c.rw,
    _T.c.dusun,
    _T.c.ektp_status,
)

log = logging.getLogger(__name__)


class WriteFailed(ServiceError, OSError):
    """A batch file could not be written: a refusal with status 500 for the one error
    handler, and still the OSError the disk raised for a caller of the service."""


@dataclass(frozen=True)
class Place:
    """The village columns every row repeats."""

    code: str
    name: str
    district: str

    @classmethod
    def of_village(cls) -> Place:
        village = require_village()
        return cls(village.code, village.name.upper(), village.district.upper())


def pending_select(actor: Actor, *, only_new: bool = False) -> Select:
    """The pending list on the actor's day, of the residents it sees, in export order
    (by RW, RT, name), with the date of each resident's active booking (JADWAL_REKAM)
    when there is one."""
    stmt = (
        select(*_SELECTED, RecordingSession.date.label("booked"))
        .outerjoin(
            Booking,
            and_(
                Booking.resident_id == _T.c.id, Booking.status == BookingStatus.ACTIVE
            ),
        )
        .outerjoin(
            RecordingSession,
            and_(
                RecordingSession.id == Booking.session_id,
                RecordingSession.status == SessionStatus.OPEN,
            ),
        )
        .where(pending_clause(actor.today))
    )
    if only_new:
        sent = exists().where(ExportBatchItem.resident_id == _T.c.id)
        stmt = stmt.where(~sent)
    stmt = scopes.restrict(stmt, actor, Resident)
    return stmt.order_by(_T.c.rw, _T.c.rt, _T.c.name_key, _T.c.id)


def pending_count(actor: Actor, *, only_new: bool = False) -> int:
    """How many residents the actor's list holds on its day."""
    stmt = select(func.count()).select_from(_T).where(pending_clause(actor.today))
    stmt = scopes.restrict(stmt, actor, Resident)
    if only_new:
        stmt = stmt.where(~exists().where(ExportBatchItem.resident_id == _T.c.id))
    return db.session.scalar(stmt) or 0


def _dmy(value: dt.date | None) -> str | None:
    return f"{value.day:02d}-{value.month:02d}-{value.year}" if value else None


def cell_maker(
    day: dt.date, place: Place, *, escaped: bool = False
) -> Callable[[Any, int], list[Any]]:
    """row_cells for one day and place: (pending_select row, number) → the section 7
    columns, with text a spreadsheet would run as a formula quoted (safe_cell) when
    `escaped`.

    It runs for every row of a file, so it unpacks rather than reads by name, and
    remembers each date's text (and a birth date's age): thousands of residents
    share a birth date, and every booking of a session the same date. The village
    columns are escaped once; the dates, numbers and sex words it writes itself
    cannot start a formula, so only the resident's own text is looked at.
    """
    births: dict[dt.date, tuple[str, int]] = {}
    booked_texts: dict[dt.date, str] = {}
    sex_words = SEX_WORDS
    risky = FORMULA_START
    code, village, district = place.code, place.name, place.district
    if escaped:
        code, village, district = map(safe_cell, (code, village, district))

    def cells(row: Any, no: int) -> list[Any]:
        (
            _id,
            nik,
            kk,
            name,
            sex,
            birth_place,
            birth,
            address,
            rt,
            rw,
            dusun,
            status,
            booked,
        ) = row
        if birth is None:
            birth_text = age = None
        else:
            known = births.get(birth)
            if known is None:
                known = births[birth] = (_dmy(birth), age_on(birth, day))
            birth_text, age = known
        if booked is not None:
            text = booked_texts.get(booked)
            if text is None:
                text = booked_texts[booked] = _dmy(booked)
            booked = text
        out = [
            no,
            nik,
            kk,
            name,
            sex_words.get(sex, sex),
            birth_place,
            birth_text,
            age,
            address,
            rt,
            rw,
            dusun,
            code,
            village,
            district,
            status,
            booked,
        ]
        # Spelled out rather than looped over the columns: a file has a row per
        # resident, and hardly any of them needs a quote.
        if escaped and (
            (nik and nik[0] in risky)
            or (kk and kk[0] in risky)
            or (name and name[0] in risky)
            or (sex and sex[0] in risky)
            or (birth_place and birth_place[0] in risky)
            or (address and address[0] in risky)
            or (rt and rt[0] in risky)
            or (rw and rw[0] in risky)
            or (dusun and dusun[0] in risky)
        ):
            out = [safe_cell(value) for value in out]
        return out

    return cells


def row_cells(row: Any, no: int, day: dt.date, place: Place) -> list[Any]:
    """One resident (a pending_select row) as the section 7 columns, not yet escaped."""
    return cell_maker(day, place)(row, no)


def _streamed(actor: Actor, only_new: bool) -> Iterator[Any]:
    """The rows of pending_select, in chunks from a server-side cursor."""
    stmt = pending_select(actor, only_new=only_new).execution_options(yield_per=CHUNK)
    # Core rows, without the ORM's result machinery.
    return iter(db.session.connection().execute(stmt))


def iter_rows(
    actor: Actor, *, only_new: bool = False, place: Place | None = None
) -> Iterator[tuple[int, list[Any]]]:
    """(resident id, cells) of the pending list, streamed in chunks from the database."""
    cells = cell_maker(actor.today, place or Place.of_village())
    for no, row in enumerate(_streamed(actor, only_new), start=1):
        yield row[0], cells(row, no)


def file_rows(
    actor: Actor, ids: array, *, only_new: bool = False, place: Place | None = None
) -> Iterator[list[Any]]:
    """The escaped cells of each row of a file, noting who it carries in `ids`."""
    cells = cell_maker(actor.today, place or Place.of_village(), escaped=True)
    note = ids.append
    for no, row in enumerate(_streamed(actor, only_new), start=1):
        note(row[0])
        yield cells(row, no)


# The pending list's order (as the export's), and the key its pages are walked by.
PENDING_KEY = Key((_T.c.rw, _T.c.rt, _T.c.name_key, _T.c.id))


def page(
    actor: Actor,
    page_no: int,
    per_page: int,
    *,
    cursor: Cursor | None = None,
    context: str = "",
    now: int = 0,
) -> Page:
    """One page of the pending list, its items JSON objects keyed by the section 7
    columns; by page number or after a cursor (see desa/core/pages.py)."""
    cells = cell_maker(actor.today, Place.of_village())
    stmt = pending_select(actor).add_columns(_T.c.name_key)
    found = keyset_page(
        stmt,
        PENDING_KEY,
        per_page=per_page,
        context=context,
        page=page_no,
        cursor=cursor,
        now=now,
        fetch=lambda s: list(db.session.execute(s)),
        counter=lambda: pending_count(actor),
    )
    width = len(_SELECTED) + 1  # the columns cells() unpacks, without name_key
    found.items = [
        dict(zip(COLUMNS, cells(row[:width], found.offset + i), strict=True))
        for i, row in enumerate(found.items, start=1)
    ]
    return found


# --- files -----------------------------------------------------------------------


def _part(path: Path) -> Path:
    return path.with_name(path.name + ".part")


def write_csv(path: Path, rows: Iterator[list[Any]]) -> None:
    """UTF-8 with BOM, comma-separated, CRLF, of cells already escaped (file_rows)."""
    tmp = _part(path)
    # Plain UTF-8 and the BOM by hand: the "utf-8-sig" codec encodes every write in
    # Python, this one in C; writerows takes the rows without a call per row.
    with tmp.open("w", encoding="utf-8", newline="", buffering=_BUFFER) as fh:
        fh.write("\ufeff")
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    replace_durably(tmp, path)


def write_xlsx(path: Path, rows: Iterator[list[Any]]) -> None:
    """A streamed workbook of cells already escaped (file_rows): bold filled header,
    frozen first row, widths, NIK/KK as text."""
    tmp = _part(path)
    write_sheet(
        tmp,
        sheet="Belum Rekam",
        columns=COLUMNS,
        rows=rows,
        text_columns=TEXT_COLUMNS,
        widths=WIDTHS,
        banner=True,
        freeze_header=True,
    )
    replace_durably(tmp, path)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def manifest(batch: ExportBatch, file_name: str | None = None) -> dict[str, Any]:
    """What `FILE.manifest.json` says about a batch (CONTRACT §7, plus context)."""
    return {
        "batch_id": batch.id,
        "village_code": batch.village_code,
        "created_at": batch.created_at.replace(microsecond=0).isoformat() + "Z",
        "rows": batch.rows,
        "sha256": batch.sha256,
        "format": batch.format,
        "file": file_name or batch.file_name,
        "as_of": batch.as_of.isoformat(),
        "only_new": batch.only_new,
        "created_by": batch.created_by,
        "columns": list(COLUMNS),
        # CONTRACT §7 fixes the columns, so a temporary NIK is flagged here (and in
        # the data-quality list "NIK sementara"), never by an extra column.
        "temporary_niks": temporary_nik_count(batch),
    }


def temporary_nik_count(batch: ExportBatch) -> int:
    """How many residents the batch carried under a temporary NIK."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(ExportBatchItem)
            .join(Resident, Resident.id == ExportBatchItem.resident_id)
            .where(
                ExportBatchItem.batch_id == batch.id,
                Resident.nik_temporary.is_(True),
            )
        )
        or 0
    )


def manifest_path(path: Path) -> Path:
    """`FILE.manifest.json` beside `FILE`."""
    return path.with_name(path.name + ".manifest.json")


def write_manifest(path: Path, batch: ExportBatch) -> Path:
    """Writes the manifest beside `path`, atomically; returns its path."""
    target = manifest_path(path)
    tmp = target.with_name(target.name + ".part")
    tmp.write_text(
        json.dumps(manifest(batch, path.name), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    replace_durably(tmp, target)
    return target


def export_dir(instance_path: str | os.PathLike[str]) -> Path:
    """Where batches are kept: `instance/exports/`."""
    return Path(instance_path) / EXPORT_DIR


def stored_file(batch: ExportBatch, instance_path: str | os.PathLike[str]) -> Path:
    """The batch's file in the instance folder."""
    return Path(instance_path) / batch.file_path


def _serialize_exports() -> None:
    """Two "only new" exports at once must not both claim the same residents.

    SQLite already runs writers one at a time (BEGIN IMMEDIATE); PostgreSQL takes a
    lock that only another export waits for, held until the batch is committed.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("LOCK TABLE export_batches IN SHARE ROW EXCLUSIVE MODE")
        )


# One statement carrying every id as one parameter, a JSON array on SQLite, an
# array on PostgreSQL: a row-by-row executemany costs SQLite a statement (and its
# foreign-key bookkeeping) per row, and psycopg a round of the pipeline per row.
_INSERT_ITEMS = {
    "sqlite": (
        "INSERT INTO export_batch_items (batch_id, resident_id)"
        " SELECT ?, value FROM json_each(?)"
    ),
    "postgresql": (
        "INSERT INTO export_batch_items (batch_id, resident_id)"
        " SELECT %s, unnest(%s::integer[])"
    ),
}


def _insert_items(batch_id: int, ids: array) -> None:
    """Records who the batch carried, in one INSERT … SELECT from the ids."""
    if not ids:
        return
    conn = db.session.connection()
    # In key order, the index pages are filled one after another instead of at
    # random (the file's order is by RW, RT and name).
    ordered = sorted(ids)
    dialect = conn.dialect.name
    conn.exec_driver_sql(
        _INSERT_ITEMS[dialect],
        (batch_id, json.dumps(ordered) if dialect == "sqlite" else ordered),
    )


def export_pending(
    actor: Actor,
    fmt: str,
    *,
    only_new: bool,
    instance_path: str | os.PathLike[str],
    actor_name: str | None = None,
) -> ExportBatch:
    """Writes a batch file and its manifest under `instance/exports/`; never commits."""
    if fmt not in FORMATS:
        raise ValidationError(
            _("Format ekspor harus xlsx atau csv."),
            fields={"format": [_("Pilih xlsx atau csv.")]},
        )
    _serialize_exports()
    place = Place.of_village()
    day = actor.today
    actor_name = actor_name or actor.display_name
    batch = ExportBatch(
        format=fmt,
        village_code=place.code,
        as_of=day,
        only_new=only_new,
        created_by=actor_name[:120],
    )
    db.session.add(batch)
    db.session.flush()
    directory = export_dir(instance_path)
    directory.mkdir(parents=True, exist_ok=True)
    name = (
        f"{batch.id:05d}-belum-rekam-{place.code.replace('.', '')}-{day:%Y%m%d}.{fmt}"
    )
    target = directory / name
    ids = array("q")
    rows = file_rows(actor, ids, only_new=only_new, place=place)
    try:
        writer = write_xlsx if fmt == "xlsx" else write_csv
        writer(target, rows)
        batch.rows = len(ids)
        batch.sha256 = file_sha256(target)
        batch.file_path = f"{EXPORT_DIR}/{name}"
        _insert_items(batch.id, ids)
        write_manifest(target, batch)
    except BaseException as err:
        for leftover in (target, manifest_path(target)):
            leftover.unlink(missing_ok=True)
            leftover.with_name(leftover.name + ".part").unlink(missing_ok=True)
        if isinstance(err, OSError):
            log.error("export batch could not be written: %s", err)
            raise WriteFailed(
                _(
                    "Berkas ekspor tidak dapat ditulis di server (%(why)s). Coba lagi.",
                    why=err.strerror or err.__class__.__name__,
                ),
                code="write_failed",
                status=500,
            ) from None
        raise
    audit.record(
        actor,
        "recording.export",
        object_type="export_batch",
        object_id=batch.id,
        detail=f"{fmt}, {batch.rows} baris, {'hanya yang baru' if only_new else 'semua'}"
        f", per {day.isoformat()}, sha256 {batch.sha256[:16]}",
    )
    return batch


def copy_out(
    batch: ExportBatch, instance_path: str | os.PathLike[str], dest: Path
) -> Path:
    """Copies a batch file to `dest` (atomically) with its manifest beside it."""
    source = stored_file(batch, instance_path)
    tmp = dest.with_name(dest.name + ".part")
    try:
        with source.open("rb") as src, tmp.open("wb") as out:
            while block := src.read(1024 * 1024):
                out.write(block)
        replace_durably(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return write_manifest(dest, batch)
