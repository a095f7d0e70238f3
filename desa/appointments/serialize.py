"""Sessions and bookings as JSON (CONTRACT §4), and the ticket's address."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import url_for

from desa.appointments.models import Booking, RecordingSession
from desa.auth.actor import Actor
from desa.auth.permissions import Permission
from desa.core.addresses import base_url
from desa.core.village import current_zone


def session_json(
    session: RecordingSession, principal: Actor | None = None
) -> dict[str, Any]:
    """A session; a home visit's address only for staff who see bookings."""
    out = {
        "id": session.id,
        "date": session.date.isoformat(),
        "start": f"{session.start_time:%H:%M}",
        "end": f"{session.end_time:%H:%M}",
        "place": session.place,
        "kind": session.kind,
        "capacity": session.capacity,
        "booked": session.booked,
        "remaining": session.remaining,
        "minutes_per_person": session.minutes_per_person,
        "status": session.status,
        "rt": f"{session.rw}/{session.rt}" if session.rt else None,
        "employer": session.employer.name if session.employer else None,
        "non_working_day": session.non_working_day_ok,
        "notes": session.notes,
    }
    if principal is not None and principal.can(Permission.BOOKINGS_READ):
        out["address"] = session.address
    return out


def estimated_at(booking: Booking) -> str:
    """The estimated time as an ISO datetime with the village's offset."""
    when = dt.datetime.combine(booking.session.date, booking.estimated_time)
    return when.replace(tzinfo=current_zone()).isoformat()


def ticket_url(booking: Booking) -> str:
    base = base_url()
    return base + url_for("appointments_tickets.ticket", booking_id=booking.id)


def booking_json(booking: Booking) -> dict[str, Any]:
    """A booking as its booker sees it."""
    return {
        "id": booking.id,
        "nik": booking.resident.nik,
        "session_id": booking.session_id,
        "queue_number": booking.queue_number,
        "estimated_time": estimated_at(booking),
        "ticket_url": ticket_url(booking),
        "code": booking.code,
        "status": booking.status,
    }
