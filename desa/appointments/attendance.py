"""At the session: check-in by code, outcomes (recorded / no-show), reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from desa.appointments import booking as booking_service
from desa.appointments import messages
from desa.appointments.models import (
    Booking,
    BookingStatus,
    RecordingSession,
    SessionStatus,
)
from desa.auth import audit
from desa.auth.actor import Actor
from desa.core.errors import Conflict, NotFound, ValidationError
from desa.core.formatting import format_day_date, mask_nik
from desa.core.i18n import N_
from desa.extensions import db
from desa.residents.models import EktpStatus
from desa.residents.registry import log_change

OUTCOMES = (BookingStatus.RECORDED, BookingStatus.NO_SHOW)
STATUS_LABELS = {
    BookingStatus.ACTIVE: N_("terjadwal"),
    BookingStatus.CANCELLED: N_("dibatalkan"),
    BookingStatus.RECORDED: N_("sudah direkam"),
    BookingStatus.NO_SHOW: N_("tidak hadir"),
}


def find_by_code(raw: str | None) -> Booking:
    """The booking with that check-in code, or 404."""
    code = booking_service.normalise_code(raw)
    found = (
        db.session.scalar(select(Booking).where(Booking.code == code)) if code else None
    )
    if found is None:
        raise NotFound(_("Kode tiket tidak dikenal."), code="unknown_code")
    return found


def check_in(actor: Actor, raw_code: str | None) -> Booking:
    """Marks the ticket's holder present; only on the session's day."""
    today = actor.today
    booking = find_by_code(raw_code)
    if booking.status != BookingStatus.ACTIVE:
        raise Conflict(
            _("Tiket ini %(s)s.", s=_(STATUS_LABELS[booking.status])),
            code="not_active",
        )
    if booking.session.date != today:
        raise Conflict(
            _(
                "Tiket ini untuk %(d)s, bukan hari ini.",
                d=format_day_date(booking.session.date),
            ),
            code="wrong_day",
        )
    if booking.checked_in_at is None:
        booking.checked_in_at = actor.utcnow
        audit.record(
            actor,
            "appointments.check_in",
            object_type="booking",
            object_id=booking.id,
            detail=mask_nik(booking.resident.nik),
        )
    return booking


def set_outcome(actor: Actor, booking: Booking, outcome: Any) -> Booking:
    """Recorded (e-KTP status → 3 SUDAH REKAM, with history) or no-show (place freed)."""
    today = actor.today
    if outcome not in OUTCOMES:
        raise ValidationError(
            _("Hasil harus recorded atau no_show."),
            fields={"outcome": [_("Pilih: recorded atau no_show.")]},
        )
    if today < booking.session.date:
        raise Conflict(
            _(
                "Hasil baru dapat dicatat mulai hari sesi (%(d)s).",
                d=format_day_date(booking.session.date),
            ),
            code="too_early",
        )
    if booking.status == outcome:
        return booking
    if booking.status != BookingStatus.ACTIVE:
        raise Conflict(
            _("Pemesanan ini %(s)s.", s=_(STATUS_LABELS[booking.status])),
            code="not_active",
        )
    booking_service.lock_sessions(booking.session_id)
    result = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.ACTIVE)
        .values(
            status=outcome,
            outcome_at=actor.utcnow,
            outcome_by=actor.display_name[:120],
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("Pemesanan ini sudah tidak aktif."), code="not_active")
    db.session.expire(booking)
    resident = booking.resident
    if outcome == BookingStatus.RECORDED:
        if resident.ektp_status in (
            None,
            EktpStatus.BELUM_WAJIB,
            EktpStatus.BELUM_REKAM,
        ):
            before = resident.ektp_status
            resident.ektp_status = EktpStatus.SUDAH_REKAM
            log_change(
                actor,
                resident,
                "ektp_status",
                before,
                EktpStatus.SUDAH_REKAM,
                f"Perekaman e-KTP, sesi {booking.session.date.isoformat()}",
            )
    else:
        booking_service.give_back(booking.session_id)
        db.session.expire(booking.session, ["booked"])
    audit.record(
        actor,
        f"appointments.outcome.{outcome}",
        object_type="booking",
        object_id=booking.id,
        detail=f"{mask_nik(resident.nik)} sesi {booking.session_id}",
    )
    return booking


def set_outcomes(
    actor: Actor, session: RecordingSession, outcomes: dict[int, str]
) -> int:
    """Bulk outcomes for one session's bookings; returns how many changed."""
    changed = 0
    for booking in list(session.bookings):
        wanted = outcomes.get(booking.id)
        if wanted in OUTCOMES and booking.status == BookingStatus.ACTIVE:
            set_outcome(actor, booking, wanted)
            changed += 1
    return changed


def reminders_for(day: dt.date) -> list[Booking]:
    """Active bookings in open sessions on `day` (the day-before reminder's list)."""
    return list(
        db.session.scalars(
            select(Booking)
            .join(Booking.session)
            .where(
                RecordingSession.date == day,
                RecordingSession.status == SessionStatus.OPEN,
                Booking.status == BookingStatus.ACTIVE,
            )
            .order_by(RecordingSession.start_time, Booking.queue_number)
        )
    )


def send_reminders(actor: Actor, day: dt.date) -> list:
    """Makes the day-before reminder for everyone booked on `day`."""
    made = [messages.add("reminder", b) for b in reminders_for(day)]
    if made:
        audit.record(
            actor,
            "appointments.remind",
            object_type="recording_session",
            detail=f"{len(made)} pengingat untuk {day.isoformat()}",
        )
    return made
