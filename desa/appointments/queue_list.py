"""The queue list a recording point prints for one session: who comes when, with
a masked NIK and boxes to tick (the PDF is drawn by `pdf.render_queue_list`)."""

from __future__ import annotations

from flask_babel import gettext as _

from desa.appointments import booking as booking_service
from desa.appointments import sessions
from desa.appointments.calendar import format_time
from desa.appointments.messages import WHAT_TO_BRING
from desa.appointments.models import (
    HOLDING,
    Booking,
    BookingStatus,
    RecordingSession,
    SessionKind,
)
from desa.appointments.pdf import QueueList, QueueRow
from desa.auth.actor import Actor
from desa.core.formatting import format_datetime, format_day_date, mask_nik
from desa.core.models import Village
from desa.documents.drawing import Letterhead, village_letterhead
from desa.extensions import db


def bring_sentence() -> str:
    """The papers to bring, in the ticket's own words (one sentence for every list)."""
    return _("Berkas yang dibawa: %(b)s.", b=_(WHAT_TO_BRING))


def letterhead_of(village: Village) -> Letterhead:
    """The village's kop (its three lines, address and logo) as its letters have it."""
    return village_letterhead(village)


def queued(actor: Actor, session: RecordingSession) -> list[Booking]:
    """The session's active and recorded bookings the actor may see, in queue order."""
    return list(
        db.session.scalars(
            booking_service.visible_bookings(actor)
            .where(Booking.session_id == session.id, Booking.status.in_(HOLDING))
            .order_by(Booking.queue_number)
        )
    )


def _facts(session: RecordingSession, zone: str) -> tuple[tuple[str, str], ...]:
    hours = f"{format_time(session.start_time)}–{format_time(session.end_time)} {zone}"
    pace = _("%(m)d menit per orang", m=session.minutes_per_person)
    if session.stations > 1:
        pace += ", " + _("%(n)d alat rekam sekaligus", n=session.stations)
    facts = [
        (_("Hari/tanggal"), format_day_date(session.date)),
        (_("Jam"), hours),
        (_("Tempat"), session.place),
    ]
    if session.address:
        facts.append((_("Alamat"), session.address))
    facts.append((_("Jenis"), sessions.kind_label(session.kind)))
    if session.reserved_label:
        facts.append((_("Khusus untuk"), session.reserved_label))
    facts.append((_("Perekaman"), pace))
    if not session.is_open:
        facts.append((_("Status"), _("dibatalkan")))
    return tuple(facts)


def _address(booking: Booking) -> str:
    r = booking.resident
    parts = [r.address or "", f"Dusun {r.dusun}" if r.dusun else ""]
    return ", ".join(p for p in parts if p) or "-"


def queue_list_of(
    actor: Actor, village: Village, session: RecordingSession, zone: str
) -> QueueList:
    """What the printed queue list shows; `zone` is WIB, WITA or WIT.

    A home visit goes from house to house: each person's address takes the place
    of the estimated time (a booking has no address of its own; its resident has).
    """
    home_visit = session.kind == SessionKind.MOBILE
    rows = tuple(
        QueueRow(
            queue_number=b.queue_number,
            when=_address(b) if home_visit else format_time(b.estimated_time),
            name=b.resident.name,
            nik_masked=mask_nik(b.resident.nik),
            area=f"{b.resident.rt or '-'}/{b.resident.rw or '-'}",
            present=b.checked_in_at is not None or b.status == BookingStatus.RECORDED,
            recorded=b.status == BookingStatus.RECORDED,
        )
        for b in queued(actor, session)
    )
    day = format_day_date(session.date)
    return QueueList(
        head=letterhead_of(village),
        facts=_facts(session, zone),
        home_visit=home_visit,
        rows=rows,
        bring=bring_sentence(),
        continued=_("Daftar antrean %(d)s, %(p)s (lanjutan)", d=day, p=session.place),
        printed=_(
            "Dicetak %(t)s %(z)s",
            t=format_datetime(actor.now.replace(tzinfo=None)),
            z=zone,
        ),
    )
