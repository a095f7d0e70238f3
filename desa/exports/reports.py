"""The figures as a person reads them: SVG bar charts drawn on the server (no script,
nothing from outside) and an XLSX workbook in the district's table layout."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape

from desa.core.formatting import MONTHS_ID, format_date
from desa.exports.figures import area_label

GREEN, ORANGE, DARK, GREY = "#1f6f43", "#e08a1e", "#154c2e", "#5f6b66"


def pct_text(value: float) -> str:
    """`66,67%`: Indonesian decimal comma."""
    return f"{value:.2f}".replace(".", ",") + "%"


def month_label(year: int, month: int) -> str:
    """`Nov 2026`."""
    return f"{MONTHS_ID[month - 1][:3]} {year}"


def _text(
    x: float,
    y: float,
    body: str,
    *,
    anchor: str = "start",
    size: int = 12,
    weight: str = "normal",
    fill: str = "#1d2522",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
        f'text-anchor="{anchor}" fill="{fill}">{escape(body)}</text>'
    )


def _rect(
    x: float, y: float, w: float, h: float, fill: str, stroke: str | None = None
) -> str:
    edge = f' stroke="{stroke}"' if stroke else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
        f'fill="{fill}"{edge}/>'
    )


def figures_svg(data: dict[str, Any], label: Any = area_label) -> Markup:
    """Stacked horizontal bars: recorded and not recorded, as shares of wajib KTP.
    `label(row)` names a row (the village's areas by default)."""
    rows = [*data["rows"], {**data["total"], "_total": True}]
    labels = [_("Jumlah") if r.get("_total") else label(r) for r in rows]
    # About 6.5 units per character at size 11, so no label is cut at the left.
    label_w = max(120, int(6.5 * max(len(label) for label in labels)) + 16)
    bar_w, right_w, row_h = 440, 150, 26
    width = label_w + bar_w + right_w
    top = 34
    height = top + row_h * len(rows) + 12
    title = _(
        "Perekaman KTP-el per wilayah, per %(d)s",
        d=format_date(dt.date.fromisoformat(data["as_of"])),
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{label_w}" y="8" width="12" height="12" fill="{GREEN}"/>',
        _text(label_w + 18, 18, _("Sudah rekam"), size=11),
        f'<rect x="{label_w + 130}" y="8" width="12" height="12" fill="{ORANGE}"/>',
        _text(label_w + 148, 18, _("Belum rekam"), size=11),
    ]
    for i, row in enumerate(rows):
        y = top + i * row_h
        total = row.get("_total")
        label = labels[i]
        weight = "bold" if total else "normal"
        out.append(
            _text(label_w - 8, y + 16, label, anchor="end", size=11, weight=weight)
        )
        bar_y, bar_h = y + 4, row_h - 8
        if row["wajib"]:
            done = bar_w * row["recorded"] / row["wajib"]
            out.append(_rect(label_w, bar_y, done, bar_h, DARK if total else GREEN))
            out.append(_rect(label_w + done, bar_y, bar_w - done, bar_h, ORANGE))
        else:
            out.append(_rect(label_w, bar_y, bar_w, bar_h, "none", stroke=GREY))
        summary = f"{pct_text(row['recorded_pct'])} ({row['recorded']}/{row['wajib']})"
        out.append(_text(label_w + bar_w + 8, y + 16, summary, size=11, weight=weight))
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - all text escaped  # nosec B704


def monthly_svg(months: list[dict[str, Any]]) -> Markup:
    """Vertical bars: residents recorded in each month."""
    width, height, left, bottom, top = 720, 220, 36, 40, 20
    plot_h = height - bottom - top
    step = (width - left - 10) / max(len(months), 1)
    peak = max([m["recorded"] for m in months] + [1])
    title = _("Perekaman per bulan")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
        f'y2="{height - bottom}" stroke="{GREY}"/>',
    ]
    for i, m in enumerate(months):
        x = left + i * step + step * 0.15
        h = plot_h * m["recorded"] / peak
        y = height - bottom - h
        out.append(_rect(x, y, step * 0.7, h, GREEN))
        out.append(
            _text(x + step * 0.35, y - 4, str(m["recorded"]), anchor="middle", size=10)
        )
        out.append(
            _text(
                x + step * 0.35,
                height - bottom + 16,
                MONTHS_ID[m["month_no"] - 1][:3],
                anchor="middle",
                size=10,
            )
        )
        out.append(
            _text(
                x + step * 0.35,
                height - bottom + 30,
                str(m["year"]),
                anchor="middle",
                size=9,
                fill=GREY,
            )
        )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - all text escaped  # nosec B704


def village_areas() -> list[tuple[str, str]]:
    """The village table's area columns: (heading, row key)."""
    return [(_("Dusun"), "dusun"), (_("RW"), "rw"), (_("RT"), "rt")]


def table_header(areas: list[tuple[str, str]] | None = None) -> list[str]:
    """The district table's column headings (HTML, XLSX and PDF): the area
    columns (the village's dusun, RW, RT by default; a hub's kecamatan or desa),
    then the counts and their shares."""
    return [
        _("No"),
        *(heading for heading, _key in areas or village_areas()),
        _("Wajib KTP"),
        _("Sudah rekam"),
        "%",
        _("Belum rekam"),
        "%",
        _("Sudah cetak"),
        "%",
    ]


def table_cells(
    row: dict[str, Any], no: int | str, areas: list[tuple[str, str]] | None = None
) -> list[Any]:
    """One figures row as table cells, in table_header order."""
    return [
        no,
        *(row.get(key) or "" for _heading, key in areas or village_areas()),
        row["wajib"],
        row["recorded"],
        row["recorded_pct"],
        row["not_recorded"],
        row["not_recorded_pct"],
        row["printed"],
        row["printed_pct"],
    ]


def figures_xlsx(
    data: dict[str, Any],
    months: list[dict[str, Any]] | None,
    heading: list[str],
    areas: list[tuple[str, str]] | None = None,
    area_widths: tuple[int, ...] = (22, 7, 7),
) -> bytes:
    """The table (with totals) and the months (None: no such sheet), as a small
    styled workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from desa.core.spreadsheet import safe_cell

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Rekap")
    for line in heading:
        sheet.append([safe_cell(line)])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.append([])
    sheet.append(table_header(areas))
    header_row = sheet.max_row
    bold_white = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="1F6F43")
    for cell in sheet[header_row]:
        cell.font, cell.fill = bold_white, fill
    for no, row in enumerate(data["rows"], start=1):
        sheet.append([safe_cell(v) for v in table_cells(row, no, areas)])
    sheet.append([safe_cell(v) for v in table_cells(data["total"], _("Jumlah"), areas)])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    first_pct = 2 + len(area_widths) + 2  # after No, the areas, wajib, recorded
    for row in sheet.iter_rows(
        min_row=header_row + 1, min_col=first_pct, max_col=first_pct + 4
    ):
        for cell in row[::2]:
            cell.number_format = "0.00"
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    widths = (6, *area_widths, 11, 12, 8, 12, 8, 12, 8)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    if months is None:
        buf = io.BytesIO()
        workbook.save(buf)
        return buf.getvalue()

    per_month = workbook.create_sheet(_("Per bulan"))
    per_month.append([_("Bulan"), _("Jumlah perekaman")])
    for cell in per_month[1]:
        cell.font, cell.fill = bold_white, fill
    for m in months:
        per_month.append([month_label(m["year"], m["month_no"]), m["recorded"]])
    per_month.column_dimensions["A"].width = 14
    per_month.column_dimensions["B"].width = 20
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()
