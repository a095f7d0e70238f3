"""At the session: check-in by code, outcomes (recorded / no-show), reminders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from desa.appointments import booking as booking_service
from desa.appointments import messages
from desa.appointments.models import (
    Booking,
    BookingStatus,
    Message,
    RecordingSession,
    Reminder,
    ReminderChannel,
    SessionStatus,
)
from desa.auth import audit
from desa.auth.actor import Actor
from desa.core.errors import Conflict, NotFound, ValidationError
from desa.core.formatting import format_day_date, mask_nik
from desa.core.i18n import N_
from desa.extensions import db
from desa.residents.models import EktpStatus, LifeStatus, Resident
from desa.residents.registry import log_change

OUTCOMES = (BookingStatus.RECORDED, BookingStatus.NO_SHOW)
REMINDER_KIND = "day_before"
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
    _mark_present(actor, booking, actor.utcnow)
    return booking


def _mark_present(actor: Actor, booking: Booking, at: dt.datetime) -> bool:
    """Sets the check-in time unless one is set; True when this call set it (the
    conditional UPDATE settles two desks scanning the same ticket at once)."""
    result = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.checked_in_at.is_(None))
        .values(checked_in_at=at)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(booking, ["checked_in_at"])
    if result.rowcount != 1:
        return False
    audit.record(
        actor,
        "appointments.check_in",
        object_type="booking",
        object_id=booking.id,
        detail=mask_nik(booking.resident.nik),
    )
    return True


class ScanStatus(StrEnum):
    """What became of one scanned ticket code."""

    CHECKED_IN = "checked_in"
    ALREADY = "already"  # checked in (or recorded) before this scan
    UNKNOWN = "unknown"  # no booking of this session has that code
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"  # marked absent, the place was given back
    WRONG_DAY = "wrong_day"  # scanned on another day than the session's


@dataclass(frozen=True)
class Scan:
    """One code read at the recording point, and when (aware; None: unknown)."""

    code: str
    at: dt.datetime | None = None


@dataclass(frozen=True)
class ScanResult:
    code: str
    status: ScanStatus
    booking: Booking | None = None


# A scanning device's clock may run a little ahead of the server's.
_CLOCK_SLACK = dt.timedelta(minutes=5)


def _scan_moment(
    actor: Actor, session: RecordingSession, at: dt.datetime | None
) -> dt.datetime:
    """When the scan counts as made: its own time if that is on the session's day
    and not in the future (a scan sent hours later keeps its time), else now."""
    if at is not None and at.tzinfo is not None and at <= actor.now + _CLOCK_SLACK:
        local = at.astimezone(actor.now.tzinfo)
        if local.date() == session.date:
            return min(at, actor.now)
    return actor.now


def check_in_scans(
    actor: Actor, session: RecordingSession, scans: list[Scan]
) -> list[ScanResult]:
    """Checks in a batch of scans of one session (made offline and sent later);
    a repeat, within the batch or after an earlier one, is `already`, never an
    error. The session's day rule is the single check-in's."""
    codes = {booking_service.normalise_code(s.code) for s in scans} - {""}
    found = {
        b.code: b
        for b in db.session.scalars(
            booking_service.visible_bookings(actor).where(
                Booking.session_id == session.id, Booking.code.in_(codes)
            )
        )
    }
    results = []
    for scan in scans:
        code = booking_service.normalise_code(scan.code)
        booking = found.get(code)
        results.append(ScanResult(code, _scan_status(actor, booking, scan), booking))
    return results


def _scan_status(actor: Actor, booking: Booking | None, scan: Scan) -> ScanStatus:
    if booking is None:
        return ScanStatus.UNKNOWN
    if booking.status == BookingStatus.CANCELLED:
        return ScanStatus.CANCELLED
    if booking.status == BookingStatus.NO_SHOW:
        return ScanStatus.NO_SHOW
    if booking.status == BookingStatus.RECORDED or booking.checked_in_at is not None:
        return ScanStatus.ALREADY
    moment = _scan_moment(actor, booking.session, scan.at)
    if moment.astimezone(actor.now.tzinfo).date() != booking.session.date:
        return ScanStatus.WRONG_DAY
    at = moment.astimezone(dt.UTC).replace(tzinfo=None)
    if _mark_present(actor, booking, at):
        return ScanStatus.CHECKED_IN
    return ScanStatus.ALREADY


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
    """Active bookings of residents living here, in open sessions on `day` (the
    day-before reminder's list)."""
    return list(
        db.session.scalars(
            select(Booking)
            .join(Booking.session)
            .join(Booking.resident)
            .where(
                RecordingSession.date == day,
                RecordingSession.status == SessionStatus.OPEN,
                Booking.status == BookingStatus.ACTIVE,
                Resident.life_status == LifeStatus.ACTIVE,
            )
            .order_by(RecordingSession.start_time, Booking.queue_number)
        )
    )


def _claim(actor: Actor, booking: Booking, channel: str) -> Reminder | None:
    """Records the reminder on `channel`, or None when it was given already (the
    unique index has the last word, also against a second run at the same time)."""
    reminder = Reminder(
        booking_id=booking.id,
        kind=REMINDER_KIND,
        channel=channel,
        sent_at=actor.utcnow,
    )
    try:
        with db.session.begin_nested():
            db.session.add(reminder)
            db.session.flush()
    except IntegrityError:
        return None
    return reminder


def _given(bookings: list[Booking]) -> dict[int, set[str]]:
    """The channels each booking had its reminder on already."""
    given: dict[int, set[str]] = {}
    if bookings:
        rows = db.session.execute(
            select(Reminder.booking_id, Reminder.channel).where(
                Reminder.booking_id.in_([b.id for b in bookings]),
                Reminder.kind == REMINDER_KIND,
            )
        )
        for booking_id, channel in rows:
            given.setdefault(booking_id, set()).add(channel)
    return given


def due_reminders(day: dt.date) -> list[Booking]:
    """The bookings on `day` that still miss a reminder on some channel."""
    bookings = reminders_for(day)
    given = _given(bookings)
    due = []
    for b in bookings:
        wanted = {ReminderChannel.WHATSAPP}
        if messages.can_email(b):
            wanted.add(ReminderChannel.EMAIL)
        if wanted - given.get(b.id, set()):
            due.append(b)
    return due


def send_reminders(actor: Actor, day: dt.date) -> list:
    """Makes the day-before reminder for everyone booked on `day`, once per booking
    and channel: a second run makes nothing new. Returns the messages made or
    e-mailed now."""
    made = []
    bookings = reminders_for(day)
    given = _given(bookings)
    for b in bookings:
        done = given.get(b.id, set())
        text = None
        if ReminderChannel.WHATSAPP not in done:
            text = _claim(actor, b, ReminderChannel.WHATSAPP)
        if text is not None:
            message = messages.add("reminder", b, email=False)
            db.session.flush()
            text.message_id = message.id
        else:
            message = db.session.scalar(
                select(Message)
                .join(Reminder, Reminder.message_id == Message.id)
                .where(
                    Reminder.booking_id == b.id,
                    Reminder.kind == REMINDER_KIND,
                    Reminder.channel == ReminderChannel.WHATSAPP,
                )
            )
        emailed = False
        if (
            ReminderChannel.EMAIL not in done
            and messages.can_email(b)
            and message is not None
        ):
            mail = _claim(actor, b, ReminderChannel.EMAIL)
            if mail is not None:
                mail.message_id = message.id
                emailed = messages.queue_email(message, b)
        if text is not None or emailed:
            made.append(message)
    if made:
        audit.record(
            actor,
            "appointments.remind",
            object_type="recording_session",
            detail=f"{len(made)} pengingat untuk {day.isoformat()}",
        )
    return made
