"""Figures for RT heads and employers: their people pending, booked and recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, exists, func, select

from desa.appointments import sessions
from desa.appointments.models import Booking, BookingStatus, Employee
from desa.auth.permissions import Permission, Role
from desa.extensions import db
from desa.residents.models import RECORDED_CODES, LifeStatus, Resident
from desa.residents.rules import pending_clause


def people_scope(stmt: Select, principal: Any) -> Select:
    """Restricts a resident query to an RT head's RT or an employer's matched staff."""
    if principal.role == Role.RT:
        return stmt.where(Resident.rw == principal.rw, Resident.rt == principal.rt)
    if principal.role == Role.EMPLOYER:
        return stmt.where(
            Resident.id.in_(
                select(Employee.resident_id).where(
                    Employee.employer_id == principal.employer_id
                )
            )
        )
    if principal.can(Permission.BOOKINGS_MANAGE):
        return stmt
    return stmt.where(False)


def has_active_booking():
    return exists().where(
        Booking.resident_id == Resident.id, Booking.status == BookingStatus.ACTIVE
    )


def pending_unbooked(principal: Any, today: dt.date) -> Select:
    """Pending residents in scope without an active booking, by name."""
    stmt = people_scope(select(Resident), principal)
    return stmt.where(pending_clause(today), ~has_active_booking()).order_by(
        Resident.name_key, Resident.id
    )


def counts(principal: Any, today: dt.date) -> dict[str, int]:
    """Pending (not booked), booked, and recorded people in scope."""
    base = people_scope(select(func.count(Resident.id)), principal)
    return {
        "pending": db.session.scalar(
            base.where(pending_clause(today), ~has_active_booking())
        )
        or 0,
        "booked": db.session.scalar(base.where(has_active_booking())) or 0,
        "recorded": db.session.scalar(
            base.where(
                Resident.life_status == LifeStatus.ACTIVE,
                Resident.ektp_status.in_(RECORDED_CODES),
            )
        )
        or 0,
    }


def upcoming(principal: Any, today: dt.date, limit: int = 5) -> list:
    """The next open sessions the principal's people may be booked into."""
    return list(
        db.session.scalars(sessions.bookable_for(principal, today).limit(limit))
    )


def home_context(principal: Any, today: dt.date) -> dict[str, Any]:
    """What the RT head's and the employer's home pages show."""
    return {
        "appointment_counts": counts(principal, today),
        "upcoming_sessions": upcoming(principal, today),
    }
