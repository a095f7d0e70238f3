"""The monthly population report to the kecamatan: the Buku Rekapitulasi's
figures per dusun for one month, the births, deaths and moves by sex, and the
totals at the end of the month (PDF, XLSX, and `to_dict()` for the hub bundle).

`MonthlyReport.to_dict()` is a stable, JSON-safe shape (docs/papers.md):

    {"year": 2026, "month": 11, "start": "2026-10-31", "end": "2026-11-30",
     "rows": [{"dusun": "Sungai Bedung",
               "awal": {"WNA_L": 0, "WNA_P": 0, "WNI_L": 10, "WNI_P": 9,
                        "kk": 6, "jiwa": 19},
               "lahir": {"WNA_L": …, …}, "datang": {…}, "meninggal": {…},
               "pindah": {…},
               "akhir": {…, "kk": 6, "jiwa": 20}}, …],
     "total": {same keys, "dusun": null},
     "births": {"L": 1, "P": 0, "total": 1}, "deaths": {…},
     "moves_in": {…}, "moves_out": {…},
     "end": {"L": 10, "P": 10, "kk": 6, "total": 20}}
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from reportlab.lib.units import mm

from desa.core.formatting import MONTHS_ID
from desa.core.models import Village
from desa.papers import books
from desa.papers.book_tables import place_line, rekap_columns, rekap_line, sign_of
from desa.papers.books import Period, Recap
from desa.papers.table import Book

_KINDS = (
    ("births", "lahir"),
    ("deaths", "meninggal"),
    ("moves_in", "datang"),
    ("moves_out", "pindah"),
)


def _by_sex(counts: dict[str, int]) -> dict[str, int]:
    male = counts["WNA_L"] + counts["WNI_L"]
    female = counts["WNA_P"] + counts["WNI_P"]
    return {"L": male, "P": female, "total": male + female}


@dataclass
class MonthlyReport:
    year: int
    month: int
    recap: Recap

    def to_dict(self) -> dict[str, Any]:
        total = self.recap.total
        end = _by_sex(total.akhir)
        return {
            "year": self.year,
            "month": self.month,
            "start": self.recap.start.isoformat(),
            "end": self.recap.end.isoformat(),
            "rows": [r.to_dict() for r in self.recap.rows],
            "total": total.to_dict(),
            **{name: _by_sex(total.moves[kind]) for name, kind in _KINDS},
            "end_totals": {
                "L": end["L"],
                "P": end["P"],
                "kk": total.akhir_kk,
                "total": end["total"],
            },
        }


def monthly(
    year: int,
    month: int,
    today: dt.date | None = None,
    registry: books.Registry | None = None,
) -> MonthlyReport:
    """The month's report (to today for the running month); several months
    share one `registry` read."""
    today = today or dt.date.today()
    return MonthlyReport(year, month, books.recap(Period(year, month), today, registry))


def _title(village: Village, year: int, month: int) -> str:
    return _(
        "LAPORAN BULANAN PENDUDUK %(k)s %(v)s BULAN %(m)s TAHUN %(y)d",
        k=(village.kind or "desa").upper(),
        v=village.name.upper(),
        m=MONTHS_ID[month - 1].upper(),
        y=year,
    )


def as_book(report: MonthlyReport, village: Village, today: dt.date) -> Book:
    """The report's table as a book (the Rekapitulasi's columns), for the XLSX."""
    recap = report.recap
    rows = [
        rekap_line(n, r.dusun or _("(tanpa dusun)"), r)
        for n, r in enumerate(recap.rows, start=1)
    ]
    rows.append(rekap_line("", _("JUMLAH"), recap.total))
    return Book(
        key="laporan",
        code=_("Laporan"),
        title=_title(village, report.year, report.month),
        period_label=_("Kepada Yth. Camat %(d)s", d=village.district),
        place=place_line(village),
        columns=rekap_columns(),
        rows=rows,
        sign=sign_of(village, today),
        bold_rows=frozenset({len(rows) - 1}),
    )


def summary_lines(report: MonthlyReport) -> list[tuple[str, dict[str, int]]]:
    d = report.to_dict()
    return [
        (_("Lahir"), d["births"]),
        (_("Meninggal"), d["deaths"]),
        (_("Datang (pindah masuk)"), d["moves_in"]),
        (_("Pindah (keluar)"), d["moves_out"]),
        (_("Jumlah penduduk akhir bulan"), d["end_totals"]),
    ]


def render_pdf(report: MonthlyReport, village: Village, today: dt.date) -> bytes:
    """The letter to the Camat: addressee, the summary by sex, the table, signature."""
    from reportlab.lib.pagesizes import A4, landscape

    from desa.documents.drawing import (
        SANS,
        SANS_BOLD,
        TABLE_KOP,
        column_edges,
        draw_kop,
        new_canvas,
        page_number,
        pdf_text,
        table_grid,
        village_letterhead,
    )

    page_w, page_h = landscape(A4)
    margin = 14 * mm
    buf = io.BytesIO()
    title = _title(village, report.year, report.month)

    def footer(c, number, total):
        page_number(c, number, total, 8 * mm, page_w, only_if_many=False)

    c = new_canvas(
        buf,
        (page_w, page_h),
        footer,
        title=title,
        author=place_line(village),
        subject=_("Laporan bulanan penduduk"),
    )
    y = draw_kop(
        c,
        village_letterhead(village),
        TABLE_KOP,
        left=margin,
        right=page_w - margin,
        top=page_h - 10 * mm,
    )
    c.setFont(SANS, 9)
    y -= 14
    c.drawString(margin, y, pdf_text(_("Kepada Yth.")))
    c.drawString(margin, y - 11, pdf_text(_("Camat %(d)s", d=village.district)))
    c.drawString(margin, y - 22, pdf_text(_("di tempat")))
    c.setFont(SANS_BOLD, 11)
    c.drawCentredString(page_w / 2, y - 38, pdf_text(title))
    y -= 56
    # The summary: kind, L, P, jumlah.
    widths = [70 * mm, 22 * mm, 22 * mm, 24 * mm]
    xs = column_edges(margin, widths)
    row_h = 13
    c.setFont(SANS_BOLD, 8.5)
    for i, text in enumerate((_("Uraian"), "L", "P", _("Jumlah"))):
        c.drawCentredString((xs[i] + xs[i + 1]) / 2, y - 9, pdf_text(text))
    table_grid(c, xs, y, y - row_h, 0.5)
    y -= row_h
    c.setFont(SANS, 8.5)
    for label, counts in summary_lines(report):
        c.drawString(xs[0] + 3, y - 9, pdf_text(label))
        for i, key in enumerate(("L", "P", "total"), start=1):
            c.drawRightString(
                xs[i + 1] - 3, y - 9, f"{counts[key]:,}".replace(",", ".")
            )
        table_grid(c, xs, y, y - row_h, 0.5)
        y -= row_h
    kk = report.to_dict()["end_totals"]["kk"]
    c.drawString(
        margin,
        y - 12,
        pdf_text(
            _(
                "Jumlah kepala keluarga (KK) akhir bulan: %(n)s",
                n=f"{kk:,}".replace(",", "."),
            )
        ),
    )
    y -= 26
    # Per dusun: the Rekapitulasi's columns.
    cols = rekap_columns()
    scale = (page_w - 2 * margin) / sum(col.width_mm * mm for col in cols)
    cxs = column_edges(margin, [col.width_mm * mm * scale for col in cols])
    book = as_book(report, village, today)
    c.setFont(SANS_BOLD, 7)
    c.drawString(
        margin, y, pdf_text(_("Rincian per dusun (Buku Rekapitulasi Jumlah Penduduk)"))
    )
    y -= 6
    heads = ["No", _("Dusun"), *[f"{_short(col)}" for col in cols[2:-1]], ""]
    c.setFont(SANS_BOLD, 4.6)
    for i, text in enumerate(heads):
        c.drawCentredString((cxs[i] + cxs[i + 1]) / 2, y - 15, pdf_text(text))
    groups = [
        (_("Awal bulan"), 2, 8),
        (_("Lahir"), 9, 12),
        (_("Datang"), 13, 16),
        (_("Meninggal"), 17, 20),
        (_("Pindah"), 21, 24),
        (_("Akhir bulan"), 25, 31),
    ]
    c.setFont(SANS_BOLD, 6)
    for label, first, last in groups:
        c.drawCentredString((cxs[first] + cxs[last + 1]) / 2, y - 6, pdf_text(label))
    # The group band is ruled only at the groups' edges, the labels' band at every
    # column.
    edges = [cxs[0], cxs[1], cxs[2], *(cxs[last + 1] for _l, _f, last in groups)]
    edges.append(cxs[-1])
    table_grid(c, edges, y, y - 8, 0.4)
    table_grid(c, cxs, y - 8, y - 18, 0.4)
    y -= 18
    for index, row in enumerate(book.rows):
        c.setFont(SANS_BOLD if index == len(book.rows) - 1 else SANS, 6)
        for i, value in enumerate(row):
            text = pdf_text(str(value))
            if i == 1:
                c.drawString(cxs[i] + 2, y - 8, text[:24])
            else:
                c.drawRightString(cxs[i + 1] - 2, y - 8, text)
        table_grid(c, cxs, y, y - 11, 0.4)
        y -= 11
    if y < 40 * mm:
        c.showPage()
        y = page_h - 20 * mm
    sign = book.sign
    x = page_w - margin - 55 * mm
    c.setFont(SANS, 9)
    c.drawCentredString(x, y - 18, pdf_text(sign.place_date))
    c.drawCentredString(x, y - 30, pdf_text(sign.position))
    c.setFont(SANS_BOLD, 9)
    c.drawCentredString(x, y - 74, pdf_text(sign.name or "(" + "." * 40 + ")"))
    c.showPage()
    c.save()
    return buf.getvalue()


def _short(col) -> str:
    """`WNI L`, `KK`, `Agt`, `Jiwa` for the report's narrow columns."""
    label = col.label
    if label.startswith("WN"):
        return label
    return {
        _("Jml KK"): "KK",
        _("Jml anggota"): _("Agt"),
        _("Jml jiwa"): _("Jiwa"),
    }.get(label, label)


def render_xlsx(report: MonthlyReport, village: Village, today: dt.date) -> bytes:
    from desa.papers.books_xlsx import write_book

    return write_book(as_book(report, village, today))
