"""The register of letters (Buku Register Surat) and merged prints."""

from __future__ import annotations

import datetime as dt
import io

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from desa.core.formatting import format_date
from desa.core.village import to_village
from desa.documents.drawing import (
    SANS,
    SANS_BOLD,
    SANS_ITALIC,
    column_edges,
    new_canvas,
    page_number,
    pdf_text,
    table_grid,
    wrap,
)
from desa.letters.models import LetterStatus

REGISTER_COLUMNS = (
    # header, keys accepted in a row dict, width (None: what is left)
    ("No", ("no",), 26.0),
    ("Nomor Surat", ("number", "nomor"), 128.0),
    ("Tanggal", ("date", "tanggal", "issued_on"), 80.0),
    ("Jenis", ("type", "jenis", "type_title"), 136.0),
    ("Nama", ("name", "nama", "holder"), 132.0),
    ("Keperluan", ("purpose", "keperluan"), None),
    ("Status", ("status",), 54.0),
)
STATUS_LABELS = {
    LetterStatus.DRAFT: "Draf",
    LetterStatus.ISSUED: "Terbit",
    LetterStatus.REVOKED: "Dicabut",
}
REG_W, REG_H = landscape(A4)
REG_MARGIN = 14 * mm
REG_SIZE = 8.5
REG_LEADING = 10.5
REG_PAD = 3.0


def _register_cell(row: dict, keys: tuple[str, ...]) -> str:
    for key in keys:
        value = row.get(key)
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            value = to_village(value).date()
        if isinstance(value, dt.date):
            return format_date(value)
        return pdf_text(str(value))
    return ""


def _register_widths() -> list[float]:
    fixed = sum(w for _h, _k, w in REGISTER_COLUMNS if w is not None)
    rest = REG_W - 2 * REG_MARGIN - fixed
    return [rest if w is None else w for _h, _k, w in REGISTER_COLUMNS]


def _register_footer(c: Canvas, number: int, total: int) -> None:
    page_number(c, number, total, 8 * mm, REG_W, only_if_many=False)


def render_register(title: str, period: str, rows: list[dict]) -> bytes:
    """The Buku Register Surat: a landscape A4 table repeating its header on each page.

    Each row is a dict with `number`, `date` (a date or text), `type`, `name`,
    `purpose`, `status` ("draft"/"issued"/"revoked" or any label) and optionally `no`
    (the position in the list by default). Indonesian keys (`nomor`, `tanggal`,
    `jenis`, `nama`, `keperluan`) are accepted too.
    """
    buf = io.BytesIO()
    c = new_canvas(
        buf,
        landscape(A4),
        _register_footer,
        title=f"{title} — {period}",
        author=title,
        subject=f"Buku Register Surat {period}",
    )
    widths = _register_widths()
    xs = column_edges(REG_MARGIN, widths)
    bottom = 16 * mm

    def header(y: float) -> float:
        h = REG_LEADING + 2 * REG_PAD
        c.setFillGray(0.88)
        c.rect(xs[0], y - h, xs[-1] - xs[0], h, stroke=0, fill=1)
        c.setFillGray(0)
        c.setFont(SANS_BOLD, REG_SIZE)
        for (label, _keys, _w), x in zip(REGISTER_COLUMNS, xs, strict=False):
            c.drawString(x + REG_PAD, y - REG_PAD - REG_SIZE + 0.5, label)
        grid(y, y - h)
        return y - h

    def grid(top: float, low: float) -> None:
        table_grid(c, xs, top, low, 0.5)

    def first_page_heading() -> float:
        y = REG_H - REG_MARGIN - 4
        c.setFont(SANS_BOLD, 13)
        c.drawCentredString(REG_W / 2, y, pdf_text(title.upper()))
        c.setFont(SANS, 10)
        c.drawCentredString(REG_W / 2, y - 15, pdf_text(f"Periode: {period}"))
        return y - 28

    def later_heading() -> float:
        y = REG_H - REG_MARGIN + 2
        c.setFont(SANS_ITALIC, 8)
        c.setFillGray(0.3)
        c.drawString(REG_MARGIN, y, pdf_text(f"{title} — {period} (lanjutan)"))
        c.setFillGray(0)
        return y - 8

    y = header(first_page_heading())
    if not rows:
        h = REG_LEADING + 2 * REG_PAD
        c.setFont(SANS_ITALIC, REG_SIZE)
        c.drawCentredString(
            REG_W / 2, y - REG_PAD - REG_SIZE + 0.5, "Tidak ada surat pada periode ini."
        )
        c.setLineWidth(0.5)
        c.rect(xs[0], y - h, xs[-1] - xs[0], h, stroke=1, fill=0)
        y -= h
    for position, row in enumerate(rows, start=1):
        cells = []
        for (_label, keys, _w), w in zip(REGISTER_COLUMNS, widths, strict=True):
            text = _register_cell(row, keys)
            if keys[0] == "no" and not text:
                text = str(position)
            if keys[0] == "status":
                text = STATUS_LABELS.get(text.lower(), text)
            cells.append(wrap(text, SANS, REG_SIZE, w - 2 * REG_PAD) if text else [])
        h = max(1, *(len(lines) for lines in cells)) * REG_LEADING + 2 * REG_PAD
        if y - h < bottom:
            c.showPage()
            y = header(later_heading())
        c.setFont(SANS, REG_SIZE)
        for column, lines in enumerate(cells):
            for i, line in enumerate(lines):
                base = y - REG_PAD - REG_SIZE + 0.5 - i * REG_LEADING
                if column == 0:  # the running number, right-aligned
                    c.drawRightString(xs[1] - REG_PAD, base, line)
                else:
                    c.drawString(xs[column] + REG_PAD, base, line)
        grid(y, y - h)
        y -= h
    c.setFont(SANS, 9)
    if y - 16 < bottom:
        c.showPage()
        y = later_heading()
    c.drawString(REG_MARGIN, y - 14, f"Jumlah: {len(rows)} surat")
    c.showPage()
    c.save()
    return buf.getvalue()


# -------------------------------------------------------------------------- merge


def merge_pdfs(pdfs: list[bytes]) -> bytes:
    """One PDF holding every page of the given PDFs in order (for printing many letters)."""
    from pypdf import PdfReader, PdfWriter

    if not pdfs:
        raise ValueError("merge_pdfs needs at least one PDF")
    writer = PdfWriter()
    for data in pdfs:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
