"""Reading CSV and XLSX files safely: encoding, delimiter, header row, zip bombs."""

from __future__ import annotations

import codecs
import csv
import itertools
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desa.residents.importer.columns import (
    _HEADER_SEPARATORS,
    ALIASES,
    CSV_FIELD_LIMIT,
    ERROR_COLUMN,
    HEADER_SEARCH_ROWS,
    IMPORT_COLUMNS,
    MAX_FILE_BYTES,
    MAX_IMPORT_ROWS,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_RATIO,
    MAX_XLSX_SHARED_STRINGS,
    MAX_XLSX_UNCOMPRESSED,
    REQUIRED,
    ImportFileError,
    too_many_rows_message,
)


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
        if (
            info.filename.lower().endswith("sharedstrings.xml")
            and info.file_size > MAX_XLSX_SHARED_STRINGS
        ):
            raise ImportFileError(
                "Berkas XLSX berisi terlalu banyak teks untuk dibaca sekaligus; "
                "simpan sebagai CSV atau bagi menjadi beberapa berkas."
            )
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
        # The sheet's own dimension, when it has one, refuses an oversized file at
        # once; a file without it (or lying) is stopped while it is read.
        if max_row - header_line > MAX_IMPORT_ROWS:
            raise ImportFileError(too_many_rows_message(MAX_IMPORT_ROWS))
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
