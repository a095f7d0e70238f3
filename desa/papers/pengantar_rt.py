"""The RT's surat pengantar for KTP-el recording, one page per booking.

Addressed to the Kepala Desa: the RT head "menerangkan bahwa" the resident (their
own paper, so the NIK and KK in full) lives in the RT and asks for KTP-el
recording at the booked session. There is no RT letter sequence in desa, so the
number is left for the RT head to write; the head's name is the RT's recorded
head (`Area.head`), or a dotted line. The ticket's code is a QR in the bottom
margin, as on F-1.21.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlalchemy import select

from desa.appointments.calendar import format_time, zone_label
from desa.appointments.models import Booking
from desa.core.formatting import format_date, format_day_date
from desa.core.village import current_zone, get_village
from desa.documents.drawing import (
    SERIF,
    SERIF_BOLD,
    SERIF_ITALIC,
    fit_size,
    new_canvas,
    pdf_text,
    wrap,
)
from desa.documents.qr import draw_qr
from desa.extensions import db
from desa.papers.f121 import address_of
from desa.residents.forms import SEX_LABELS
from desa.residents.models import Area

PAGE_W, PAGE_H = A4
LEFT, RIGHT = 25 * mm, PAGE_W - 20 * mm
DOTS = "." * 45


@dataclass(frozen=True)
class Pengantar:
    """What one RT pengantar shows."""

    rt: str
    rw: str
    dusun: str
    village_title: str
    village_name: str
    district: str
    regency: str
    facts: tuple[tuple[str, str], ...]
    session_line: str
    head_name: str  # "" when the RT has no recorded head
    signed_on: str
    queue_number: int
    code: str


def _plain(prefix: str, name: str) -> str:
    name = name.strip()
    return (
        name[len(prefix) + 1 :]
        if name.lower().startswith(prefix.lower() + " ")
        else name
    )


def rt_heads(bookings: Iterable[Booking]) -> dict[tuple[str, str], str]:
    """The recorded head's name of each (rw, rt) the bookings' residents live in."""
    keys = {(b.resident.rw or "", b.resident.rt or "") for b in bookings}
    if not keys:
        return {}
    rows = db.session.execute(
        select(Area).where(
            Area.rw.in_({k[0] for k in keys}), Area.rt.in_({k[1] for k in keys})
        )
    ).scalars()
    return {(a.rw, a.rt): a.head.name for a in rows if a.head is not None}


def pengantar_of(
    booking: Booking, village, zone: str, head_name: str, today
) -> Pengantar:
    r = booking.resident
    s = booking.session
    born = ", ".join(p for p in (r.birth_place or "", format_date(r.birth_date)) if p)
    facts = (
        (_("Nama"), r.name),
        (_("NIK"), r.nik),
        (_("Nomor KK"), r.kk or "-"),
        (_("Tempat/tanggal lahir"), born or "-"),
        (_("Jenis kelamin"), str(SEX_LABELS.get(r.sex, r.sex or "-"))),
        (_("Agama"), r.religion or "-"),
        (_("Pekerjaan"), r.occupation or "-"),
        (_("Alamat"), address_of(r) or "-"),
    )
    session_line = _(
        "%(d)s, pukul %(t)s %(z)s, di %(p)s",
        d=format_day_date(s.date),
        t=format_time(booking.estimated_time),
        z=zone,
        p=s.place,
    )
    return Pengantar(
        rt=r.rt or "…",
        rw=r.rw or "…",
        dusun=r.dusun or "",
        village_title=village.title,
        village_name=village.name,
        district=_plain("Kecamatan", village.district),
        regency=_plain("Kabupaten", village.regency),
        facts=facts,
        session_line=session_line,
        head_name=head_name,
        signed_on=format_date(today),
        queue_number=booking.queue_number,
        code=booking.code,
    )


def _centred(c, text: str, y: float, font: str, size: float) -> None:
    text = pdf_text(text)
    c.setFont(font, fit_size(text, font, size, RIGHT - LEFT, 8))
    c.drawCentredString((LEFT + RIGHT) / 2, y, text)


def _paragraph(c, text: str, y: float, size: float = 11.5, indent: float = 0) -> float:
    for line in wrap(pdf_text(text), SERIF, size, RIGHT - LEFT - indent):
        c.setFont(SERIF, size)
        c.drawString(LEFT + indent, y, line)
        y -= size * 1.45
    return y


def draw_page(c, p: Pengantar) -> None:
    y = PAGE_H - 22 * mm
    _centred(
        c,
        _("RUKUN TETANGGA (RT) %(rt)s RUKUN WARGA (RW) %(rw)s", rt=p.rt, rw=p.rw),
        y,
        SERIF_BOLD,
        14,
    )
    y -= 6.5 * mm
    _centred(
        c,
        f"{p.village_title} — " + _("Kecamatan %(d)s", d=p.district),
        y,
        SERIF_BOLD,
        13,
    )
    y -= 6 * mm
    _centred(c, _("Kabupaten %(r)s", r=p.regency), y, SERIF_BOLD, 12)
    y -= 4 * mm
    c.setLineWidth(2)
    c.line(LEFT, y, RIGHT, y)
    c.setLineWidth(0.6)
    c.line(LEFT, y - 1.2 * mm, RIGHT, y - 1.2 * mm)
    y -= 12 * mm
    title = pdf_text(_("SURAT PENGANTAR"))
    _centred(c, title, y, SERIF_BOLD, 13)
    half = stringWidth(title, SERIF_BOLD, 13) / 2
    c.setLineWidth(0.8)
    c.line((LEFT + RIGHT) / 2 - half, y - 1.5, (LEFT + RIGHT) / 2 + half, y - 1.5)
    y -= 6 * mm
    _centred(c, _("Nomor: %(n)s", n="." * 30), y, SERIF, 11.5)
    y -= 12 * mm
    c.setFont(SERIF, 11.5)
    for line in (
        _("Kepada Yth."),
        _("Kepala %(v)s", v=p.village_title),
        _("di tempat"),
    ):
        c.drawString(LEFT, y, pdf_text(line))
        y -= 5.5 * mm
    y -= 5 * mm
    area = _("RT %(rt)s RW %(rw)s", rt=p.rt, rw=p.rw)
    if p.dusun:
        area += ", " + _("Dusun %(d)s", d=p.dusun)
    y = _paragraph(
        c,
        _(
            "Yang bertanda tangan di bawah ini, Ketua %(a)s, %(v)s, Kecamatan %(d)s, "
            "Kabupaten %(r)s, menerangkan bahwa:",
            a=area,
            v=p.village_title,
            d=p.district,
            r=p.regency,
        ),
        y,
    )
    y -= 3 * mm
    label_w = 48 * mm
    for label, value in p.facts:
        c.setFont(SERIF, 11.5)
        c.drawString(LEFT + 8 * mm, y, pdf_text(label))
        c.drawString(LEFT + 8 * mm + label_w, y, ":")
        lines = wrap(
            pdf_text(value), SERIF_BOLD, 11.5, RIGHT - LEFT - 12 * mm - label_w
        )
        for i, line in enumerate(lines[:2]):
            c.setFont(SERIF_BOLD if label in (_("Nama"), _("NIK")) else SERIF, 11.5)
            c.drawString(LEFT + 11 * mm + label_w, y - i * 5.5 * mm, line)
        y -= 6.5 * mm + (5.5 * mm if len(lines) > 1 else 0)
    y -= 3 * mm
    y = _paragraph(
        c,
        _(
            "adalah benar warga kami yang bertempat tinggal di alamat tersebut di atas. "
            "Surat pengantar ini diberikan untuk keperluan perekaman KTP-el pada "
            "%(s)s.",
            s=p.session_line,
        ),
        y,
    )
    y -= 2 * mm
    y = _paragraph(
        c,
        _(
            "Demikian surat pengantar ini dibuat untuk dipergunakan sebagaimana mestinya."
        ),
        y,
    )
    y -= 10 * mm
    centre = RIGHT - 35 * mm
    c.setFont(SERIF, 11.5)
    c.drawCentredString(centre, y, pdf_text(f"{p.village_name}, {p.signed_on}"))
    y -= 5.5 * mm
    c.drawCentredString(
        centre, y, pdf_text(_("Ketua RT %(rt)s / RW %(rw)s", rt=p.rt, rw=p.rw))
    )
    y -= 25 * mm
    if p.head_name:
        name = pdf_text(p.head_name)
        c.setFont(SERIF_BOLD, fit_size(name, SERIF_BOLD, 11.5, 68 * mm, 8))
        c.drawCentredString(centre, y, name)
        w = min(68 * mm, stringWidth(name, SERIF_BOLD, 11.5))
        c.setLineWidth(0.6)
        c.line(centre - w / 2, y - 1.5, centre + w / 2, y - 1.5)
    else:
        c.drawCentredString(centre, y, "(" + DOTS + ")")
    _margin(c, p)


def _margin(c, p: Pengantar) -> None:
    line = 36 * mm
    c.setDash(3, 2)
    c.setLineWidth(0.4)
    c.line(LEFT, line, RIGHT, line)
    c.setDash()
    qr = 26 * mm
    draw_qr(c, p.code, RIGHT - qr, 6 * mm, qr)
    c.setFont(SERIF_ITALIC, 9.5)
    c.drawString(
        LEFT,
        line - 8 * mm,
        pdf_text(
            _(
                "Nomor antrean %(q)d · Kode tiket %(c)s",
                q=p.queue_number,
                c=f"{p.code[:4]}-{p.code[4:]}",
            )
        ),
    )
    c.drawString(
        LEFT,
        line - 13 * mm,
        pdf_text(_("Bawa surat ini bersama F-1.21 dan Kartu Keluarga (KK).")),
    )


def render_pengantar(
    bookings: Iterable[Booking], today, village=None, zone: str | None = None
) -> bytes:
    """One A4 pengantar per booking, dated `today` (the day it is printed)."""
    bookings = list(bookings)
    village = village or get_village()
    zone = zone or zone_label(current_zone())
    heads = rt_heads(bookings)
    buf = io.BytesIO()
    c = new_canvas(
        buf,
        A4,
        lambda *_args: None,
        title=_("Surat pengantar RT untuk perekaman KTP-el"),
        author=village.title,
        subject=_("Surat pengantar RT"),
    )
    for b in bookings:
        key = (b.resident.rw or "", b.resident.rt or "")
        draw_page(c, pengantar_of(b, village, zone, heads.get(key, ""), today))
        c.showPage()
    c.save()
    return buf.getvalue()
