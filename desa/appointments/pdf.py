"""Tickets, sealed PIN slips and the queue list as PDF bytes (reportlab canvas,
standard fonts)."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from desa.documents.drawing import (
    LIST_KOP,
    Letterhead,
    column_edges,
    draw_kop,
    new_canvas,
    page_number,
    table_grid,
    wrap,
)
from desa.documents.qr import draw_qr

SANS, BOLD = "Helvetica", "Helvetica-Bold"
# The PIN slip's QR of the sign-in address: 33 mm keeps a module of a typical
# address (version 3, 37 modules with the quiet zone) at 2.5 px in a 72 dpi copy.
SLIP_QR = 33 * mm


def _text(value: object) -> str:
    """What the standard fonts can show (WinAnsi); anything else is transliterated."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return text.encode("cp1252", "replace").decode("cp1252")


@dataclass(frozen=True)
class Ticket:
    village: str
    name: str
    nik_masked: str
    day: str
    time: str
    place: str
    queue_number: int
    code: str
    bring: str
    address: str = ""


def render_ticket(t: Ticket) -> bytes:
    """One A6 ticket: session, place, queue number, estimated time, QR with the code."""
    buf = io.BytesIO()
    width, height = A6
    c = Canvas(buf, pagesize=A6, invariant=1, pageCompression=1)
    c.setTitle(_text(_("Tiket perekaman e-KTP %(c)s", c=t.code)))
    c.setAuthor(_text(t.village))
    left, y = 8 * mm, height - 12 * mm
    c.setFont(BOLD, 11)
    c.drawString(left, y, _text(t.village.upper()))
    y -= 5.5 * mm
    c.setFont(SANS, 9)
    c.drawString(left, y, _text(_("TIKET PEREKAMAN e-KTP")))
    c.line(left, y - 2.5 * mm, width - left, y - 2.5 * mm)
    y -= 9 * mm
    c.setFont(BOLD, 12)
    c.drawString(left, y, _text(t.name)[:40])
    y -= 4.5 * mm
    c.setFont(SANS, 8.5)
    c.drawString(left, y, _text(_("NIK %(n)s", n=t.nik_masked)))
    y -= 8 * mm
    for label, value in (
        (_("Hari/tanggal"), t.day),
        (_("Perkiraan jam"), t.time),
        (_("Tempat"), t.place),
        (_("Alamat"), t.address),
    ):
        if not value:
            continue
        c.setFont(SANS, 7.5)
        c.drawString(left, y, _text(label))
        c.setFont(BOLD, 9.5)
        c.drawString(left + 24 * mm, y, _text(value)[:48])
        y -= 5 * mm
    y -= 2 * mm
    c.setFont(SANS, 7.5)
    c.drawString(left, y, _text(_("Nomor antrean")))
    c.setFont(BOLD, 30)
    c.drawString(left, y - 11 * mm, str(t.queue_number))
    qr = 30 * mm
    draw_qr(c, t.code, width - left - qr, y - 20 * mm, qr)
    c.setFont(SANS, 7.5)
    c.drawString(left, y - 17 * mm, _text(_("Kode tiket")))
    c.setFont("Courier-Bold", 12)
    c.drawString(left, y - 22 * mm, f"{t.code[:4]}-{t.code[4:]}")
    y -= 31 * mm
    c.setFont(BOLD, 8.5)
    c.drawString(left, y, _text(_("Yang dibawa:")))
    c.setFont(SANS, 8.5)
    c.drawString(left + 20 * mm, y, _text(t.bring))
    y -= 4.5 * mm
    c.setFont(SANS, 7)
    c.drawString(
        left, y, _text(_("Tunjukkan tiket ini (kertas atau layar HP) kepada petugas."))
    )
    c.showPage()
    c.save()
    return buf.getvalue()


@dataclass(frozen=True)
class PinSlip:
    name: str
    nik_masked: str
    area: str
    pin: str


def render_pin_slips(village: str, login_url: str, slips: list[PinSlip]) -> bytes:
    """A4 pages of eight slips; each folds so that the PIN is inside, then is sealed."""
    buf = io.BytesIO()
    width, height = A4
    c = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(_text(_("Slip PIN layanan mandiri warga")))
    slip_w, slip_h = width / 2, height / 4
    for i, slip in enumerate(slips):
        if i and i % 8 == 0:
            c.showPage()
        col, row = i % 2, (i % 8) // 2
        x, top = col * slip_w, height - row * slip_h
        _slip(c, x, top, slip_w, slip_h, village, login_url, slip)
    if not slips:
        c.setFont(SANS, 11)
        c.drawString(
            20 * mm, height - 30 * mm, _text(_("Tidak ada warga untuk dibuatkan PIN."))
        )
    c.showPage()
    c.save()
    return buf.getvalue()


def _slip(
    c: Canvas,
    x: float,
    top: float,
    w: float,
    h: float,
    village: str,
    login_url: str,
    s: PinSlip,
) -> None:
    pad = 7 * mm
    c.setDash(3, 3)
    c.setLineWidth(0.4)
    c.rect(x + 2 * mm, top - h + 2 * mm, w - 4 * mm, h - 4 * mm)  # cut line
    fold = top - h / 2
    c.line(x + 4 * mm, fold, x + w - 4 * mm, fold)  # fold line
    c.setDash()
    c.setFont(SANS, 6.5)
    c.drawRightString(
        x + w - pad, fold + 1.2 * mm, _text(_("lipat di sini, lalu rekatkan"))
    )
    c.setFont(BOLD, 9)
    c.drawString(x + pad, top - 10 * mm, _text(village.upper())[:44])
    c.setFont(SANS, 8)
    c.drawString(x + pad, top - 14.5 * mm, _text(_("RAHASIA - hanya untuk:")))
    c.setFont(BOLD, 11)
    c.drawString(x + pad, top - 20 * mm, _text(s.name)[:34])
    c.setFont(SANS, 8)
    c.drawString(
        x + pad,
        top - 24.5 * mm,
        _text(_("NIK %(n)s", n=s.nik_masked) + f"  {s.area}")[:60],
    )
    # Inside, beside the PIN: the sign-in address as a QR code big enough for a
    # phone camera (it decodes from a 72 dpi rendering), and as text.
    qr = min(SLIP_QR, h / 2 - 4 * mm)
    qr_x = x + w - 3 * mm - qr
    draw_qr(c, login_url, qr_x, fold - 2 * mm - qr, qr)
    column = qr_x - (x + pad) - 1 * mm
    inner = fold - 6 * mm
    c.setFont(SANS, 8)
    c.drawString(x + pad, inner, _text(_("PIN layanan mandiri Anda:")))
    c.setFont("Courier-Bold", 22)
    c.drawString(x + pad, inner - 8.5 * mm, s.pin)
    y = inner - 13 * mm
    c.setFont(SANS, 7)
    c.drawString(x + pad, y, _text(_("Pindai kode QR atau buka:")))
    y -= 3.4 * mm
    url = _text(login_url)
    size = 7.0
    while size > 4.5 and stringWidth(url, BOLD, size) > column:
        size -= 0.25
    c.setFont(BOLD, size)
    c.drawString(x + pad, y, url)
    c.setFont(SANS, 7)
    text = _(
        "lalu masuk dengan NIK dan PIN ini untuk memesan jadwal perekaman e-KTP. "
        "Jangan beritahukan PIN kepada siapa pun."
    )
    for line in simpleSplit(_text(text), SANS, 7, column)[:3]:
        y -= 3.2 * mm
        c.drawString(x + pad, y, line)


# --------------------------------------------------------------- the queue list


@dataclass(frozen=True)
class QueueRow:
    queue_number: int
    when: str  # the estimated time, or the address on a home visit
    name: str
    nik_masked: str
    area: str  # RT/RW
    present: bool
    recorded: bool


@dataclass(frozen=True)
class QueueList:
    head: Letterhead
    facts: tuple[tuple[str, str], ...]  # (label, value) under the title
    home_visit: bool  # the address column instead of the estimated time
    rows: tuple[QueueRow, ...]
    bring: str  # the sentence on the papers to bring
    continued: str  # the line over the table on the pages after the first
    printed: str


Q_W, Q_H = A4
Q_MARGIN = 15 * mm
Q_BOTTOM = 18 * mm
Q_SIZE = 9.0
Q_LEADING = 11.0
Q_PAD = 4.0
Q_BOX = 4 * mm


def _queue_footer(c: Canvas, number: int, total: int) -> None:
    page_number(c, number, total, 9 * mm, Q_W, only_if_many=False)


def _kop(c: Canvas, head: Letterhead, top: float) -> float:
    """The letterhead across the portrait page; the y under its double rule."""
    return draw_kop(
        c, head, LIST_KOP, left=Q_MARGIN, right=Q_W - Q_MARGIN, top=top, text=_text
    )


def _box(c: Canvas, x: float, y: float, ticked: bool) -> None:
    """A square to tick by hand (ticked already when the desk knows)."""
    c.setLineWidth(0.8)
    c.rect(x, y, Q_BOX, Q_BOX, stroke=1, fill=0)
    if ticked:
        c.setLineWidth(1.4)
        path = c.beginPath()
        path.moveTo(x + 0.8 * mm, y + 2.1 * mm)
        path.lineTo(x + 1.7 * mm, y + 0.9 * mm)
        path.lineTo(x + 3.4 * mm, y + 3.3 * mm)
        c.drawPath(path, stroke=1, fill=0)


def render_queue_list(q: QueueList) -> bytes:
    """The session's queue as A4 pages for the recording point: the table repeats
    its header on every page, each page says "Halaman i dari N"."""
    buf = io.BytesIO()
    title = _("Daftar antrean perekaman e-KTP")
    c = new_canvas(
        buf,
        A4,
        _queue_footer,
        title=title,
        author=q.head.village_title,
        subject=title,
    )
    headings = [
        _("No. antrean"),
        _("Alamat") if q.home_visit else _("Perkiraan jam"),
        _("Nama"),
        _("NIK"),
        _("RT/RW"),
        _("Hadir"),
        _("Terekam"),
    ]
    widths_mm = [16, 46 if q.home_visit else 18, 0, 33, 16, 13, 16]
    widths = [w * mm for w in widths_mm]
    widths[2] = Q_W - 2 * Q_MARGIN - sum(widths)
    xs = column_edges(Q_MARGIN, widths)
    wrapped = [
        wrap(_text(h), BOLD, Q_SIZE - 0.5, w - 2 * Q_PAD)
        for h, w in zip(headings, widths, strict=True)
    ]
    header_h = max(len(lines) for lines in wrapped) * Q_LEADING + 2 * Q_PAD

    def header(y: float) -> float:
        c.setFillGray(0.88)
        c.rect(xs[0], y - header_h, xs[-1] - xs[0], header_h, stroke=0, fill=1)
        c.setFillGray(0)
        c.setFont(BOLD, Q_SIZE - 0.5)
        for lines, x in zip(wrapped, xs, strict=False):
            for i, line in enumerate(lines):
                c.drawString(x + Q_PAD, y - Q_PAD - Q_SIZE + 1 - i * Q_LEADING, line)
        table_grid(c, xs, y, y - header_h, 0.5)
        return y - header_h

    def later_heading() -> float:
        y = Q_H - Q_MARGIN
        c.setFont(SANS, 8.5)
        c.setFillGray(0.3)
        c.drawString(Q_MARGIN, y, _text(q.continued))
        c.setFillGray(0)
        return y - 8

    y = _kop(c, q.head, Q_H - 12 * mm) - 18
    c.setFont(BOLD, 12.5)
    c.drawCentredString(Q_W / 2, y, _text(_("DAFTAR ANTREAN PEREKAMAN e-KTP")))
    y -= 16
    label_w = max(stringWidth(_text(label), SANS, 9) for label, _v in q.facts) + 8
    for label, value in q.facts:
        c.setFont(SANS, 9)
        c.drawString(Q_MARGIN, y, _text(label))
        lines = wrap(_text(value), BOLD, 9, Q_W - 2 * Q_MARGIN - label_w)
        c.setFont(BOLD, 9)
        for line in lines:
            c.drawString(Q_MARGIN + label_w, y, line)
            y -= 12
    c.setFont(SANS, 7.5)
    c.setFillGray(0.3)
    c.drawRightString(Q_W - Q_MARGIN, y + 12, _text(q.printed))
    c.setFillGray(0)
    y = header(y - 4)
    if not q.rows:
        h = Q_LEADING + 2 * Q_PAD
        c.setFont(SANS, Q_SIZE)
        c.drawCentredString(
            Q_W / 2, y - Q_PAD - Q_SIZE + 1, _text(_("Belum ada yang memesan."))
        )
        c.setLineWidth(0.5)
        c.rect(xs[0], y - h, xs[-1] - xs[0], h, stroke=1, fill=0)
        y -= h
    for row in q.rows:
        texts = [str(row.queue_number), row.when, row.name, row.nik_masked, row.area]
        cells = [
            wrap(_text(t), SANS, Q_SIZE, w - 2 * Q_PAD) if t else []
            for t, w in zip(texts, widths, strict=False)
        ]
        lines = max(1, *(len(cell) for cell in cells))
        h = max(lines * Q_LEADING + 2 * Q_PAD, Q_BOX + 2 * Q_PAD + 2)
        if y - h < Q_BOTTOM:
            c.showPage()
            y = header(later_heading())
        for column, cell in enumerate(cells):
            font = BOLD if column == 0 else SANS
            c.setFont(font, Q_SIZE + (1 if column == 0 else 0))
            for i, line in enumerate(cell):
                base = y - Q_PAD - Q_SIZE + 1 - i * Q_LEADING
                if column == 0:
                    c.drawRightString(xs[1] - Q_PAD, base, line)
                else:
                    c.drawString(xs[column] + Q_PAD, base, line)
        for column, ticked in ((5, row.present), (6, row.recorded)):
            centre = (xs[column] + xs[column + 1]) / 2
            _box(c, centre - Q_BOX / 2, y - Q_PAD - Q_BOX - 1, ticked)
        table_grid(c, xs, y, y - h, 0.5)
        y -= h
    foot = [
        _("Jumlah: %(n)d orang", n=len(q.rows)),
        q.bring,
    ]
    needed = 14 * len(foot) + 40
    if y - needed < Q_BOTTOM:
        c.showPage()
        y = later_heading()
    y -= 6
    for i, line in enumerate(foot):
        font = BOLD if i else SANS
        for part in wrap(_text(line), font, 9.5, Q_W - 2 * Q_MARGIN):
            y -= 13
            c.setFont(font, 9.5)
            c.drawString(Q_MARGIN, y, part)
    y -= 30
    c.setFont(SANS, 9.5)
    c.drawString(
        Q_W - Q_MARGIN - 75 * mm,
        y,
        _text(_("Petugas perekaman:") + " ______________________"),
    )
    c.showPage()
    c.save()
    return buf.getvalue()
