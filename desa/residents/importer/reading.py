"""Reading CSV and XLSX files safely: encoding, delimiter, header row, zip bombs."""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
import os
import re
import tempfile
import zipfile
import zlib
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
    MAX_XLSX_FAST_CELLS,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_PREVIEW_CELLS,
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


def read_table(path: str | os.PathLike[str], *, head_only: bool = False) -> Table:
    """Opens a CSV or XLSX file and maps its header; ImportFileError when it cannot.

    `head_only` says the caller reads only the first rows (a preview): an XLSX
    sheet is then loaded whole only when it is small, and streamed otherwise.
    """
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
        table = _read_xlsx(
            path, fast_cells=MAX_XLSX_PREVIEW_CELLS if head_only else None
        )
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
    """Refuses zip bombs before either reader inflates anything."""
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


_DAMAGED_XLSX = "Berkas XLSX rusak atau tidak dapat dibaca."


def _read_xlsx(path: Path, *, fast_cells: int | None = None) -> Table:
    """The first worksheet: loaded by python-calamine when it fits, else streamed.

    `fast_cells` is the largest grid (rows × columns) worth loading whole; by
    default MAX_XLSX_FAST_CELLS.
    """
    _check_zip(path)
    budget = MAX_XLSX_FAST_CELLS if fast_cells is None else fast_cells
    if _fits_in_memory(path, budget):
        table = _read_xlsx_calamine(path)
        if table is not None:
            return table
    return _read_xlsx_streaming(path)


# --- the first sheet's shape, checked before python-calamine sees it --------------

# Doubles hold every integer below 2**53 and skip some above it.
_EXACT = 2**53
_NUMBERS = frozenset({int, float})
_DIMENSION = re.compile(
    rb'<dimension ref="([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?"'
)
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
# A cell element with a namespace prefix (`<x:c …>`), or text that looks like one.
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_CELL_OPENINGS = (b"<c ", b"<c>", b"<c/")
_PEEK = 64 * 1024
_SCAN_BLOCK = 4 * 1024 * 1024
# Longer than any match of the patterns, so one cut by a block's end is seen whole
# in the next block.
_OVERLAP = 64


def _fits_in_memory(path: Path, cells: int) -> bool:
    """Whether python-calamine may load the first sheet: every cell is checked.

    calamine allocates the rows × columns of a sheet's used range in one go: a
    5 KB file with cells at A1 and XFD1048576 asks for 550 GB and aborts the whole
    process, which no `except` can catch. So, in every part of the file (whichever
    calamine takes for the first sheet), every `<c>` element must open with an
    upper-case `r` reference inside a box of at most `cells` cells, its width taken
    from the sheets' dimensions, and there may be no more `<c` elements in all
    than the box holds (a sheet repeating `<c r="A1">` millions of times stays in
    the box, and calamine would keep every repeat). Anything else (a cell without
    `r`, a prefixed element, lower case, a cell outside the box, too many cells)
    goes to the streaming reader. Python's zipfile inflates each part no further
    than its declared size.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            parts = [info for info in zf.infolist() if not info.is_dir()]
            width, height = 1, 0
            for info in parts:
                with zf.open(info) as fh:
                    head = fh.read(_PEEK)
                found = _DIMENSION.search(head)
                if found:
                    last_column = found.group(3) or found.group(1)
                    last_row = found.group(4) or found.group(2)
                    width = max(width, _column_number(last_column))
                    height = max(height, int(last_row))
                else:
                    for letters in set(_CELL_COLUMN.findall(head)):
                        width = max(width, _column_number(letters))
            rows = cells // width
            if rows < 1 or height > rows:
                return False
            outside = re.compile(
                rb'<c(?! r="(?:'
                + _columns_up_to(width)
                + rb")(?:"
                + _numbers_up_to(rows)
                + rb')")[\s/>]'
            )
            seen = [0]
            return all(
                _cells_inside(zf, info, outside, seen, rows * width) for info in parts
            )
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        zlib.error,
        RuntimeError,  # an encrypted part
        NotImplementedError,  # a compression method zipfile does not know
    ):
        raise ImportFileError(_DAMAGED_XLSX) from None


def _cells_inside(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    outside: Any,
    seen: list[int],
    most: int,
) -> bool:
    """True when no cell of the part lies outside the box and the cells counted so
    far in all parts (`seen`) are no more than `most` (see _fits_in_memory).

    A cell opens `<c `, `<c>` or `<c/`; any other opening (`<c` and a line
    break) fails the `outside` pattern already.
    """
    kept = b""
    with zf.open(info) as fh:
        while True:
            block = fh.read(_SCAN_BLOCK)
            seen[0] += sum(map(block.count, _CELL_OPENINGS))
            if seen[0] > most:
                return False
            data = kept + block
            # A match in the last _OVERLAP bytes may be a cell cut short by the end
            # of the block: it is judged with the next block.
            limit = len(data) if not block else len(data) - _OVERLAP
            for pattern in (outside, _PREFIXED_CELL):
                found = pattern.search(data)
                if found is not None and found.start() < limit:
                    return False
            if not block:
                return True
            kept = data[-_OVERLAP:]


def _column_number(letters: bytes) -> int:
    """`A` → 1, `Z` → 26, `AA` → 27."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _column_name(number: int) -> str:
    name = ""
    while number:
        number, rest = divmod(number - 1, 26)
        name = chr(65 + rest) + name
    return name


def _up_to(last: str, first: str, alphabet: str) -> bytes:
    """A regex for the strings of `alphabet` not past `last` in its numbering.

    Every shorter string (not starting with the alphabet's zero, when it has one)
    and every string of the same length up to `last` in order: for digits up to
    `305`, `[1-9][0-9]{0,1}+|[1-2][0-9]{2}|30[0-5]`.
    """
    top = alphabet[-1]
    parts = []
    if len(last) > 1:
        parts.append(f"[{first}-{top}][{alphabet[0]}-{top}]{{0,{len(last) - 2}}}+")
    for i, char in enumerate(last):
        low = first if i == 0 else alphabet[0]
        if char > low:
            below = chr(ord(char) - 1)
            rest = len(last) - i - 1
            parts.append(
                f"{last[:i]}[{low}-{below}]"
                + (f"[{alphabet[0]}-{top}]{{{rest}}}" if rest else "")
            )
    parts.append(last)
    return "|".join(parts).encode()


def _numbers_up_to(n: int) -> bytes:
    """A regex for the row numbers 1 … n (no leading zeros)."""
    return _up_to(str(n), "1", "0123456789")


def _columns_up_to(n: int) -> bytes:
    """A regex for the column names A … the n-th."""
    return _up_to(_column_name(n), "A", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _exact_number(value: int | float) -> int | float:
    """A number cell as both readers give it: whole doubles as int, and from 2**53
    on (where doubles skip integers) a float, so no NIK rounded by a reader passes
    for an exact one; nik.whole_number_nik refuses such floats."""
    if isinstance(value, float):
        whole = value.is_integer() and -_EXACT < value < _EXACT
        return int(value) if whole else value
    if -_EXACT < value < _EXACT:
        return value
    try:
        return float(value)
    except OverflowError:
        return value


def _exact_row(row: list[Any]) -> list[Any]:
    """The row with its number cells made exact (_exact_number); most rows of a
    register hold only text, and are told apart at C speed."""
    if _NUMBERS.isdisjoint(map(type, row)):
        return row
    numbers, exact = _NUMBERS, _exact_number
    return [exact(v) if v.__class__ in numbers else v for v in row]


# --- python-calamine -----------------------------------------------------------------


def _read_xlsx_calamine(path: Path) -> Table | None:
    """The first worksheet loaded whole (its shape checked); None when calamine
    cannot be made to read it as XLSX."""
    from python_calamine import SheetTypeEnum

    try:
        workbook = _open_calamine(path)
    except OSError:  # no link could be made
        return None
    try:
        index = next(
            (
                i
                for i, sheet in enumerate(workbook.sheets_metadata)
                if sheet.typ == SheetTypeEnum.WorkSheet
            ),
            None,
        )
        if index is None:
            raise ImportFileError("Berkas XLSX tidak berisi lembar kerja.")
        with _calamine_errors():
            sheet = workbook.get_sheet_by_index(index)
            start, end = sheet.start, sheet.end
        max_row = 0 if end is None else end[0] + 1
        # iter_rows starts at row 1 but at the first column holding a value.
        records = _calamine_records(sheet, 0 if start is None else start[1])
        header, header_line, rest = _find_header(records)
        if max_row - header_line > MAX_IMPORT_ROWS:
            raise ImportFileError(too_many_rows_message(MAX_IMPORT_ROWS))
    except BaseException:
        workbook.close()
        raise
    return _xlsx_table(header, header_line, max_row, rest, records, workbook.close)


@contextlib.contextmanager
def _calamine_errors() -> Iterator[None]:
    """python-calamine's many errors as the one sentence about a damaged file.

    A panic in its Rust code reaches Python as pyo3's PanicException, which is a
    BaseException: it is caught too, so a file never ends in a traceback.
    """
    try:
        yield
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(_DAMAGED_XLSX) from None
    except BaseException as err:
        if type(err).__name__ != "PanicException":
            raise
        raise ImportFileError(_DAMAGED_XLSX) from None


def _open_calamine(path: Path) -> Any:
    """A python-calamine workbook read as XLSX whatever the file's name.

    python-calamine picks its reader by the name's extension and, without one it
    knows, tries each format in turn (ODS among them, whose shape is not checked
    here); so a file not named `.xlsx` is opened through a link that is.
    """
    from python_calamine import CalamineWorkbook

    if path.suffix == ".xlsx":
        with _calamine_errors():
            return CalamineWorkbook.from_path(str(path))
    with tempfile.TemporaryDirectory(prefix="desa-xlsx-") as folder:
        link = Path(folder) / "berkas.xlsx"
        os.symlink(path.resolve(), link)
        # The workbook keeps the file open; the link is no longer needed.
        with _calamine_errors():
            return CalamineWorkbook.from_path(str(link))


def _calamine_records(sheet: Any, skipped: int) -> Iterator[list[Any]]:
    """calamine's rows as openpyxl's: from column A, exact whole numbers as int.

    Empty cells (and error cells such as #N/A) come as "", which every check
    treats as empty; date cells as `date` (or `datetime` with a time of day).
    """
    if sheet.start is None:
        return  # an empty sheet
    pad = [""] * skipped
    with _calamine_errors():
        for row in sheet.iter_rows():
            yield _exact_row(pad + row if skipped else row)


# --- openpyxl, streaming -------------------------------------------------------------


def _read_xlsx_streaming(path: Path) -> Table:
    import openpyxl  # heavy; only XLSX imports need it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise ImportFileError(_DAMAGED_XLSX) from None
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
    return _xlsx_table(header, header_line, max_row, rest, records, workbook.close)


def _xlsx_records(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[Any]]:
    try:
        for row in rows:
            yield _exact_row(list(row))
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(_DAMAGED_XLSX) from None


def _xlsx_table(
    header: list[Any],
    header_line: int,
    max_row: int,
    rest: list[Any],
    records: Iterator[Any],
    close: Callable[[], None],
) -> Table:
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
        _close=close,
    )


# --- validating ---------------------------------------------------------------------
