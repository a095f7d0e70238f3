"""Tickets and sealed PIN slips as PDF bytes (reportlab canvas, standard fonts)."""

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
