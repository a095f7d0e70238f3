"""Letters, the register of letters and print bundles as PDF bytes.

Drawn with the shared kit in `desa.documents` (fonts, text folding, paged canvas,
letterhead, vector QR); the same document always gives the same bytes.
"""

from desa.letters.pdf.letter import LetterDocument, render_letter
from desa.letters.pdf.register import merge_pdfs, render_register

__all__ = [
    "LetterDocument",
    "merge_pdfs",
    "render_letter",
    "render_register",
]
