"""Letters, the register of letters and print bundles as PDF bytes.

Pure functions drawn straight on a reportlab canvas: no HTML engine, no platypus, the
standard Type-1 fonts (nothing embedded) and the QR as vector rectangles, so a letter
renders in about ten milliseconds (two thirds of it computing the QR) into a file of
about 8 KB. `invariant=1` fixes the creation date and file id: the same document
always gives the same bytes. Text is folded to what the standard fonts can show.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from desa.core.formatting import format_date
from desa.letters.qr import BORDER, draw_qr, qr_rows

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


def _pdf_text(text: str) -> str:
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


def _wrap(
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


def _fit_size(
    text: str, font: str, size: float, width: float, smallest: float
) -> float:
    """The largest size up to `size` at which `text` fits in `width` (not below smallest)."""
    natural = stringWidth(text, font, size)
    if natural <= width:
        return size
    return max(smallest, size * width / natural)


def _underline(
    c: Canvas, x: float, y: float, width: float, weight: float = 0.8
) -> None:
    c.setLineWidth(weight)
    c.line(x, y, x + width, y)


# ------------------------------------------------------------------ page handling


class _PagedCanvas(Canvas):
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


def _canvas(
    buf: io.BytesIO,
    pagesize: tuple[float, float],
    footer: Callable[[Canvas, int, int], None],
    *,
    title: str,
    author: str,
    subject: str,
) -> _PagedCanvas:
    c = _PagedCanvas(buf, footer, pagesize=pagesize, invariant=1, pageCompression=1)
    c.setTitle(_pdf_text(title))
    c.setAuthor(_pdf_text(author))
    c.setSubject(_pdf_text(subject))
    c.setCreator(CREATOR)
    return c


def _page_number(
    c: Canvas, number: int, total: int, y: float, page_w: float, only_if_many: bool
) -> None:
    if only_if_many and total < 2:
        return
    c.setFont(SANS, 8)
    c.setFillGray(0.3)
    c.drawCentredString(page_w / 2, y, f"Halaman {number} dari {total}")
    c.setFillGray(0)


# ------------------------------------------------------------------------ letters


def _kop_lines(head: Letterhead) -> tuple[str, str, str]:
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


def _logo(path: str | None) -> ImageReader | None:
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


def _draw_letterhead(c: Canvas, head: Letterhead) -> float:
    """Draws the kop surat; returns the y just under its double rule."""
    lines = _kop_lines(head)
    logo = _logo(head.logo_path)
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
        text = _pdf_text(text)
        c.setFont(font, _fit_size(text, font, size, room, 8))
        c.drawCentredString(centre, y, text)
        y -= step
    if head.address:
        address = _pdf_text(" ".join(head.address.split()))
        y -= 14
        c.setFont(SERIF_ITALIC, _fit_size(address, SERIF_ITALIC, 10.5, room, 7))
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


def _draw_watermark(c: Canvas) -> None:
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


class _LetterFlow:
    """A cursor down the page that starts a new page when the next block will not fit."""

    def __init__(self, c: Canvas, doc: LetterDocument) -> None:
        self.c = c
        self.doc = doc
        if doc.draft:
            _draw_watermark(c)
        self.y = _draw_letterhead(c, doc.letterhead)

    def need(self, height: float) -> None:
        if self.y - height >= BOTTOM:
            return
        self.c.showPage()
        if self.doc.draft:
            _draw_watermark(self.c)
        # Continuation pages say which letter they belong to.
        self.c.setFont(SERIF_ITALIC, 9)
        self.c.setFillGray(0.3)
        label = self.doc.title if self.doc.draft else f"Nomor: {self.doc.number or '—'}"
        self.c.drawRightString(RIGHT, TOP - 4, _pdf_text(f"Lanjutan — {label}"))
        self.c.setFillGray(0)
        self.y = TOP - 20
        self.c.setFont(SERIF, BODY_SIZE)

    def paragraph(self, text: str) -> None:
        """A justified paragraph, first line indented; a `\\n` in it breaks the line."""
        c = self.c
        for n, part in enumerate(_pdf_text(text).split("\n")):
            indent = INDENT if n == 0 else 0
            lines = _wrap(part, SERIF, BODY_SIZE, WIDTH, WIDTH - indent)
            for i, line in enumerate(lines):
                self.need(LEADING)
                self.y -= LEADING
                x = LEFT + (indent if i == 0 else 0)
                width = RIGHT - x
                t = c.beginText(x, self.y + 4)
                t.setFont(SERIF, BODY_SIZE)
                gaps = line.count(" ")
                if i < len(lines) - 1 and gaps:
                    spare = width - stringWidth(line, SERIF, BODY_SIZE)
                    t.setWordSpace(spare / gaps)
                    t.textOut(line)
                    t.setWordSpace(0)  # Tw outlives the text object; reset it
                else:
                    t.textOut(line)
                c.drawText(t)
        self.y -= PARAGRAPH_GAP

    def data_rows(self, rows: Iterable[tuple[str, str]]) -> None:
        """The `label : value` block, values wrapped beside their colon."""
        rows = [(_pdf_text(k), _pdf_text(v or "-")) for k, v in rows]
        if not rows:
            return
        c = self.c
        x_label = LEFT + INDENT
        widest = max(stringWidth(k, SERIF, BODY_SIZE) for k, _ in rows)
        label_w = min(widest + 8, 62 * mm)
        x_colon = x_label + label_w
        x_value = x_colon + 10
        for label, value in rows:
            labels = _wrap(label, SERIF, BODY_SIZE, label_w - 8)
            values = [
                line
                for part in value.split("\n")
                for line in _wrap(part, SERIF, BODY_SIZE, RIGHT - x_value)
            ]
            count = max(len(labels), len(values))
            if count <= 6:  # keep a row together; only a very long value may split
                self.need(count * LEADING)
            c.setFont(SERIF, BODY_SIZE)
            for i in range(count):
                self.need(LEADING)
                self.y -= LEADING
                base = self.y + 4
                if i < len(labels):
                    c.drawString(x_label, base, labels[i])
                if i == 0:
                    c.drawString(x_colon, base, ":")
                if i < len(values):
                    c.drawString(x_value, base, values[i])
        self.y -= PARAGRAPH_GAP

    def title_block(self) -> None:
        doc, c = self.doc, self.c
        self.y -= 10
        for line in _wrap(_pdf_text(doc.title.upper()), SERIF_BOLD, 14, WIDTH):
            self.y -= 18
            width = stringWidth(line, SERIF_BOLD, 14)
            c.setFont(SERIF_BOLD, 14)
            c.drawCentredString((LEFT + RIGHT) / 2, self.y, line)
            _underline(c, (LEFT + RIGHT - width) / 2, self.y - 2.2, width)
        number = "—" if doc.draft or not doc.number else doc.number
        self.y -= LEADING
        c.setFont(SERIF, BODY_SIZE)
        c.drawCentredString((LEFT + RIGHT) / 2, self.y, _pdf_text(f"Nomor: {number}"))
        self.y -= 10

    def addressee(self) -> None:
        if not self.doc.addressee:
            return
        c = self.c
        self.y -= 6
        c.setFont(SERIF, BODY_SIZE)
        for part in _pdf_text(self.doc.addressee).split("\n"):
            for line in _wrap(part, SERIF, BODY_SIZE, WIDTH * 0.62):
                self.need(LEADING)
                self.y -= LEADING
                c.drawString(LEFT, self.y + 4, line)
        self.y -= 10

    def closing(self) -> None:
        """Place and date, signer, the signature space, and the QR at the bottom left."""
        doc, c = self.doc, self.c
        titles: list[str] = []
        for part in _pdf_text(doc.signer_title).split("\n"):
            titles += _wrap(part, SERIF, BODY_SIZE, SIGN_WIDTH)
        name = _pdf_text(doc.signer_name)
        name_size = _fit_size(name, SERIF_BOLD, BODY_SIZE, SIGN_WIDTH, 8)
        sign_h = LEADING * (1 + len(titles)) + SIGN_SPACE + LEADING
        qr = doc.qr_url if doc.qr_url and not doc.draft else None
        qr_h = QR_SIZE + 22 if qr else 0
        self.need(max(sign_h, qr_h) + 14)
        self.y -= 14
        top = self.y
        centre = RIGHT - SIGN_WIDTH / 2
        c.setFont(SERIF, BODY_SIZE)
        y = top - LEADING
        c.drawCentredString(centre, y + 4, _pdf_text(doc.place_date))
        for line in titles:
            y -= LEADING
            c.drawCentredString(centre, y + 4, line)
        y -= SIGN_SPACE + LEADING
        c.setFont(SERIF_BOLD, name_size)
        c.drawCentredString(centre, y + 4, name)
        width = stringWidth(name, SERIF_BOLD, name_size)
        _underline(c, centre - width / 2, y + 2, width)
        if qr:
            self._qr(qr, top)
        self.y = min(y, top - qr_h)

    def _qr(self, url: str, top: float) -> None:
        c = self.c
        # The drawing includes the quiet zone; shift it so the code lines up with the text.
        quiet = BORDER * QR_SIZE / len(qr_rows(url))
        draw_qr(c, url, LEFT - quiet, top - QR_SIZE + quiet, QR_SIZE)
        y = top - QR_SIZE + quiet - 6
        c.setFont(SANS, 7)
        c.drawString(LEFT, y, "Pindai untuk memeriksa keaslian")
        c.setFillGray(0.35)
        c.drawString(LEFT, y - 8.5, _pdf_text(urlsplit(url).netloc or url))
        c.setFillGray(0)


def _letter_footer(c: Canvas, number: int, total: int) -> None:
    _page_number(c, number, total, 8 * mm, PAGE_W, only_if_many=True)


def render_letter(doc: LetterDocument) -> bytes:
    """One letter (A4 portrait) as PDF bytes; the same document gives the same bytes."""
    buf = io.BytesIO()
    head = doc.letterhead
    number = "" if doc.draft or not doc.number else f" {doc.number}"
    c = _canvas(
        buf,
        A4,
        _letter_footer,
        title=f"{doc.title}{number}",
        author=f"Pemerintah {head.village_title}",
        subject=f"{head.village_title}, {head.district}, {head.regency}, {head.province}",
    )
    flow = _LetterFlow(c, doc)
    flow.title_block()
    flow.addressee()
    flow.y -= 4
    for text in doc.paragraphs_before:
        flow.paragraph(text)
    flow.data_rows(doc.data_rows)
    for text in doc.paragraphs_after:
        flow.paragraph(text)
    if doc.valid_until:
        flow.need(LEADING)
        flow.y -= LEADING
        c.setFont(SERIF_ITALIC, 11)
        c.drawString(LEFT, flow.y + 4, _pdf_text(doc.valid_until))
    flow.closing()
    c.showPage()
    c.save()
    return buf.getvalue()


# ----------------------------------------------------------------------- register

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
STATUS_LABELS = {"draft": "Draf", "issued": "Terbit", "revoked": "Dicabut"}
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
            value = value.date()
        if isinstance(value, dt.date):
            return format_date(value)
        return _pdf_text(str(value))
    return ""


def _register_widths() -> list[float]:
    fixed = sum(w for _h, _k, w in REGISTER_COLUMNS if w is not None)
    rest = REG_W - 2 * REG_MARGIN - fixed
    return [rest if w is None else w for _h, _k, w in REGISTER_COLUMNS]


def _register_footer(c: Canvas, number: int, total: int) -> None:
    _page_number(c, number, total, 8 * mm, REG_W, only_if_many=False)


def render_register(title: str, period: str, rows: list[dict]) -> bytes:
    """The Buku Register Surat: a landscape A4 table repeating its header on each page.

    Each row is a dict with `number`, `date` (a date or text), `type`, `name`,
    `purpose`, `status` ("draft"/"issued"/"revoked" or any label) and optionally `no`
    (the position in the list by default). Indonesian keys (`nomor`, `tanggal`,
    `jenis`, `nama`, `keperluan`) are accepted too.
    """
    buf = io.BytesIO()
    c = _canvas(
        buf,
        landscape(A4),
        _register_footer,
        title=f"{title} — {period}",
        author=title,
        subject=f"Buku Register Surat {period}",
    )
    widths = _register_widths()
    xs = [REG_MARGIN]
    for w in widths:
        xs.append(xs[-1] + w)
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
        c.setLineWidth(0.5)
        c.line(xs[0], top, xs[-1], top)
        c.line(xs[0], low, xs[-1], low)
        for x in xs:
            c.line(x, top, x, low)

    def first_page_heading() -> float:
        y = REG_H - REG_MARGIN - 4
        c.setFont(SANS_BOLD, 13)
        c.drawCentredString(REG_W / 2, y, _pdf_text(title.upper()))
        c.setFont(SANS, 10)
        c.drawCentredString(REG_W / 2, y - 15, _pdf_text(f"Periode: {period}"))
        return y - 28

    def later_heading() -> float:
        y = REG_H - REG_MARGIN + 2
        c.setFont(SANS_ITALIC, 8)
        c.setFillGray(0.3)
        c.drawString(REG_MARGIN, y, _pdf_text(f"{title} — {period} (lanjutan)"))
        c.setFillGray(0)
        return y - 8

    y = header(first_page_heading())
    if not rows:
        h = REG_LEADING + 2 * REG_PAD
        c.setFont(SANS_ITALIC, REG_SIZE)
        c.drawCentredString(REG_W / 2, y - REG_PAD - REG_SIZE + 0.5,
                            "Tidak ada surat pada periode ini.")  # fmt: skip
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
            cells.append(_wrap(text, SANS, REG_SIZE, w - 2 * REG_PAD) if text else [])
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
