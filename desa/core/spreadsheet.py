"""Spreadsheet cells safe from formula injection; CSV writing; streamed XLSX files."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_START = frozenset(_FORMULA_START)
"""First characters that make a spreadsheet run a cell as a formula."""

TEXT_FORMAT_ID = 49  # Excel's built-in number format "@" (text)
HEADER_FILL = "#1F6F43"


def safe_cell(value: Any) -> Any:
    """Prefixes text that a spreadsheet would run as a formula with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(
    header: list[str], rows: Iterable[Iterable[Any]], bom: bool = True
) -> bytes:
    """UTF-8 CSV (with BOM for Excel) of escaped cells."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


def write_xlsx(
    path: Path,
    *,
    sheet: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    text_columns: Iterable[str] = (),
    widths: Sequence[float] | None = None,
    banner: bool = False,
    freeze_header: bool = False,
    date_format: str = "yyyy-mm-dd",
) -> None:
    """Streams one sheet to `path`: the header row, then `rows` (cells in `columns`
    order, already escaped; None leaves a cell empty).

    `text_columns` get Excel's text format "@" (so a NIK stays text when a clerk
    edits it), `banner` a bold white-on-green header, `freeze_header` keeps the
    header in view; dates become date cells in `date_format`. The writer
    (rust_xlsxwriter underneath) keeps only the current row in memory and runs the
    XML and compression outside the GIL; strings are written as they are, never
    turned into formulas or links.
    """
    from rustpy_xlsxwriter import Format, write_worksheet

    header = None
    if banner:
        header = (
            Format()
            .set_bold()
            .set_font_color("#FFFFFF")
            .set_background_color(HEADER_FILL)
            .set_align("center")
            .set_align("vcenter")
        )
    text = Format().set_num_format_index(TEXT_FORMAT_ID)
    records = (dict(zip(columns, cells, strict=False)) for cells in rows)
    # The writer takes its header from the first record's keys: with no rows at
    # all, one empty record still gives the header (and no data row).
    first = next(records, None) or dict.fromkeys(columns)
    write_worksheet(
        itertools.chain((first,), records),
        str(path),
        sheet_name=sheet,
        freeze_row=1 if freeze_header else None,
        column_widths=list(widths) if widths else None,
        column_formats=dict.fromkeys(text_columns, text) or None,
        header_format=header,
        datetime_format=date_format,
    )
