"""Previewing a file before import, and exporting the register in the same shape."""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from desa.auth import audit
from desa.auth.actor import Actor
from desa.core.files import replace_durably
from desa.core.spreadsheet import safe_cell
from desa.core.spreadsheet import write_xlsx as write_sheet
from desa.core.village import get_village
from desa.extensions import db
from desa.residents.importer.checking import (
    _Checker,
    _joined,
)
from desa.residents.importer.columns import (
    _BIRTH,
    _NIK,
    _POS,
    IMPORT_COLUMNS,
)
from desa.residents.importer.reading import (
    read_table,
)
from desa.residents.models import Resident


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


def preview(
    path: str | os.PathLike[str], today: dt.date, limit: int = 200
) -> ImportPreview:
    """Reads the header and validates the first `limit` rows; writes nothing."""
    with read_table(path, head_only=True) as table:
        village = get_village()
        checker = _Checker(table, today, village and village.code)
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


def record_export(actor: Actor, path: str | os.PathLike[str], count: int) -> None:
    """The audit line of an export of the register (run it under the write lock)."""
    audit.record(
        actor,
        "residents.export",
        object_type="file",
        detail=f"{count} penduduk ke {Path(path).name}",
    )


_PHONE = _POS["phone"]
_TEXT_COLUMNS = ("nik", "kk")


def _export_cells(row: Any) -> list[Any]:
    """A register row as the file's cells: text escaped, `+62…` as `0…`; the birth
    date stays a date for the writer to render."""
    out = [safe_cell(value) for value in row]  # numbers and dates pass unchanged
    phone = row[_PHONE]
    if phone and phone.startswith("+62"):
        out[_PHONE] = "0" + phone[3:]  # as clerks write it; imported back the same
    return out


def _export_csv(path: Path, rows: Iterable[Any]) -> int:
    def lines() -> Iterable[list[Any]]:
        nonlocal count
        for row in rows:
            cells = _export_cells(row)
            birth = cells[_BIRTH]
            if birth is not None:
                cells[_BIRTH] = f"{birth.day:02d}-{birth.month:02d}-{birth.year}"
            count += 1
            yield cells

    count = 0
    tmp = path.with_name(path.name + ".part")
    # Plain UTF-8 with the BOM by hand: "utf-8-sig" encodes every write in Python.
    with tmp.open("w", encoding="utf-8", newline="", buffering=1024 * 1024) as fh:
        fh.write("\ufeff")
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(IMPORT_COLUMNS)
        writer.writerows(lines())
    replace_durably(tmp, path)
    return count


def _export_xlsx(path: Path, rows: Iterable[Any]) -> int:
    def cells() -> Iterable[list[Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield _export_cells(row)

    count = 0
    tmp = path.with_name(path.name + ".part")
    write_sheet(
        tmp,
        sheet="Penduduk",
        columns=IMPORT_COLUMNS,
        rows=cells(),
        text_columns=_TEXT_COLUMNS,  # NIK and KK stay text when edited in Excel
        date_format="yyyy-mm-dd",  # birth_date is a date cell
    )
    replace_durably(tmp, path)
    return count
