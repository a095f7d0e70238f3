"""The figures as an A4 landscape PDF under the village letterhead.

Drawn on a reportlab canvas with the shared kit in `desa.documents` (letterhead
lines, logo, text folding, paged canvas), so the kop matches the village's letters.
"""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from desa.documents.drawing import (
    SANS,
    SANS_BOLD,
    TABLE_KOP,
    Letterhead,
    column_edges,
    draw_kop,
    fit_size,
    new_canvas,
    page_number,
    pdf_text,
    table_grid,
)
from desa.exports.reports import month_label, pct_text, table_cells, table_header

PAGE_W, PAGE_H = landscape(A4)
MARGIN = 14 * mm
TOP = PAGE_H - 12 * mm
BOTTOM = 16 * mm
SIZE = 8.5
ROW_H = 13.5
# Column widths in mm, in table_header order without the area columns (their
# widths are render_figures' `area_mm`); the bar column takes the rest.
COL_MM = (10, 20, 22, 17, 22, 17, 22, 17)
GREEN, ORANGE = (0.12, 0.44, 0.26), (0.88, 0.54, 0.12)


def _letterhead(c: Canvas, head: Letterhead) -> float:
    """The kop across the landscape page; returns the y under its double rule."""
    return draw_kop(c, head, TABLE_KOP, left=MARGIN, right=PAGE_W - MARGIN, top=TOP)


def _footer(c: Canvas, number: int, total: int) -> None:
    page_number(c, number, total, 8 * mm, PAGE_W, only_if_many=False)


def _months_row(c: Canvas, y: float, months: list[dict[str, Any]]) -> float:
    """Recordings per month, a cell each, under the table; the y under it."""
    y -= 22
    c.setFont(SANS_BOLD, 9)
    c.drawString(MARGIN, y, pdf_text(_("Perekaman per bulan (dari riwayat data)")))
    y -= 4
    cell_w = (PAGE_W - 2 * MARGIN) / max(len(months), 1)
    for i, m in enumerate(months):
        x = MARGIN + i * cell_w
        c.setLineWidth(0.4)
        c.rect(x, y - 2 * ROW_H, cell_w, 2 * ROW_H, stroke=1, fill=0)
        c.setFont(SANS, 7.5)
        c.drawCentredString(
            x + cell_w / 2, y - ROW_H + 4, month_label(m["year"], m["month_no"])
        )
        c.setFont(SANS_BOLD, 9)
        c.drawCentredString(x + cell_w / 2, y - 2 * ROW_H + 4, str(m["recorded"]))
    return y - 2 * ROW_H


def render_figures(
    head: Letterhead,
    title: str,
    subtitle: str,
    data: dict[str, Any],
    months: list[dict[str, Any]],
    sign: tuple[str, str, str] | None = None,
    areas: list[tuple[str, str]] | None = None,
    area_mm: tuple[int, ...] = (48, 13, 13),
) -> bytes:
    """The table with totals, a bar per row, and recordings per month; PDF bytes.

    `sign` is (place and date, position, name) for the signature block, or None.
    `areas` and `area_mm`: the area columns and their widths (the village's
    dusun, RW, RT by default); no months, no months' row.
    """
    buf = io.BytesIO()
    c = new_canvas(
        buf,
        landscape(A4),
        _footer,
        title=f"{title} {subtitle}",
        author=head.village_title,
        subject=title,
    )
    widths = [w * mm for w in (COL_MM[0], *area_mm, *COL_MM[1:])]
    widths.append(PAGE_W - 2 * MARGIN - sum(widths))
    xs = column_edges(MARGIN, widths)
    headings = [*table_header(areas), _("Sudah rekam / wajib")]
    counts_from = 1 + len(area_mm)  # right-aligned from here; shares at +2, +4, +6
    shares = {counts_from + 2, counts_from + 4, counts_from + 6}

    def header(y: float) -> float:
        c.setFillGray(0.88)
        c.rect(xs[0], y - ROW_H, xs[-1] - xs[0], ROW_H, stroke=0, fill=1)
        c.setFillGray(0)
        c.setFont(SANS_BOLD, SIZE)
        for label, x, w in zip(headings, xs, widths, strict=False):
            label = pdf_text(label)
            c.setFont(SANS_BOLD, fit_size(label, SANS_BOLD, SIZE, w - 4, 6))
            c.drawString(x + 2, y - ROW_H + 4, label)
        grid(y, y - ROW_H)
        return y - ROW_H

    def grid(top: float, low: float) -> None:
        table_grid(c, xs, top, low, 0.4)

    def row_line(y: float, row: dict[str, Any], no: Any, bold: bool) -> float:
        font = SANS_BOLD if bold else SANS
        for i, (value, x, w) in enumerate(
            zip(table_cells(row, no, areas), xs, widths, strict=False)
        ):
            text = pct_text(value) if i in shares else pdf_text(str(value))
            c.setFont(font, fit_size(text, font, SIZE, w - 4, 5.5))
            if i >= counts_from:
                c.drawRightString(x + w - 2, y - ROW_H + 4, text)
            else:
                c.drawString(x + 2, y - ROW_H + 4, text)
        bar_x, bar_w = xs[-2] + 3, widths[-1] - 6
        if row["wajib"]:
            done = bar_w * row["recorded"] / row["wajib"]
            c.setFillColorRGB(*GREEN)
            c.rect(bar_x, y - ROW_H + 3, done, ROW_H - 6, stroke=0, fill=1)
            c.setFillColorRGB(*ORANGE)
            c.rect(
                bar_x + done, y - ROW_H + 3, bar_w - done, ROW_H - 6, stroke=0, fill=1
            )
            c.setFillGray(0)
        grid(y, y - ROW_H)
        return y - ROW_H

    y = _letterhead(c, head) - 20
    c.setFont(SANS_BOLD, 12)
    c.drawCentredString(PAGE_W / 2, y, pdf_text(title.upper()))
    c.setFont(SANS, 10)
    c.drawCentredString(PAGE_W / 2, y - 14, pdf_text(subtitle))
    y = header(y - 26)
    for no, row in enumerate(data["rows"], start=1):
        if y - ROW_H < BOTTOM:
            c.showPage()
            y = header(PAGE_H - MARGIN)
        y = row_line(y, row, no, False)
    if y - ROW_H < BOTTOM:
        c.showPage()
        y = header(PAGE_H - MARGIN)
    y = row_line(y, data["total"], _("Jumlah"), True)

    needed = (30 + ROW_H * 2 if months else 0) + (70 if sign else 0)
    if y - needed < BOTTOM:
        c.showPage()
        y = PAGE_H - MARGIN
    if months:
        y = _months_row(c, y, months)
    if sign:
        place_date, position, name = (pdf_text(s) for s in sign)
        x = PAGE_W - MARGIN - 80 * mm
        c.setFont(SANS, 9.5)
        c.drawString(x, y - 20, place_date)
        c.drawString(x, y - 33, position)
        c.setFont(SANS_BOLD, 9.5)
        c.drawString(x, y - 80, name)
    c.showPage()
    c.save()
    return buf.getvalue()
