"""F-1.21, the KTP-el application form ("Formulir Permohonan Kartu Tanda Penduduk
(KTP) Warga Negara Indonesia"), pre-filled from recording bookings.

The form follows Disdukcapil's layout: the F-1.21 box, the notes, the region rows
with their Kemendagri codes in boxes, the kind of application (A. Baru is ticked
for a first recording), name, KK and NIK one character a box, the address with
RT/RW and postal code, the photo, thumbprint and signature boxes, and the
signatures (Camat, Kepala Desa, the applicant). It is the applicant's own paper,
so the NIK and KK are printed in full. The booking's ticket code is a QR in the
bottom margin, under a cut line, clear of the form: the check-in desk scans it
as it scans the ticket.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from desa.appointments.calendar import format_time, zone_label
from desa.appointments.models import Booking
from desa.core.formatting import format_date, format_day_date
from desa.core.village import current_zone, get_village
from desa.documents.drawing import (
    SANS,
    SANS_BOLD,
    SANS_ITALIC,
    fit_size,
    new_canvas,
    pdf_text,
    wrap,
)
from desa.documents.qr import draw_qr

PAGE_W, PAGE_H = A4
LEFT, RIGHT = 18 * mm, PAGE_W - 18 * mm
BOX = 4.6 * mm  # one character box
BOX_H = 5.2 * mm
FIELD_X = LEFT + 46 * mm  # where the boxes of a row start
REGION_X = LEFT + 58 * mm  # the region rows' boxes, after their longer labels
# The statuses of a resident already recorded once (SUDAH REKAM and after):
# their application is not "Baru".
RECORDED_STATUSES = frozenset({3, 4, 5, 6, 7, 8})


@dataclass(frozen=True)
class Region:
    """One region row: its name and its code's digits."""

    label: str
    code: str
    name: str


@dataclass(frozen=True)
class F121:
    """What one F-1.21 page shows."""

    regions: tuple[Region, ...]
    first_recording: bool
    name: str
    kk: str
    nik: str
    address: str
    rt: str
    rw: str
    postal_code: str
    village_name: str  # "Merubung", for the place before the date
    village_title: str  # "Desa Merubung"
    district: str
    head_name: str
    head_title: str
    signed_on: str  # "3 Februari 2027"
    session_line: str  # "Rabu, 3 Februari 2027, 08.10 WIB, Kantor Desa Merubung"
    queue_number: int
    code: str


def _code_parts(code: str | None) -> tuple[str, str, str, str]:
    """`61.01.12.2002` → ("61", "01", "12", "2002"); blanks for what is missing."""
    parts = [p.strip() for p in (code or "").split(".")]
    parts += [""] * (4 - len(parts))
    return parts[0], parts[1], parts[2], parts[3]


def _upper_regency(regency: str) -> str:
    name = regency.strip()
    for prefix in ("Kabupaten ", "Kota "):
        if name.lower().startswith(prefix.lower()):
            return name[len(prefix) :].upper()
    return name.upper()


def _strip(prefix: str, name: str) -> str:
    name = name.strip()
    if name.lower().startswith(prefix.lower() + " "):
        return name[len(prefix) + 1 :]
    return name


def address_of(resident) -> str:
    """The street address with its dusun, as a form line."""
    parts = [
        resident.address or "",
        f"Dusun {resident.dusun}" if resident.dusun else "",
    ]
    return ", ".join(p for p in parts if p)


def form_of(booking: Booking, village, zone: str) -> F121:
    """What the F-1.21 of one booking shows (`zone`: WIB, WITA or WIT)."""
    r = booking.resident
    s = booking.session
    province, regency, district, desa = _code_parts(village.code)
    title = village.title
    session_line = ", ".join(
        [
            format_day_date(s.date),
            f"{format_time(booking.estimated_time)} {zone}",
            s.place,
        ]
    )
    return F121(
        regions=(
            Region(
                _("PEMERINTAH PROVINSI"),
                province,
                _strip("Provinsi", village.province).upper(),
            ),
            Region(
                _("PEMERINTAH KABUPATEN/KOTA"), regency, _upper_regency(village.regency)
            ),
            Region(
                _("KECAMATAN"), district, _strip("Kecamatan", village.district).upper()
            ),
            Region(_("KELURAHAN/DESA"), desa, village.name.upper()),
        ),
        first_recording=r.ektp_status not in RECORDED_STATUSES,
        name=r.name.upper(),
        kk=r.kk or "",
        nik=r.nik,
        address=address_of(r).upper(),
        rt=r.rt or "",
        rw=r.rw or "",
        postal_code=village.postal_code or "",
        village_name=village.name,
        village_title=title,
        district=_strip("Kecamatan", village.district),
        head_name=village.head_name or "",
        head_title=village.head_title or _("Kepala %(v)s", v=title),
        signed_on=format_date(s.date),
        session_line=session_line,
        queue_number=booking.queue_number,
        code=booking.code,
    )


# ------------------------------------------------------------------------ drawing


def _text(c: Canvas, x: float, y: float, text: str, font=SANS, size=8.5) -> None:
    c.setFont(font, size)
    c.drawString(x, y, pdf_text(text))


def _boxes(c: Canvas, x: float, y: float, value: str, count: int) -> float:
    """`count` character boxes from (x, y) (their bottom), `value` one per box;
    returns the x after the last box."""
    c.setLineWidth(0.6)
    c.setFont(SANS_BOLD, 9)
    for i in range(count):
        bx = x + i * BOX
        c.rect(bx, y, BOX, BOX_H, stroke=1, fill=0)
        if i < len(value):
            c.drawCentredString(bx + BOX / 2, y + 1.5 * mm, pdf_text(value[i]))
    return x + count * BOX


def _wide_box(c: Canvas, x: float, y: float, width: float, value: str) -> None:
    """One long box holding `value` as text (a name longer than the boxes, the address)."""
    c.setLineWidth(0.6)
    c.rect(x, y, width, BOX_H, stroke=1, fill=0)
    value = pdf_text(value)
    c.setFont(SANS_BOLD, fit_size(value, SANS_BOLD, 9, width - 2 * mm, 6))
    c.drawString(x + 1 * mm, y + 1.5 * mm, value)


def _tick(c: Canvas, x: float, y: float) -> None:
    """An X in the box whose lower-left is (x, y), as the form asks."""
    c.setLineWidth(1.2)
    pad = 1.1 * mm
    c.line(x + pad, y + pad, x + BOX - pad, y + BOX_H - pad)
    c.line(x + pad, y + BOX_H - pad, x + BOX - pad, y + pad)


def _header(c: Canvas, top: float) -> float:
    # The form's number in its box at the top right.
    w, h = 26 * mm, 8 * mm
    c.setLineWidth(1.2)
    c.rect(RIGHT - w, top - h, w, h, stroke=1, fill=0)
    c.setFont(SANS_BOLD, 12)
    c.drawCentredString(RIGHT - w / 2, top - h + 2.6 * mm, "F-1.21")
    y = top - h - 8 * mm
    title = pdf_text(
        _("FORMULIR PERMOHONAN KARTU TANDA PENDUDUK (KTP) WARGA NEGARA INDONESIA")
    )
    c.setFont(SANS_BOLD, fit_size(title, SANS_BOLD, 11, RIGHT - LEFT, 8))
    c.drawCentredString((LEFT + RIGHT) / 2, y, title)
    y -= 5 * mm
    notes = [
        _("Harap diisi dengan huruf cetak dan menggunakan tinta hitam."),
        _("Untuk kolom pilihan, harap memberi tanda silang (X) pada kotak pilihan."),
        _(
            "Setelah formulir ini diisi dan ditandatangani, harap diserahkan kembali "
            "ke kantor desa/kelurahan."
        ),
    ]
    box_h = (5 + 4.2 * len(notes)) * mm
    c.setLineWidth(1)
    c.rect(LEFT, y - box_h, RIGHT - LEFT, box_h, stroke=1, fill=0)
    _text(c, LEFT + 2 * mm, y - 4.2 * mm, _("Perhatian:"), SANS_BOLD, 8.5)
    for i, note in enumerate(notes, start=1):
        _text(c, LEFT + 4 * mm, y - (4.2 + 4.2 * i) * mm, f"{i}. {note}", SANS, 8)
    return y - box_h - 9 * mm


def _regions(c: Canvas, form: F121, y: float) -> float:
    widths = (2, 2, 2, 4)
    for region, count in zip(form.regions, widths, strict=True):
        _text(c, LEFT, y + 1.5 * mm, region.label, SANS_BOLD, 8.5)
        _text(c, REGION_X - 3 * mm, y + 1.5 * mm, ":", SANS_BOLD, 8.5)
        _boxes(c, REGION_X, y, region.code, count)
        name = pdf_text(region.name)
        x = REGION_X + 5 * BOX
        c.setFont(SANS_BOLD, fit_size(name, SANS_BOLD, 9, RIGHT - x - 2 * mm, 6))
        c.drawString(x + 2 * mm, y + 1.5 * mm, name)
        y -= BOX_H + 1.6 * mm
    return y - 4 * mm


def _kind(c: Canvas, form: F121, y: float) -> float:
    c.setFont(SANS_BOLD, 9)
    label = pdf_text(_("PERMOHONAN KTP"))
    c.drawString(LEFT, y + 1.5 * mm, label)
    c.setLineWidth(0.5)
    c.line(LEFT, y + 0.8 * mm, LEFT + stringWidth(label, SANS_BOLD, 9), y + 0.8 * mm)
    x = FIELD_X
    for i, option in enumerate(
        (_("A. Baru"), _("B. Perpanjangan"), _("C. Penggantian"))
    ):
        _boxes(c, x, y, "", 1)
        if i == 0 and form.first_recording:
            _tick(c, x, y)
        _text(c, x + BOX + 2 * mm, y + 1.5 * mm, option, SANS, 8.5)
        x += 38 * mm
    return y - BOX_H - 6 * mm


def _person(c: Canvas, form: F121, y: float) -> float:
    room = int((RIGHT - FIELD_X) // BOX)
    rows = (
        (_("1. Nama Lengkap"), form.name, room),
        (_("2. No. KK"), form.kk, 16),
        (_("3. NIK"), form.nik, 16),
    )
    for label, value, count in rows:
        _text(c, LEFT, y + 1.5 * mm, label, SANS, 8.5)
        _text(c, FIELD_X - 3 * mm, y + 1.5 * mm, ":", SANS, 8.5)
        if len(value) > count:
            _wide_box(c, FIELD_X, y, count * BOX, value)
        else:
            _boxes(c, FIELD_X, y, value, count)
        y -= BOX_H + 2.2 * mm
    _text(c, LEFT, y + 1.5 * mm, _("4. Alamat"), SANS, 8.5)
    _text(c, FIELD_X - 3 * mm, y + 1.5 * mm, ":", SANS, 8.5)
    _wide_box(c, FIELD_X, y, room * BOX, form.address)
    y -= BOX_H + 2.2 * mm
    x = FIELD_X
    for label, value, count in (
        (_("RT"), form.rt, 3),
        (_("RW"), form.rw, 3),
        (_("Kode Pos"), form.postal_code, 5),
    ):
        _text(c, x, y + 1.5 * mm, label, SANS, 8.5)
        lw = stringWidth(pdf_text(label), SANS, 8.5) + 2 * mm
        x = _boxes(c, x + lw, y, value, count) + 7 * mm
    return y - BOX_H - 9 * mm


def _boxes_row(c: Canvas, y: float) -> float:
    """Pas foto 2x3, cap jempol and specimen tanda tangan, side by side."""
    h = 40 * mm
    boxes = (
        (_("Pas Foto (2 x 3)"), 28 * mm),
        (_("Cap Jempol"), 34 * mm),
        (_("Specimen Tanda Tangan"), 60 * mm),
    )
    x = LEFT
    c.setLineWidth(0.8)
    for label, w in boxes:
        c.rect(x, y - h, w, h, stroke=1, fill=0)
        c.setFont(SANS, 8)
        c.drawCentredString(x + w / 2, y - h - 4 * mm, pdf_text(label))
        x += w + 8 * mm
    return y - h - 14 * mm


def _signatures(c: Canvas, form: F121, y: float) -> float:
    col = (RIGHT - LEFT) / 3
    centres = [LEFT + col * (i + 0.5) for i in range(3)]
    c.setFont(SANS, 9)
    c.drawCentredString(
        centres[2], y, pdf_text(f"{form.village_name}, {form.signed_on}")
    )
    y -= 5 * mm
    c.drawCentredString(centres[0], y, pdf_text(_("Mengetahui,")))
    y -= 4.5 * mm
    heads = (
        _("Camat %(d)s", d=form.district),
        form.head_title,
        _("Pemohon,"),
    )
    for centre, line in zip(centres, heads, strict=True):
        for i, part in enumerate(wrap(pdf_text(line), SANS, 9, col - 6 * mm)[:2]):
            c.drawCentredString(centre, y - i * 4 * mm, part)
    y -= 24 * mm
    names = (("", True), (form.head_name, True), (form.name, False))
    for centre, (name, official) in zip(centres, names, strict=True):
        text = pdf_text(name) if name else "." * 40
        size = fit_size(text, SANS_BOLD, 9, col - 6 * mm, 6.5)
        c.setFont(SANS_BOLD if name else SANS, size)
        c.drawCentredString(centre, y, text)
        if official:
            c.setFont(SANS, 8)
            c.drawCentredString(centre, y - 4.5 * mm, "NIP. " + "." * 30)
    return y - 10 * mm


def _margin(c: Canvas, form: F121) -> None:
    """The cut line and, under it, the ticket's QR with the session (never on the form)."""
    line = 36 * mm
    c.setDash(3, 2)
    c.setLineWidth(0.4)
    c.line(LEFT, line, RIGHT, line)
    c.setDash()
    qr = 26 * mm
    draw_qr(c, form.code, RIGHT - qr, 6 * mm, qr)
    room = RIGHT - qr - 4 * mm - LEFT
    _text(c, LEFT, line - 6 * mm, _("Untuk petugas perekaman KTP-el"), SANS_BOLD, 8.5)
    c.setFont(SANS, 8.5)
    y = line - 11 * mm
    for part in wrap(
        pdf_text(_("Jadwal: %(s)s", s=form.session_line)), SANS, 8.5, room
    )[:2]:
        c.drawString(LEFT, y, part)
        y -= 4.2 * mm
    _text(
        c,
        LEFT,
        y,
        _(
            "Nomor antrean %(q)d · Kode tiket %(c)s",
            q=form.queue_number,
            c=f"{form.code[:4]}-{form.code[4:]}",
        ),
        SANS,
        8.5,
    )
    _text(
        c,
        LEFT,
        y - 4.5 * mm,
        _("Pindai kode QR ini di meja pendaftaran, seperti tiketnya."),
        SANS_ITALIC,
        7.5,
    )


def draw_page(c: Canvas, form: F121) -> None:
    y = _header(c, PAGE_H - 14 * mm)
    y = _regions(c, form, y)
    y = _kind(c, form, y)
    y = _person(c, form, y)
    y = _boxes_row(c, y)
    _signatures(c, form, y)
    _margin(c, form)


def render_forms(forms: Iterable[F121], village_title: str) -> bytes:
    buf = io.BytesIO()
    c = new_canvas(
        buf,
        A4,
        lambda *_args: None,
        title=_("Formulir F-1.21 permohonan KTP-el"),
        author=village_title,
        subject=_("Formulir permohonan KTP-el"),
    )
    for form in forms:
        draw_page(c, form)
        c.showPage()
    c.save()
    return buf.getvalue()


def render_f121(
    bookings: Iterable[Booking], village=None, zone: str | None = None
) -> bytes:
    """One A4 page of F-1.21 per booking, in the order given."""
    village = village or get_village()
    zone = zone or zone_label(current_zone())
    forms = [form_of(b, village, zone) for b in bookings]
    return render_forms(forms, village.title)
