"""Resident import and export: CSV/XLSX files in our or Disdukcapil's shape (CONTRACT §5).

The import is built for a whole village register in one go (hundreds of thousands
of rows): rows are read as a stream, every cell goes through the shared parsers of
`fields.py` (with a per-column cache of the parsed values, since most columns hold
few distinct values), every NIK through `check_nik`, and the accepted rows reach
the database through Core `executemany` in chunks, never as ORM objects. Nothing is
committed here: the caller commits once, so the accepted rows land in one
transaction, and a crash leaves the database as it was.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import gc
import io
import itertools
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, literal, literal_column, select, update

from desa.auth import audit
from desa.core.db import mark_write_intent, utcnow
from desa.core.errors import ValidationError
from desa.core.spreadsheet import safe_cell
from desa.core.village import get_village, village_today
from desa.extensions import db
from desa.residents import fields
from desa.residents.models import LIFE_STATUSES, Area, Resident, ResidentChange
from desa.residents.nik import check_nik
from desa.residents.registry import parse_field

__all__ = [
    "ALIASES",
    "IMPORT_COLUMNS",
    "ImportFileError",
    "ImportPreview",
    "ImportResult",
    "Table",
    "export_residents",
    "preview",
    "read_table",
    "run_import",
]

# Our column names, in the order the export writes them.
IMPORT_COLUMNS = (
    "nik", "kk", "name", "sex", "birth_place", "birth_date", "religion",
    "marital_status", "family_relation", "occupation", "education", "address",
    "rt", "rw", "dusun", "ektp_status", "phone", "citizenship", "life_status",
)  # fmt: skip
# The Disdukcapil/SIAK names each column also answers to (CONTRACT §5).
ALIASES: dict[str, tuple[str, ...]] = {
    "nik": ("NIK",),
    "kk": ("NO_KK",),
    "name": ("NAMA_LGKP", "NAMA"),
    "sex": ("JENIS_KLMIN", "JK"),
    "birth_place": ("TMPT_LHR",),
    "birth_date": ("TGL_LHR",),
    "religion": ("AGAMA",),
    "marital_status": ("STAT_KWN", "STATUS_KAWIN"),
    "family_relation": ("STAT_HBKEL", "SHDK"),
    "occupation": ("JENIS_PKRJN", "PEKERJAAN"),
    "education": ("PDDK_AKH",),
    "address": ("ALAMAT",),
    "rt": ("NO_RT",),
    "rw": ("NO_RW",),
    "dusun": ("DUSUN",),
    "ektp_status": ("STAT_RKM", "STATUS_REKAM"),
    "phone": ("TELEPON", "NO_HP"),
    "citizenship": (),
    "life_status": (),
}
REQUIRED = ("nik", "name", "birth_date")
# The column our rejects file adds; a corrected rejects file is imported again as is.
ERROR_COLUMN = "error"

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_XLSX_RATIO = 200
MAX_XLSX_MEMBERS = 10_000
CHUNK_SIZE = 10_000
# SQLite tuning for big imports (see _bulk_sqlite).
BULK_CACHE_KIB = -128 * 1024
BULK_MIN_ROWS = 20_000
# A parsed-value cache per column; names and phones are nearly all distinct, so a
# cap keeps a huge file from holding every one of them twice.
CACHE_LIMIT = 100_000
FIRST_ERRORS = 50
HEADER_SEARCH_ROWS = 10
CSV_FIELD_LIMIT = 1024 * 1024

_POS = {name: i for i, name in enumerate(IMPORT_COLUMNS)}
_NIK, _NAME, _SEX, _BIRTH = _POS["nik"], _POS["name"], _POS["sex"], _POS["birth_date"]
_CITIZENSHIP, _LIFE = _POS["citizenship"], _POS["life_status"]
# What an existing resident's row may have changed by an import: everything but the
# NIK (the key) and the life status (which changes only through population events).
_UPDATABLE = tuple(n for n in IMPORT_COLUMNS if n not in ("nik", "life_status"))
_UPDATABLE_POS = tuple((n, _POS[n]) for n in _UPDATABLE)
_FORMULA_START = frozenset("=+-@\t\r")
_HEADER_SEPARATORS = re.compile(r"[\s\-.]+")
_LIFE_WORDS = {
    "ACTIVE": "active", "AKTIF": "active", "HIDUP": "active", "DECEASED": "deceased",
    "MENINGGAL": "deceased", "MATI": "deceased", "MOVED": "moved", "PINDAH": "moved",
    "MISSING": "missing", "HILANG": "missing",
}  # fmt: skip
Progress = Callable[[int, int], None]


class ImportFileError(ValidationError):
    """The whole file cannot be imported (unreadable, too big, required columns missing)."""

    code = "import_file"


class _Bad:
    """A cell's parse error (kept in the per-column cache like a good value)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


_MISSING: Any = object()


def _normal_header(value: Any) -> str:
    return _HEADER_SEPARATORS.sub("_", str(value).strip().lstrip("\ufeff")).upper()


_HEADER_FIELDS = {
    _normal_header(alias): name
    for name in IMPORT_COLUMNS
    for alias in (name, *ALIASES[name])
}


# --- reading ---------------------------------------------------------------------


@dataclass
class Table:
    """A file opened for import: its header, the detected mapping and its rows."""

    kind: str
    header: list[str]
    header_line: int
    mapping: dict[int, str]
    unknown_columns: list[str]
    delimiter: str | None
    total_estimate: int
    rows: Iterator[Any]
    _close: Callable[[], None] = field(repr=False, default=lambda: None)

    @property
    def columns(self) -> list[tuple[str, str | None]]:
        """Each header cell with our column name, or None when it is ignored."""
        return [(name, self.mapping.get(i)) for i, name in enumerate(self.header)]

    @property
    def missing(self) -> list[str]:
        """Required columns the header lacks."""
        present = set(self.mapping.values())
        return [name for name in REQUIRED if name not in present]

    def close(self) -> None:
        """Releases the file."""
        self._close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_table(path: str | os.PathLike[str]) -> Table:
    """Opens a CSV or XLSX file and maps its header; ImportFileError when it cannot."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise ImportFileError(
            "Berkas tidak ditemukan atau tidak dapat dibuka."
        ) from None
    if not path.is_file():
        raise ImportFileError("Berkas tidak ditemukan atau tidak dapat dibuka.")
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            f"Berkas terlalu besar (paling besar {MAX_FILE_BYTES // (1024 * 1024)} MB)."
        )
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK\x03\x04"):
        table = _read_xlsx(path)
    elif magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            "Format Excel lama (.xls) tidak didukung; simpan ulang sebagai .xlsx "
            "atau CSV UTF-8."
        )
    elif path.suffix.lower() == ".xlsx":
        raise ImportFileError("Berkas XLSX rusak atau bukan berkas XLSX.")
    else:
        table = _read_csv(path)
    if table.missing:
        table.close()
        raise ImportFileError(_missing_message(table.missing))
    return table


def _missing_message(missing: list[str]) -> str:
    names = ", ".join(
        f"{name} ({'/'.join(ALIASES[name])})" for name in missing
    )  # e.g. "nik (NIK), birth_date (TGL_LHR)"
    return (
        f"Kolom wajib tidak ditemukan: {names}. Baris judul berkas harus memuat "
        "kolom NIK, nama, dan tanggal lahir."
    )


def _map_header(header: list[Any]) -> tuple[dict[int, str], list[str]]:
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    taken: set[str] = set()
    for i, cell in enumerate(header):
        if cell is None or not str(cell).strip():
            continue
        name = _HEADER_FIELDS.get(_normal_header(cell))
        if name is None or name in taken:
            if _normal_header(cell) != ERROR_COLUMN.upper():
                unknown.append(str(cell).strip())
            continue
        mapping[i] = name
        taken.add(name)
    return mapping, unknown


def _find_header(records: Iterator[Any]) -> tuple[list[Any], int, list[Any]]:
    """The header row among the first rows (title rows above it are skipped)."""
    seen: list[Any] = []
    for record in itertools.islice(records, HEADER_SEARCH_ROWS):
        seen.append(record)
        mapping, _unknown = _map_header(list(record))
        if "nik" in mapping.values():
            return list(record), len(seen), []
    for i, record in enumerate(seen):
        if any(cell not in (None, "") for cell in record):
            return list(record), i + 1, seen[i + 1 :]
    raise ImportFileError("Berkas kosong: tidak ada baris judul kolom.")


def _scan_csv(path: Path) -> tuple[int, str]:
    """Checks the whole file is UTF-8; returns its number of lines and its start."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    first = ""
    last = b"\n"
    with path.open("rb") as fh:
        while block := fh.read(4 * 1024 * 1024):
            if b"\x00" in block:
                raise ImportFileError("Berkas ini bukan CSV (berisi data biner).")
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError:
                raise ImportFileError(
                    "Berkas CSV harus berkode UTF-8; di Excel simpan ulang dengan "
                    "jenis 'CSV UTF-8 (Comma delimited)'."
                ) from None
            if not first:
                first = text[:65536]
            lines += block.count(b"\n")
            last = block[-1:]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportFileError(
                "Berkas CSV harus berkode UTF-8; di Excel simpan ulang dengan "
                "jenis 'CSV UTF-8 (Comma delimited)'."
            ) from None
    return lines + (last != b"\n"), first


def _read_csv(path: Path) -> Table:
    lines, first = _scan_csv(path)
    # Counted over the first lines, since a title line may stand above the header.
    head = "\n".join(first.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS])
    delimiter = ";" if head.count(";") > head.count(",") else ","
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    fh = path.open(encoding="utf-8-sig", newline="")
    try:
        records = _csv_records(csv.reader(fh, delimiter=delimiter))
        header, header_line, rest = _find_header(records)
    except BaseException:
        fh.close()
        raise
    mapping, unknown = _map_header(header)
    return Table(
        kind="csv",
        header=[str(c) for c in header],
        header_line=header_line,
        mapping=mapping,
        unknown_columns=unknown,
        delimiter=delimiter,
        total_estimate=max(lines - header_line, 0),
        rows=itertools.chain(rest, records),
        _close=fh.close,
    )


def _csv_records(reader: Any) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error:
        raise ImportFileError(
            f"Berkas CSV rusak di sekitar baris {reader.line_num}: tanda kutip tidak "
            "berpasangan atau isi sel terlalu panjang."
        ) from None


def _check_zip(path: Path) -> None:
    """Refuses zip bombs before openpyxl inflates anything."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ImportFileError("Berkas XLSX rusak atau bukan berkas XLSX.") from None
    if len(infos) > MAX_XLSX_MEMBERS:
        raise ImportFileError("Berkas XLSX tidak wajar (terlalu banyak bagian).")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_XLSX_RATIO and info.file_size > 16 * 1024 * 1024:
            raise ImportFileError(
                "Berkas XLSX tidak wajar (isinya mengembang terlalu besar); "
                "berkas ditolak demi keamanan."
            )
    if total > MAX_XLSX_UNCOMPRESSED:
        raise ImportFileError(
            "Isi berkas XLSX terlalu besar; bagi menjadi beberapa berkas atau "
            "simpan sebagai CSV."
        )


def _read_xlsx(path: Path) -> Table:
    _check_zip(path)
    import openpyxl  # heavy; only XLSX imports need it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise ImportFileError("Berkas XLSX rusak atau tidak dapat dibaca.") from None
    try:
        if not workbook.worksheets:
            raise ImportFileError("Berkas XLSX tidak berisi lembar kerja.")
        sheet = workbook.worksheets[0]
        records = _xlsx_records(sheet.iter_rows(values_only=True))
        header, header_line, rest = _find_header(records)
        max_row = sheet.max_row or 0
    except BaseException:
        workbook.close()
        raise
    while header and header[-1] in (None, ""):
        header.pop()
    mapping, unknown = _map_header(header)
    return Table(
        kind="xlsx",
        header=["" if c is None else str(c) for c in header],
        header_line=header_line,
        mapping=mapping,
        unknown_columns=unknown,
        delimiter=None,
        total_estimate=max(max_row - header_line, 0),
        rows=itertools.chain(rest, records),
        _close=workbook.close,
    )


def _xlsx_records(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    try:
        yield from rows
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError("Berkas XLSX rusak atau tidak dapat dibaca.") from None


# --- validating ---------------------------------------------------------------------


def _life_status(value: Any) -> str:
    s = fields.text(value, limit=20, upper=True) or ""
    try:
        return _LIFE_WORDS[s]
    except KeyError:
        raise fields.FieldError(
            "Status hidup harus AKTIF, MENINGGAL, PINDAH atau HILANG ("
            + ", ".join(LIFE_STATUSES)
            + ")."
        ) from None


def _parsers(today: dt.date) -> dict[str, Callable[[Any], Any]]:
    """Field → parser of one non-empty cell: the shared ones of fields/registry."""
    parsers: dict[str, Callable[[Any], Any]] = {
        name: (lambda value, name=name: parse_field(name, value, today))
        for name in IMPORT_COLUMNS
        if name != "nik"
    }
    parsers.update(
        name=fields.name,
        sex=fields.sex,
        kk=fields.kk,
        religion=fields.religion,
        marital_status=fields.marital_status,
        ektp_status=fields.ektp_status,
        phone=fields.phone,
        rt=lambda value: fields.rt_rw(value, "RT"),
        rw=lambda value: fields.rt_rw(value, "RW"),
        birth_date=lambda value: fields.birth_date(value, today=today),
        life_status=_life_status,
    )
    return parsers


def _joined(errors: list[str]) -> str:
    """One row's errors in one cell: `TGL_LHR: …; JK: …`."""
    return "; ".join(e.rstrip(".") for e in errors) + "."


def _unescape(value: str) -> str:
    """Undoes the quote our exports put before formula-looking text."""
    if value[:1] == "'" and value[1:2] in _FORMULA_START:
        return value[1:]
    return value


class _Checker:
    """Validates rows of one table: a cached parser per column, then check_nik."""

    def __init__(self, table: Table, today: dt.date, village_code: str | None) -> None:
        parsers = _parsers(today)
        self.today = today
        self.village_code = village_code
        self.blank: list[Any] = [None] * len(IMPORT_COLUMNS)
        self.min_cells = max(table.mapping) + 1
        self.nik_index = next(i for i, n in table.mapping.items() if n == "nik")
        self.nik_label = table.header[self.nik_index]
        self.sex_label = next(
            (table.header[i] for i, n in table.mapping.items() if n == "sex"), None
        )
        # (cell index, position in our row, cache.get, cache miss handler)
        self.specs: list[tuple[int, int, Callable[..., Any], Callable[[Any], Any]]] = []
        for index, name in sorted(table.mapping.items()):
            if name == "nik":
                continue
            cache: dict[Any, Any] = {}
            miss = self._miss_handler(name, table.header[index], parsers[name], cache)
            self.specs.append((index, _POS[name], cache.get, miss))
        self._warning_json: dict[tuple[str, ...], str] = {(): "[]"}

    @staticmethod
    def _miss_handler(
        name: str, label: str, parse: Callable[[Any], Any], cache: dict[Any, Any]
    ) -> Callable[[Any], Any]:
        required = name in REQUIRED
        numeric_text = name in ("kk", "phone")

        def miss(raw: Any) -> Any:
            value = raw
            if type(value) is str:
                value = _unescape(value)
                empty = not value.strip()
            else:
                empty = value is None
                # A KK or phone typed into a number cell has lost digits (KK) or its
                # leading zero (phone); the float path of the parser says so.
                if numeric_text and type(value) is int:
                    value = float(value)
            if empty and not required:
                result: Any = None
            else:
                try:
                    result = parse(value)
                except fields.FieldError as err:
                    result = _Bad(f"{label}: {err}")
            if (raw is None or type(raw) is str) and len(cache) < CACHE_LIMIT:
                cache[raw] = result
            return result

        return miss

    def check(self, cells: Any) -> tuple[list[Any], list[str], Any]:
        """(our values, errors, NikCheck) of one row."""
        # The hot loop of an import: one dict lookup per cell, the parser only for
        # a value this column has not seen yet.
        if len(cells) < self.min_cells:
            cells = [*cells, *([None] * (self.min_cells - len(cells)))]
        values = self.blank.copy()
        errors: list[str] = []
        missing = _MISSING
        for index, pos, cached, miss in self.specs:
            raw = cells[index]
            value = cached(raw, missing)
            if value is missing:
                value = miss(raw)
            if value.__class__ is _Bad:
                errors.append(value.message)
            else:
                values[pos] = value
        raw_nik = cells[self.nik_index]
        if type(raw_nik) is str and raw_nik[:1] == "'":
            raw_nik = raw_nik[1:]  # Excel users type a quote to keep a NIK as text
        birth = values[_BIRTH]
        sex = values[_SEX]
        check = check_nik(
            raw_nik,
            birth_date=birth,
            sex=sex,
            village_code=self.village_code,
            today=self.today,
        )
        if check.errors:
            errors.insert(
                0, f"{self.nik_label}: " + " ".join(e.message for e in check.errors)
            )
        elif sex is None and check.sex is None:
            label = self.sex_label or "JENIS_KLMIN"
            errors.append(
                f"{label}: Jenis kelamin wajib diisi (L atau P); "
                "tidak dapat dibaca dari NIK sementara."
            )
        values[_NIK] = check.nik
        return values, errors, check

    def warnings_json(self, check: Any) -> str:
        """The NIK's warning codes as the JSON stored in Resident.nik_warnings."""
        codes = tuple(w.code for w in check.warnings)
        found = self._warning_json.get(codes)
        if found is None:
            found = self._warning_json[codes] = json.dumps(list(codes))
        return found


# --- importing -----------------------------------------------------------------------


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

    def __init__(self, path: str | os.PathLike[str] | None, header: list[str]) -> None:
        self.path = None if path is None else Path(path)
        self.header = header
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
            self._writer = csv.writer(self._fh, lineterminator="\r\n")
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
    path: str | os.PathLike[str],
    *,
    strict: bool = False,
    dry_run: bool = False,
    actor_name: str = "sistem",
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
            rejects = _Rejects(rejects_path, table.header)
            if not dry_run:
                mark_write_intent()
            village = get_village()
            job = _Job(
                table=table,
                checker=_Checker(table, village_today(), village and village.code),
                result=result,
                rejects=rejects,
                write=not dry_run,
                strict=strict,
                actor_name=actor_name,
                reason=f"impor {name}"[:200],
            )
            with _bulk_sqlite(job):
                job.run(progress, chunk_size)
        result.rejects_path = rejects.finish()
        if dry_run or (strict and result.rejected):
            db.session.rollback()
            if strict and result.rejected and not dry_run:
                result.imported = result.updated = result.unchanged = 0
            return result
        audit.record(
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


@contextlib.contextmanager
def _bulk_sqlite(job: _Job) -> Iterator[None]:
    """Tunes SQLite for one big write transaction; a no-op elsewhere.

    A bigger page cache keeps the NIK index in memory. Into an empty register,
    the secondary indexes are dropped and rebuilt at the end (a sorted build is
    several times faster than 400,000 random inserts); the DDL is part of the
    transaction, so a crash or a rollback brings them back unchanged.
    """
    conn = job.conn
    if conn.dialect.name != "sqlite" or not job.write:
        yield
        return
    driver = conn.connection.driver_connection
    cache_size = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size={BULK_CACHE_KIB:d}")
    try:
        indexes = []
        if job.was_empty and job.table.total_estimate >= BULK_MIN_ROWS:
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


class _Job:
    """One import run: chunks of validated rows written with Core executemany."""

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
        reason: str,
    ) -> None:
        self.table = table
        self.checker = checker
        self.result = result
        self.rejects = rejects
        self.write = write
        self.strict = strict
        self.actor_name = actor_name[:120]
        self.reason = reason
        self.seen: dict[str, int] = {}
        self.areas: dict[tuple[str, str], str | None] = {}
        self.now = utcnow()
        self.conn = db.session.connection()
        self.residents = Resident.__table__
        self.was_empty = (
            db.session.execute(select(self.residents.c.id).limit(1)).first() is None
        )
        # The same for every row, so written into the statement once instead of
        # being bound and converted row by row.
        now = literal(self.now, self.residents.c.created_at.type).compile(
            dialect=self.conn.dialect, compile_kwargs={"literal_binds": True}
        )
        self.insert_stmt = insert(self.residents).values(
            pin_epoch=literal_column("0"),
            created_at=literal_column(str(now)),
            updated_at=literal_column(str(now)),
        )

    def run(self, progress: Progress | None, chunk_size: int) -> None:
        """Validates every row, writing each full chunk of accepted rows as it goes."""
        table, result = self.table, self.result
        total = table.total_estimate
        check = self.checker.check
        seen = self.seen
        chunk: list[tuple[list[Any], Any]] = []
        line = table.header_line
        processed = 0
        for cells in table.rows:
            line += 1
            if not any(cells):
                continue
            values, errors, nik_check = check(cells)
            nik = values[_NIK]
            if nik is not None:
                first = seen.setdefault(nik, line)
                if first != line:
                    errors.append(f"NIK ganda di berkas, baris {first}")
            if errors:
                self._reject(line, cells, _joined(errors))
            else:
                chunk.append((values, nik_check))
            processed += 1
            if len(chunk) >= chunk_size:
                self._flush(chunk)
                chunk = []
                if progress is not None:
                    progress(processed, max(total, processed))
        self._flush(chunk)
        result.processed = processed
        if self.write and not (self.strict and result.rejected):
            self._save_areas()
        if progress is not None:
            progress(processed, processed)

    def _reject(self, line: int, cells: Any, error: str) -> None:
        result = self.result
        result.rejected += 1
        self.rejects.add(cells, error)
        if len(result.first_errors) < FIRST_ERRORS:
            result.first_errors.append((line, error))

    def _flush(self, chunk: list[tuple[list[Any], Any]]) -> None:
        if not chunk:
            return
        existing = {} if self.was_empty else self._existing([r[0][_NIK] for r in chunk])
        writing = self.write and not (self.strict and self.result.rejected)
        warnings_json = self.checker.warnings_json
        keys = IMPORT_COLUMNS
        new_rows: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        areas = self.areas
        unchanged = updated = 0
        for values, nik_check in chunk:
            old = existing.get(values[_NIK])
            if old is None:
                if values[_SEX] is None:
                    values[_SEX] = nik_check.sex
                if values[_CITIZENSHIP] is None:
                    values[_CITIZENSHIP] = "WNI"
                if values[_LIFE] is None:
                    values[_LIFE] = "active"
                row = dict(zip(keys, values, strict=True))
                row["nik_temporary"] = nik_check.temporary
                row["name_key"] = values[_NAME]
                row["nik_warnings"] = warnings_json(nik_check)
                new_rows.append(row)
                rw, rt, dusun = row["rw"], row["rt"], row["dusun"]
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
        conn = self.conn
        if new_rows:
            conn.execute(self.insert_stmt, new_rows)
        if updates:
            conn.execute(_update_statement(), updates)
        if changes:
            conn.execute(insert(ResidentChange.__table__), changes)

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
        updates: list[dict[str, Any]],
        changes: list[dict[str, Any]],
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
            updates.append(self._update_params(mapping, changed, warnings))
        for name, new in changed.items():
            before = mapping[name]
            changes.append(
                {
                    "resident_id": mapping["id"],
                    "changed_at": self.now,
                    "changed_by": self.actor_name,
                    "field": name,
                    "before": None if before is None else str(before),
                    "after": str(new),
                    "reason": self.reason,
                }
            )
        rw, rt, dusun = (changed.get(n, mapping[n]) for n in ("rw", "rt", "dusun"))
        return rw, rt, dusun, not changed

    def _update_params(
        self, mapping: Any, after: dict[str, Any], warnings: str
    ) -> dict[str, Any]:
        params = {f"b_{n}": after.get(n, mapping[n]) for n in _UPDATABLE}
        params["b_id"] = mapping["id"]
        params["b_name_key"] = params["b_name"]
        params["b_nik_warnings"] = warnings
        params["b_updated_at"] = self.now
        return params

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
            self.conn.execute(insert(t), missing)
        if named:
            self.conn.execute(
                update(t)
                .where(t.c.id == bindparam("b_id"))
                .values(dusun=bindparam("b_dusun")),
                named,
            )


def _update_statement() -> Any:
    t = Resident.__table__
    names = (*_UPDATABLE, "name_key", "nik_warnings", "updated_at")
    return (
        update(t)
        .where(t.c.id == bindparam("b_id"))
        .values({n: bindparam(f"b_{n}") for n in names})
    )


# --- preview -------------------------------------------------------------------------


@dataclass
class ImportPreview:
    """What a file holds before it is imported: columns, a dry check of its first rows."""

    kind: str
    delimiter: str | None
    columns: list[tuple[str, str | None]]
    unknown_columns: list[str]
    total_estimate: int
    checked: int = 0
    valid: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)


def preview(path: str | os.PathLike[str], limit: int = 200) -> ImportPreview:
    """Reads the header and validates the first `limit` rows; writes nothing."""
    with read_table(path) as table:
        village = get_village()
        checker = _Checker(table, village_today(), village and village.code)
        result = ImportPreview(
            kind=table.kind,
            delimiter=table.delimiter,
            columns=table.columns,
            unknown_columns=list(table.unknown_columns),
            total_estimate=table.total_estimate,
        )
        seen: dict[str, int] = {}
        line = table.header_line
        for cells in table.rows:
            line += 1
            if not any(cells):
                continue
            if result.checked >= limit:
                break
            result.checked += 1
            values, errors, _check = checker.check(cells)
            nik = values[_NIK]
            if nik is not None:
                if nik in seen:
                    errors.append(f"NIK ganda di berkas, baris {seen[nik]}")
                else:
                    seen[nik] = line
            if errors:
                result.errors.append((line, _joined(errors)))
                continue
            result.valid += 1
            if len(result.samples) < 5:
                result.samples.append(dict(zip(IMPORT_COLUMNS, values, strict=True)))
    return result


# --- export --------------------------------------------------------------------------


def export_residents(path: str | os.PathLike[str]) -> int:
    """Writes every resident with the import's columns (CSV or XLSX by extension)."""
    path = Path(path)
    t = Resident.__table__
    stmt = select(*(t.c[n] for n in IMPORT_COLUMNS)).order_by(t.c.id)
    rows = db.session.execute(stmt.execution_options(yield_per=5000))
    if path.suffix.lower() == ".xlsx":
        return _export_xlsx(path, rows)
    return _export_csv(path, rows)


def _export_cells(row: Any) -> list[Any]:
    out = []
    for name, value in zip(IMPORT_COLUMNS, row, strict=True):
        if value is None:
            out.append(None)
        elif name == "birth_date":
            out.append(value.strftime("%d-%m-%Y"))
        elif name == "phone" and value.startswith("+62"):
            out.append("0" + value[3:])  # as clerks write it; imported back the same
        elif isinstance(value, str):
            out.append(safe_cell(value))
        else:
            out.append(value)
    return out


def _export_csv(path: Path, rows: Iterable[Any]) -> int:
    count = 0
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(IMPORT_COLUMNS)
        for row in rows:
            writer.writerow(_export_cells(row))
            count += 1
    os.replace(tmp, path)
    return count


def _export_xlsx(path: Path, rows: Iterable[Any]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Penduduk")
    sheet.append(list(IMPORT_COLUMNS))
    text_columns = (_POS["nik"], _POS["kk"])
    count = 0
    for row in rows:
        cells: list[Any] = _export_cells(row)
        for pos in text_columns:
            if cells[pos]:
                cell = WriteOnlyCell(sheet, value=cells[pos])
                cell.number_format = "@"  # NIK and KK stay text when edited in Excel
                cells[pos] = cell
        cells[_BIRTH] = row[_BIRTH]  # a date cell (openpyxl gives it a date format)
        sheet.append(cells)
        count += 1
    tmp = path.with_name(path.name + ".part")
    workbook.save(tmp)
    os.replace(tmp, path)
    return count
