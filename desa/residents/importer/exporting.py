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
from desa.core.spreadsheet import safe_cell
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
