"""Recording sessions, bookings, waitlists, employers' employee lists, messages."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desa.auth.models import Employer
from desa.core.db import utcnow
from desa.extensions import db
from desa.residents.models import Resident


class SessionKind(StrEnum):
    """Where a recording session happens and for whom."""

    OFFICE = "office"
    RT = "rt"
    EMPLOYER = "employer"
    MOBILE = "mobile"


class SessionStatus(StrEnum):
    """A session is open for booking until it is cancelled."""

    OPEN = "open"
    CANCELLED = "cancelled"


class BookingStatus(StrEnum):
    """A booking is active until it is cancelled or has its outcome."""

    ACTIVE = "active"
    CANCELLED = "cancelled"
    RECORDED = "recorded"
    NO_SHOW = "no_show"


class WaitlistStatus(StrEnum):
    """A waitlist entry waits for a place until it is promoted, dropped or left."""

    WAITING = "waiting"
    PROMOTED = "promoted"
    DROPPED = "dropped"
    LEFT = "left"


SESSION_KINDS = tuple(SessionKind)
BOOKING_STATUSES = tuple(BookingStatus)
# Statuses that hold a place in the session (the `booked` counter counts these).
HOLDING = (BookingStatus.ACTIVE, BookingStatus.RECORDED)


class RecordingSession(db.Model):
    """A recording session: a day, a time window, a place and a number of places.

    `booked` and `last_queue` are counters taken with one conditional UPDATE in the
    booking's own transaction, so capacity holds under any concurrency.
    """

    __tablename__ = "recording_sessions"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("minutes_per_person > 0", name="minutes_positive"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_in_range"),
        CheckConstraint("last_queue >= 0", name="queue_positive"),
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint(
            "kind IN ('office', 'rt', 'employer', 'mobile')", name="kind_known"
        ),
        CheckConstraint("status IN ('open', 'cancelled')", name="status_known"),
        CheckConstraint("(rw IS NULL) = (rt IS NULL)", name="rt_with_rw"),
        CheckConstraint(
            "rt IS NULL OR employer_id IS NULL", name="one_reservation_at_most"
        ),
        Index("ix_recording_sessions_date", "date", "start_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(150))
    # A home visit's address: never shown on the public calendar.
    address: Mapped[str | None] = mapped_column(String(250))
    kind: Mapped[str] = mapped_column(String(10), default=SessionKind.OFFICE)
    capacity: Mapped[int]
    minutes_per_person: Mapped[int] = mapped_column(default=10)
    rw: Mapped[str | None] = mapped_column(String(3))
    rt: Mapped[str | None] = mapped_column(String(3))
    employer_id: Mapped[int | None] = mapped_column(
        ForeignKey("employers.id"), index=True
    )
    non_working_day_ok: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.OPEN)
    notes: Mapped[str] = mapped_column(Text, default="")
    booked: Mapped[int] = mapped_column(default=0)
    last_queue: Mapped[int] = mapped_column(default=0)
    last_waitlist: Mapped[int] = mapped_column(default=0)
    # How many kits record side by side (a hub's team brings several).
    stations: Mapped[int] = mapped_column(default=1, server_default="1")
    # A session the hub planned (campaign): its id there and the revision applied.
    # The hub owns it: the village books it, the hub changes or cancels it.
    hub_uid: Mapped[str | None] = mapped_column(String(24), unique=True, index=True)
    hub_revision: Mapped[int | None]
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[dt.datetime | None]

    employer: Mapped[Employer | None] = relationship()
    bookings: Mapped[list[Booking]] = relationship(
        back_populates="session", order_by="Booking.queue_number"
    )

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.OPEN

    @property
    def reserved_label(self) -> str:
        """`RT 002 / RW 001`, the employer's name, or empty for an open session."""
        if self.rt:
            return f"RT {self.rt} / RW {self.rw}"
        if self.employer is not None:
            return self.employer.name
        return ""

    def starts_at(self) -> dt.datetime:
        """The start as a naive wall-clock datetime in the village's zone."""
        return dt.datetime.combine(self.date, self.start_time)

    def estimated_time(self, queue_number: int) -> dt.time:
        """Start + ((queue number − 1) div stations) × minutes per person."""
        rounds = (queue_number - 1) // max(1, self.stations or 1)
        delta = dt.timedelta(minutes=rounds * self.minutes_per_person)
        return (self.starts_at() + delta).time()


class Booking(db.Model):
    """One person's place in a session, with a queue number and a check-in code."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'cancelled', 'recorded', 'no_show')",
            name="status_known",
        ),
        CheckConstraint("queue_number > 0", name="queue_positive"),
        CheckConstraint(
            "booked_by_kind IN ('resident', 'user', 'token', 'system')",
            name="booker_known",
        ),
        UniqueConstraint("session_id", "queue_number"),
        # One active booking per resident, settled by the database.
        Index(
            "uq_bookings_one_active",
            "resident_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_bookings_session_status", "session_id", "status"),
        Index("ix_bookings_resident", "resident_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("recording_sessions.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    queue_number: Mapped[int]
    code: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=BookingStatus.ACTIVE)
    booked_by_kind: Mapped[str] = mapped_column(String(10))
    booked_by_id: Mapped[int | None]
    booked_by_role: Mapped[str] = mapped_column(String(20))
    booked_by_name: Mapped[str] = mapped_column(String(120))
    notify_email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[dt.datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(120))
    checked_in_at: Mapped[dt.datetime | None]
    outcome_at: Mapped[dt.datetime | None]
    outcome_by: Mapped[str | None] = mapped_column(String(120))

    session: Mapped[RecordingSession] = relationship(back_populates="bookings")
    resident: Mapped[Resident] = relationship()

    @property
    def estimated_time(self) -> dt.time:
        return self.session.estimated_time(self.queue_number)

    @property
    def is_active(self) -> bool:
        return self.status == BookingStatus.ACTIVE


class WaitlistEntry(db.Model):
    """A person waiting for a place in a full session, promoted in order."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting', 'promoted', 'dropped', 'left')",
            name="status_known",
        ),
        UniqueConstraint("session_id", "position"),
        Index(
            "uq_waitlist_entries_waiting",
            "session_id",
            "resident_id",
            unique=True,
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("recording_sessions.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    position: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default=WaitlistStatus.WAITING)
    added_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[dt.datetime | None]
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))

    session: Mapped[RecordingSession] = relationship()
    resident: Mapped[Resident] = relationship()


class Employee(db.Model):
    """A person on an employer's list, matched to a resident by NIK and name."""

    __tablename__ = "employees"
    __table_args__ = (UniqueConstraint("employer_id", "nik"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    nik: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    # Why no resident is linked: `nik_unknown` or `name_differs` (None when matched).
    mismatch: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # A row is only proposed until the resident or the desk confirms it: before that
    # the employer can neither book the person nor see anything about them.
    confirmed_at: Mapped[dt.datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(120))

    employer: Mapped[Employer] = relationship()
    resident: Mapped[Resident | None] = relationship()

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Message(db.Model):
    """A message for a booked person (booked, cancelled, promoted, reminder).

    Kept so that the clerk or RT head can send it by WhatsApp with one click later;
    e-mailed at once when SMTP is configured and the booking has an address.
    """

    __tablename__ = "appointment_messages"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('booked', 'cancelled', 'promoted', 'reminder')",
            name="kind_known",
        ),
        Index("ix_appointment_messages_booking", "booking_id"),
        Index("ix_appointment_messages_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    kind: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    emailed_at: Mapped[dt.datetime | None]

    booking: Mapped[Booking] = relationship()


class ReminderChannel(StrEnum):
    """How a reminder reaches the booked person."""

    WHATSAPP = "whatsapp"  # the text kept for the clerk's WhatsApp click
    EMAIL = "email"


class Reminder(db.Model):
    """A reminder given for a booking on a channel: at most once, by the database."""

    __tablename__ = "appointment_reminders"
    __table_args__ = (
        CheckConstraint("kind IN ('day_before')", name="kind_known"),
        CheckConstraint("channel IN ('whatsapp', 'email')", name="channel_known"),
        UniqueConstraint("booking_id", "kind", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    kind: Mapped[str] = mapped_column(String(20), default="day_before")
    channel: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment_messages.id")
    )
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    booking: Mapped[Booking] = relationship()
