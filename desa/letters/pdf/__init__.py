"""Letters, the register of letters and print bundles as PDF bytes.

Pure functions drawn straight on a reportlab canvas: no HTML engine, no platypus, the
standard Type-1 fonts (nothing embedded) and the QR as vector rectangles, so a letter
renders in about ten milliseconds (two thirds of it computing the QR) into a file of
about 8 KB. `invariant=1` fixes the creation date and file id: the same document
always gives the same bytes. Text is folded to what the standard fonts can show.
"""

from desa.letters.pdf.drawing import (
    SANS,
    SANS_BOLD,
    SERIF,
    SERIF_BOLD,
    SERIF_ITALIC,
    LetterDocument,
    Letterhead,
    column_edges,
    fit_size,
    kop_lines,
    load_logo,
    new_canvas,
    page_number,
    pdf_text,
    table_grid,
)
from desa.letters.pdf.letter import render_letter
from desa.letters.pdf.register import merge_pdfs, render_register

__all__ = [
    "SANS",
    "SANS_BOLD",
    "SERIF",
    "SERIF_BOLD",
    "SERIF_ITALIC",
    "LetterDocument",
    "Letterhead",
    "column_edges",
    "fit_size",
    "kop_lines",
    "load_logo",
    "merge_pdfs",
    "new_canvas",
    "page_number",
    "pdf_text",
    "render_letter",
    "render_register",
    "table_grid",
]
