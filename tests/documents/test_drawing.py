"""The drawing kit's pieces on their own: text folding, wrapping, ruling, pages."""

from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.lib.pagesizes import A6
from reportlab.pdfbase.pdfmetrics import stringWidth

from desa.documents.drawing import (
    SANS,
    Letterhead,
    column_edges,
    fit_size,
    kop_lines,
    new_canvas,
    page_number,
    pdf_text,
    wrap,
)


def test_pdf_text_keeps_winansi_and_folds_the_rest():
    assert pdf_text("Café — 23 November") == "Café — 23 November"
    assert pdf_text("Ṣiti Ąminah 李") == "Siti Aminah ?"


def test_wrap_fits_every_line_and_cuts_a_long_word():
    lines = wrap("kata " * 40 + "x" * 200, SANS, 10, 120)
    assert len(lines) > 3
    assert all(stringWidth(line, SANS, 10) <= 120 for line in lines)
    assert "".join(lines).count("x") == 200
    assert wrap("", SANS, 10, 120) == [""]


def test_fit_size_shrinks_to_the_width_but_not_below_the_smallest():
    assert fit_size("pendek", SANS, 12, 500, 6) == 12
    size = fit_size("panjang " * 10, SANS, 12, 100, 2)
    assert size < 12
    assert stringWidth("panjang " * 10, SANS, size) <= 100.001
    assert fit_size("panjang " * 50, SANS, 12, 10, 6) == 6


def test_column_edges_end_at_the_right_edge():
    assert column_edges(10, [20, 30, 5]) == [10, 30, 60, 65]


def test_kop_lines_complete_bare_names():
    head = Letterhead("Kalimantan Barat", "Sambas", "Tekarang", "Merubung")
    assert kop_lines(head) == (
        "PEMERINTAH KABUPATEN SAMBAS",
        "KECAMATAN TEKARANG",
        "KANTOR DESA MERUBUNG",
    )
    head = Letterhead(
        "Kalimantan Barat", "Kota Singkawang", "Kecamatan X", "Kelurahan Y"
    )
    assert kop_lines(head)[0] == "PEMERINTAH KOTA SINGKAWANG"
    assert kop_lines(head)[2] == "KANTOR KELURAHAN Y"


def test_paged_canvas_numbers_pages_out_of_the_total():
    def footer(c, number, total):
        page_number(c, number, total, 10, A6[0], only_if_many=False)

    buf = io.BytesIO()
    c = new_canvas(buf, A6, footer, title="Uji", author="Desa", subject="Ṣubjek")
    for _ in range(3):
        c.drawString(20, 200, "isi")
        c.showPage()
    c.save()
    reader = PdfReader(io.BytesIO(buf.getvalue()))
    texts = [page.extract_text() for page in reader.pages]
    assert [f"Halaman {n} dari 3" in t for n, t in enumerate(texts, 1)] == [True] * 3
    assert reader.metadata.title == "Uji"
    assert reader.metadata.subject == "Subjek"
