"""What every village PDF shares: fonts, text folding, table ruling, the paged
canvas, and the village's letterhead (its lines and logo)."""

from __future__ import annotations

import io
import logging
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

log = logging.getLogger(__name__)

# Binary (Flate only) streams instead of Flate+ASCII85: a quarter smaller, and
# reportlab's pure-Python ASCII85 encoder was a sixth of a letter's render time.
rl_config.useA85 = 0

CREATOR = "desa — layanan kantor desa"

SERIF, SERIF_BOLD, SERIF_ITALIC = "Times-Roman", "Times-Bold", "Times-Italic"
SANS, SANS_BOLD, SANS_ITALIC = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"


# --------------------------------------------------------------------------- text


def pdf_text(text: str) -> str:
    """Text the standard fonts can show (WinAnsi): accents folded, not black boxes."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch)
            base = "".join(c for c in base if not unicodedata.combining(c))
            out.append(base if base and base.isascii() else "?")
    return "".join(out)


def wrap(
    text: str, font: str, size: float, width: float, first_width: float | None = None
) -> list[str]:
    """Greedy word wrap by measured width; a word longer than a line is cut."""
    space = stringWidth(" ", font, size)
    lines: list[str] = []
    limit = width if first_width is None else first_width
    words: list[str] = []
    used = 0.0
    for word in text.split():
        w = stringWidth(word, font, size)
        if words and used + space + w <= limit:
            words.append(word)
            used += space + w
            continue
        if words:
            lines.append(" ".join(words))
            limit = width
        while w > limit:  # a URL or a run of characters without spaces
            cut = max(1, int(len(word) * limit / w))
            while cut > 1 and stringWidth(word[:cut], font, size) > limit:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
            w = stringWidth(word, font, size)
            limit = width
        words, used = [word], w
    if words:
        lines.append(" ".join(words))
    return lines or [""]


def fit_size(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest size up to `size` at which `text` fits in `width` (not below smallest)."""
    natural = stringWidth(text, font, size)
    if natural <= width:
        return size
    return max(smallest, size * width / natural)


def underline(c: Canvas, x: float, y: float, width: float, weight: float = 0.8) -> None:
    c.setLineWidth(weight)
    c.line(x, y, x + width, y)


def column_edges(left: float, widths: list[float]) -> list[float]:
    """The x of each column's left edge, then the table's right edge."""
    edges = [left]
    for width in widths:
        edges.append(edges[-1] + width)
    return edges


def table_grid(
    c: Canvas, xs: list[float], top: float, low: float, weight: float
) -> None:
    """Ruling for one band of a table: its top and bottom lines and every column edge."""
    c.setLineWidth(weight)
    c.line(xs[0], top, xs[-1], top)
    c.line(xs[0], low, xs[-1], low)
    for x in xs:
        c.line(x, top, x, low)


# ------------------------------------------------------------------ page handling


class PagedCanvas(Canvas):
    """A canvas that keeps its pages until `save`, to print "Halaman i dari N".

    Each finished page's state is set aside; `save` replays them with the total
    known, letting `footer(canvas, page, total)` draw on each before it is closed.
    """

    def __init__(self, buf, footer: Callable[[Canvas, int, int], None], **kwargs):
        super().__init__(buf, **kwargs)
        self._held: list[dict] = []
        self._footer = footer

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self._footer(self, number, total)
            Canvas.showPage(self)
        Canvas.save(self)


def new_canvas(
    buf: io.BytesIO,
    pagesize: tuple[float, float],
    footer: Callable[[Canvas, int, int], None],
    *,
    title: str,
    author: str,
    subject: str,
) -> PagedCanvas:
    c = PagedCanvas(buf, footer, pagesize=pagesize, invariant=1, pageCompression=1)
    c.setTitle(pdf_text(title))
    c.setAuthor(pdf_text(author))
    c.setSubject(pdf_text(subject))
    c.setCreator(CREATOR)
    return c


def page_number(
    c: Canvas, number: int, total: int, y: float, page_w: float, only_if_many: bool
) -> None:
    if only_if_many and total < 2:
        return
    c.setFont(SANS, 8)
    c.setFillGray(0.3)
    c.drawCentredString(page_w / 2, y, f"Halaman {number} dari {total}")
    c.setFillGray(0)


# -------------------------------------------------------------------- letterhead


@dataclass(frozen=True)
class Letterhead:
    """The village's letterhead (kop surat); names as stored, any case."""

    province: str
    regency: str  # "Kabupaten Sambas" (or "Sambas")
    district: str  # "Tekarang" (or "Kecamatan Tekarang")
    village_title: str  # "Desa Merubung" (or "Kelurahan …")
    address: str | None = None
    logo_path: str | None = None
    # The three lines as they are, for an office that is not a village (a hub:
    # "PEMERINTAH KABUPATEN SAMBAS", "DINAS KEPENDUDUKAN …", …).
    lines: tuple[str, str, str] | None = None


def kop_lines(head: Letterhead) -> tuple[str, str, str]:
    if head.lines is not None:
        return head.lines
    regency = head.regency.strip().upper()
    if not regency.startswith(("KABUPATEN", "KOTA")):
        regency = f"KABUPATEN {regency}"
    district = head.district.strip().upper()
    if not district.startswith("KECAMATAN"):
        district = f"KECAMATAN {district}"
    village = head.village_title.strip().upper()
    if not village.startswith(("DESA", "KELURAHAN")):
        village = f"DESA {village}"
    return f"PEMERINTAH {regency}", district, f"KANTOR {village}"


def load_logo(path: str | None) -> ImageReader | None:
    """The logo, or None when there is none or it cannot be read (never fails a letter)."""
    if not path:
        return None
    try:
        stat = os.stat(path)
        return _read_logo(path, stat.st_mtime_ns, stat.st_size)
    except Exception:  # missing, unreadable or not an image
        log.warning("letterhead logo %s cannot be used; letter drawn without it", path)
        return None


@lru_cache(maxsize=4)
def _read_logo(path: str, _mtime_ns: int, _size: int) -> ImageReader:
    """Decoded once per file version: every letter of the day carries the same logo."""
    reader = ImageReader(path)
    reader.getRGBData()  # fails here, not half-way through drawing, on a broken file
    return reader
