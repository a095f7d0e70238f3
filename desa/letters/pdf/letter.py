"""One letter or referral on A4, drawn as it is printed."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from desa.documents.drawing import (
    LETTER_KOP,
    SANS,
    SANS_BOLD,
    SANS_ITALIC,
    SERIF,
    SERIF_BOLD,
    SERIF_ITALIC,
    Letterhead,
    draw_kop,
    fit_size,
    new_canvas,
    page_number,
    pdf_text,
    underline,
    wrap,
)
from desa.documents.qr import BORDER, draw_qr, qr_rows

# Letter page (portrait A4), in points.
PAGE_W, PAGE_H = A4
LEFT = 25 * mm
RIGHT = PAGE_W - 20 * mm
TOP = PAGE_H - 14 * mm
BOTTOM = 20 * mm
WIDTH = RIGHT - LEFT

BODY_SIZE = 12
LEADING = 16
INDENT = 12.5 * mm  # first line of a paragraph, and the data block
PARAGRAPH_GAP = 6

# Two points a module, on whole points: at 72 dpi every module is exactly 2 × 2
# pixels, at 100 dpi 2.8, so zbar reads the code from a screen render or a cheap
# scan. A verify URL is a version 9 symbol: 61 modules with the quiet zone, 43 mm.
QR_MODULE = 2
SIGN_WIDTH = 72 * mm
SIGN_SPACE = 24 * mm  # room for the signature and the stamp

WATERMARK = "DRAF"


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


def draw_letterhead(c: Canvas, head: Letterhead) -> float:
    """Draws the kop surat; returns the y just under its double rule."""
    return draw_kop(c, head, LETTER_KOP, left=LEFT, right=RIGHT, top=TOP)


def draw_watermark(c: Canvas, page: tuple[float, float] = A4) -> None:
    """The DRAF mark across the page and the line under it (a form passes its size)."""
    page_w, page_h = page
    c.saveState()
    c.setFillGray(0.86)
    c.translate(page_w / 2, page_h / 2)
    c.rotate(50)
    c.setFont(SANS_BOLD, 170)
    c.drawCentredString(0, -60, WATERMARK)
    c.restoreState()
    c.setFont(SANS_ITALIC, 8)
    c.setFillGray(0.35)
    c.drawCentredString(
        page_w / 2,
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
            draw_watermark(c)
        self.y = draw_letterhead(c, doc.letterhead)

    def need(self, height: float) -> None:
        if self.y - height >= BOTTOM:
            return
        self.c.showPage()
        if self.doc.draft:
            draw_watermark(self.c)
        # Continuation pages say which letter they belong to.
        self.c.setFont(SERIF_ITALIC, 9)
        self.c.setFillGray(0.3)
        label = self.doc.title if self.doc.draft else f"Nomor: {self.doc.number or '—'}"
        self.c.drawRightString(RIGHT, TOP - 4, pdf_text(f"Lanjutan — {label}"))
        self.c.setFillGray(0)
        self.y = TOP - 20
        self.c.setFont(SERIF, BODY_SIZE)

    def paragraph(self, text: str) -> None:
        """A justified paragraph, first line indented; a `\\n` in it breaks the line."""
        c = self.c
        for n, part in enumerate(pdf_text(text).split("\n")):
            indent = INDENT if n == 0 else 0
            lines = wrap(part, SERIF, BODY_SIZE, WIDTH, WIDTH - indent)
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
        rows = [(pdf_text(k), pdf_text(v or "-")) for k, v in rows]
        if not rows:
            return
        c = self.c
        x_label = LEFT + INDENT
        widest = max(stringWidth(k, SERIF, BODY_SIZE) for k, _ in rows)
        label_w = min(widest + 8, 62 * mm)
        x_colon = x_label + label_w
        x_value = x_colon + 10
        for label, value in rows:
            labels = wrap(label, SERIF, BODY_SIZE, label_w - 8)
            values = [
                line
                for part in value.split("\n")
                for line in wrap(part, SERIF, BODY_SIZE, RIGHT - x_value)
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
        for line in wrap(pdf_text(doc.title.upper()), SERIF_BOLD, 14, WIDTH):
            self.y -= 18
            width = stringWidth(line, SERIF_BOLD, 14)
            c.setFont(SERIF_BOLD, 14)
            c.drawCentredString((LEFT + RIGHT) / 2, self.y, line)
            underline(c, (LEFT + RIGHT - width) / 2, self.y - 2.2, width)
        number = "—" if doc.draft or not doc.number else doc.number
        self.y -= LEADING
        c.setFont(SERIF, BODY_SIZE)
        c.drawCentredString((LEFT + RIGHT) / 2, self.y, pdf_text(f"Nomor: {number}"))
        self.y -= 10

    def addressee(self) -> None:
        if not self.doc.addressee:
            return
        c = self.c
        self.y -= 6
        c.setFont(SERIF, BODY_SIZE)
        for part in pdf_text(self.doc.addressee).split("\n"):
            for line in wrap(part, SERIF, BODY_SIZE, WIDTH * 0.62):
                self.need(LEADING)
                self.y -= LEADING
                c.drawString(LEFT, self.y + 4, line)
        self.y -= 10

    def closing(self) -> None:
        """Place and date, signer, the signature space, and the QR at the bottom left."""
        doc, c = self.doc, self.c
        titles: list[str] = []
        for part in pdf_text(doc.signer_title).split("\n"):
            titles += wrap(part, SERIF, BODY_SIZE, SIGN_WIDTH)
        name = pdf_text(doc.signer_name)
        name_size = fit_size(name, SERIF_BOLD, BODY_SIZE, SIGN_WIDTH, 8)
        sign_h = LEADING * (1 + len(titles)) + SIGN_SPACE + LEADING
        qr = doc.qr_url if doc.qr_url and not doc.draft else None
        qr_h = qr_size(qr) - _quiet(qr) + 16 if qr else 0
        self.need(max(sign_h, qr_h) + 14)
        self.y -= 14
        top = self.y
        centre = RIGHT - SIGN_WIDTH / 2
        c.setFont(SERIF, BODY_SIZE)
        y = top - LEADING
        c.drawCentredString(centre, y + 4, pdf_text(doc.place_date))
        for line in titles:
            y -= LEADING
            c.drawCentredString(centre, y + 4, line)
        y -= SIGN_SPACE + LEADING
        c.setFont(SERIF_BOLD, name_size)
        c.drawCentredString(centre, y + 4, name)
        width = stringWidth(name, SERIF_BOLD, name_size)
        underline(c, centre - width / 2, y + 2, width)
        if qr:
            self._qr(qr, top)
        self.y = min(y, top - qr_h)

    def _qr(self, url: str, top: float) -> None:
        draw_qr_block(self.c, url, LEFT, top)


def draw_qr_block(c: Canvas, url: str, left: float, top: float) -> float:
    """The letter's QR with its caption, the code's corner at (left, top); returns
    the y under the caption. Forms in another office's layout use it too."""
    # The drawing includes the quiet zone; shift it so the code lines up with
    # the text, its corner on a whole point.
    size, quiet = qr_size(url), _quiet(url)
    x, y0 = round(left - quiet), round(top + quiet - size)
    draw_qr(c, url, x, y0, size)
    y = y0 - 2  # below the quiet zone: nothing printed inside it
    c.setFont(SANS, 7)
    c.drawString(left, y, "Pindai untuk memeriksa keaslian")
    c.setFillGray(0.35)
    c.drawString(left, y - 8.5, pdf_text(urlsplit(url).netloc or url))
    c.setFillGray(0)
    return y - 8.5


def qr_block_height(url: str) -> float:
    """The height `draw_qr_block` takes below `top`, caption included."""
    return qr_size(url) - _quiet(url) + 14


def qr_size(url: str) -> int:
    """The printed side of the code in points, quiet zone included."""
    return len(qr_rows(url)) * QR_MODULE


def _quiet(url: str) -> int:
    return BORDER * QR_MODULE


def _letter_footer(c: Canvas, number: int, total: int) -> None:
    page_number(c, number, total, 8 * mm, PAGE_W, only_if_many=True)


def render_letter(doc: LetterDocument) -> bytes:
    """One letter (A4 portrait) as PDF bytes; the same document gives the same bytes."""
    buf = io.BytesIO()
    head = doc.letterhead
    number = "" if doc.draft or not doc.number else f" {doc.number}"
    c = new_canvas(
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
        c.drawString(LEFT, flow.y + 4, pdf_text(doc.valid_until))
    flow.closing()
    c.showPage()
    c.save()
    return buf.getvalue()
