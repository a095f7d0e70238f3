"""What every village PDF shares: page geometry, fonts, text folding, the canvas,
the letterhead."""

from __future__ import annotations

import io
import logging
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

log = logging.getLogger(__name__)

# Binary (Flate only) streams instead of Flate+ASCII85: a quarter smaller, and
# reportlab's pure-Python ASCII85 encoder was a sixth of a letter's render time.
rl_config.useA85 = 0

CREATOR = "desa — layanan kantor desa"

# Letter page (portrait A4), in points.
PAGE_W, PAGE_H = A4
LEFT = 25 * mm
RIGHT = PAGE_W - 20 * mm
TOP = PAGE_H - 14 * mm
BOTTOM = 20 * mm
WIDTH = RIGHT - LEFT

SERIF, SERIF_BOLD, SERIF_ITALIC = "Times-Roman", "Times-Bold", "Times-Italic"
SANS, SANS_BOLD, SANS_ITALIC = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"
BODY_SIZE = 12
LEADING = 16
INDENT = 12.5 * mm  # first line of a paragraph, and the data block
PARAGRAPH_GAP = 6

QR_SIZE = 32 * mm
SIGN_WIDTH = 72 * mm
SIGN_SPACE = 24 * mm  # room for the signature and the stamp

WATERMARK = "DRAF"


@dataclass(frozen=True)
class Letterhead:
    """The village's letterhead (kop surat); names as stored, any case."""

    province: str
    regency: str  # "Kabupaten Sambas" (or "Sambas")
    district: str  # "Tekarang" (or "Kecamatan Tekarang")
    village_title: str  # "Desa Merubung" (or "Kelurahan …")
    address: str | None = None
    logo_path: str | None = None


@dataclass(frozen=True)
class LetterDocument:
    """Everything printed on one letter, already worded and formatted.

    Text may hold `\\n` for a forced line break (addressee, signer title, values).
    A draft prints the DRAF watermark and neither number nor QR, whatever is given.
    """

    letterhead: Letterhead
    title: str  # "Surat Keterangan Domisili" (printed upper-case)
    number: str | None  # None for a draft
    addressee: str | None  # referrals: "Kepada Yth.\\nKepala Dinas …\\ndi Sambas"
    paragraphs_before: list[str]  # "Yang bertanda tangan di bawah ini, …"
    data_rows: list[tuple[str, str]]  # ("Nama", "SITI AMINAH"), ("NIK", "6101…")
    paragraphs_after: list[str]
    place_date: str  # "Merubung, 23 November 2026"
    signer_title: (
        str  # "Kepala Desa Merubung" or "a.n. Kepala Desa …\\nSekretaris Desa"
    )
    signer_name: str
    qr_url: str | None  # DESA_BASE_URL/v/<token>; None for a draft
    draft: bool = False
    valid_until: str | None = None  # a sentence printed after the body


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


# ------------------------------------------------------------------------ letters


def kop_lines(head: Letterhead) -> tuple[str, str, str]:
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


def draw_letterhead(c: Canvas, head: Letterhead) -> float:
    """Draws the kop surat; returns the y just under its double rule."""
    lines = kop_lines(head)
    logo = load_logo(head.logo_path)
    logo_size = 24 * mm
    # Text is centred on the page; with a logo it must stay clear of it on both sides.
    room = WIDTH - 2 * (logo_size + 4 * mm) if logo else WIDTH
    centre = (LEFT + RIGHT) / 2
    y = TOP - 14
    for text, font, size, step in (
        (lines[0], SERIF_BOLD, 14, 17),
        (lines[1], SERIF_BOLD, 14, 21),
        (lines[2], SERIF_BOLD, 17, 0),
    ):
        text = pdf_text(text)
        c.setFont(font, fit_size(text, font, size, room, 8))
        c.drawCentredString(centre, y, text)
        y -= step
    if head.address:
        address = pdf_text(" ".join(head.address.split()))
        y -= 14
        c.setFont(SERIF_ITALIC, fit_size(address, SERIF_ITALIC, 10.5, room, 7))
        c.drawCentredString(centre, y, address)
    rule = y - 8
    if logo is not None:
        c.drawImage(
            logo,
            LEFT,
            rule + 5,
            width=logo_size,
            height=TOP - rule - 5,
            preserveAspectRatio=True,
            anchor="c",
            mask="auto",
        )
    c.setLineWidth(2.2)
    c.line(LEFT, rule, RIGHT, rule)
    c.setLineWidth(0.7)
    c.line(LEFT, rule - 3.4, RIGHT, rule - 3.4)
    return rule - 3.4


def draw_watermark(c: Canvas) -> None:
    c.saveState()
    c.setFillGray(0.86)
    c.translate(PAGE_W / 2, PAGE_H / 2)
    c.rotate(50)
    c.setFont(SANS_BOLD, 170)
    c.drawCentredString(0, -60, WATERMARK)
    c.restoreState()
    c.setFont(SANS_ITALIC, 8)
    c.setFillGray(0.35)
    c.drawCentredString(
        PAGE_W / 2,
        14 * mm,
        "DRAF — belum bernomor dan belum ditandatangani; tidak berlaku sebagai surat.",
    )
    c.setFillGray(0)
