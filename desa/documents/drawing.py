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


def village_letterhead(village) -> Letterhead:
    """A village's letterhead (Kabupaten / Kecamatan / Desa, address, logo) from
    its settings row; the logo only when its file is there."""
    from pathlib import Path

    from flask import current_app

    logo = None
    if village.logo_path:
        candidate = Path(current_app.instance_path) / village.logo_path
        logo = str(candidate) if candidate.is_file() else None
    address = village.address
    if village.postal_code:
        address = f"{address or ''} Kode Pos {village.postal_code}".strip()
    return Letterhead(
        province=f"Provinsi {village.province}",
        regency=village.regency,
        district=f"Kecamatan {village.district}",
        village_title=village.title,
        address=address or None,
        logo_path=logo,
    )


@dataclass(frozen=True)
class KopStyle:
    """How big a kop is drawn: a letter's, a landscape table's, a list's."""

    logo_mm: float  # the logo's side
    logo_gap_mm: float  # the space kept between logo and text
    sizes: tuple[float, float, float]  # the three lines' font sizes
    steps: tuple[float, float]  # the drop after the first and the second line
    first_drop: float  # from the top to the first baseline
    address_size: float
    address_drop: float
    rule_drop: float  # from the last baseline to the heavy rule
    logo_lift: float  # the logo's bottom above the heavy rule
    heavy: float
    light: float
    double: float  # the gap between the two rules


def draw_kop(
    c: Canvas,
    head: Letterhead,
    style: KopStyle,
    *,
    left: float,
    right: float,
    top: float,
    text: Callable[[str], str] = pdf_text,
) -> float:
    """Draws a letterhead between `left` and `right` under `top`: the three lines
    centred (kept clear of the logo), the address in italics, the logo, and the
    double rule. Returns the y just under the rule."""
    mm = 72 / 25.4
    lines = kop_lines(head)
    logo = load_logo(head.logo_path)
    logo_size = style.logo_mm * mm
    room = (right - left) - (2 * (logo_size + style.logo_gap_mm * mm) if logo else 0)
    centre = (left + right) / 2
    y = top - style.first_drop
    for line, size, step in zip(lines, style.sizes, (*style.steps, 0), strict=True):
        line = text(line)
        c.setFont(SERIF_BOLD, fit_size(line, SERIF_BOLD, size, room, 8))
        c.drawCentredString(centre, y, line)
        y -= step
    if head.address:
        y -= style.address_drop
        address = text(" ".join(head.address.split()))
        c.setFont(
            SERIF_ITALIC, fit_size(address, SERIF_ITALIC, style.address_size, room, 7)
        )
        c.drawCentredString(centre, y, address)
    rule = y - style.rule_drop
    if logo is not None:
        c.drawImage(
            logo,
            left,
            rule + style.logo_lift,
            width=logo_size,
            height=top - rule - style.logo_lift,
            preserveAspectRatio=True,
            anchor="c",
            mask="auto",
        )
    c.setLineWidth(style.heavy)
    c.line(left, rule, right, rule)
    c.setLineWidth(style.light)
    c.line(left, rule - style.double, right, rule - style.double)
    return rule - style.double


LETTER_KOP = KopStyle(24, 4, (14, 14, 17), (17, 21), 14, 10.5, 14, 8, 5, 2.2, 0.7, 3.4)
TABLE_KOP = KopStyle(20, 4, (13, 13, 15), (15, 18), 12, 9.5, 12, 7, 4, 2, 0.6, 3)
LIST_KOP = KopStyle(18, 3, (12, 12, 14), (14, 16), 11, 9, 12, 7, 4, 1.8, 0.6, 3)
