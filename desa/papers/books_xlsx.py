"""A population book as an XLSX sheet: the title rows, the two heading rows
(group, column) and the numbering row, frozen above the data; numbers as
numbers and dates as date cells. Written with openpyxl's write-only mode."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from desa.core.spreadsheet import safe_cell
from desa.papers.table import Book

DATE_FORMAT = "dd/mm/yyyy"


def _sheet_name(book: Book) -> str:
    return book.code.replace(".", "")  # "B1"; Excel keeps names short, no dots needed


def write_books(books: Sequence[Book]) -> bytes:
    """One sheet per book, in the given order."""
    wb = Workbook(write_only=True)
    for book in books:
        _sheet(wb, book)
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_time(buf.getvalue())


def write_book(book: Book) -> bytes:
    return write_books([book])


def _sheet(wb: Workbook, book: Book) -> None:
    ws = wb.create_sheet(_sheet_name(book))
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, col in enumerate(book.columns):
        letter = _letter(i)
        ws.column_dimensions[letter].width = max(6, col.width_mm / 2.2)
    ws.freeze_panes = "A8"

    def styled(value, font=None, align=None):
        cell = WriteOnlyCell(ws, value=value)
        if font is not None:
            cell.font = font
        if align is not None:
            cell.alignment = align
        return cell

    ws.append([styled(f"{book.title} ({book.code})", bold)])
    ws.append([styled(book.period_label, bold)])
    ws.append([book.place])
    ws.append([])
    groups, labels = [], []
    for col in book.columns:
        groups.append(styled(col.group or col.label, bold, centre))
        labels.append(styled(col.label, bold, centre))
    ws.append(groups)
    ws.append(labels)
    ws.append([styled(n, None, centre) for n in book.numbers])
    date_columns = {i for i, col in enumerate(book.columns) if col.kind == "date"}
    for index, row in enumerate(book.rows):
        cells = []
        for i, value in enumerate(row):
            if i in date_columns and isinstance(value, dt.date):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = DATE_FORMAT
                cells.append(cell)
            elif value is None or value == "":
                cells.append(None)
            elif isinstance(value, str):
                cells.append(safe_cell(value))
            else:
                cells.append(value)
        if index in book.bold_rows:
            cells = [styled(v, bold) if v is not None else None for v in cells]
        ws.append(cells)
    if book.sign is not None:
        ws.append([])
        at = len(book.columns) - 3
        for text in (book.sign.place_date, book.sign.position, "", "", book.sign.name):
            ws.append([None] * at + [text])


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _fixed_time(body: bytes) -> bytes:
    """The same book gives the same bytes: the zip's and the core properties'
    times are fixed (openpyxl writes the time of writing)."""
    import re
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(body))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2000-01-01T00:00:00Z", data
                )
            fixed = zipfile.ZipInfo(info.filename, (2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return out.getvalue()
