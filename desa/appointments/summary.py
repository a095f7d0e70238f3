"""Figures for RT heads and employers: their people pending, booked and recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, func, select

from desa.appointments import sessions
from desa.appointments.models import Booking, BookingStatus
from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.extensions import db
from desa.residents.models import RECORDED_CODES, LifeStatus, Resident
from desa.residents.rules import pending_clause


def people_scope(stmt: Select, actor: Actor) -> Select:
    """Restricts a resident query to the people the actor books for (its scope)."""
    return scopes.restrict(stmt, actor, Resident)


def has_active_booking():
    return exists().where(
        Booking.resident_id == Resident.id, Booking.status == BookingStatus.ACTIVE
    )


def pending_unbooked(actor: Actor) -> Select:
    """Pending residents in scope without an active booking: those who did not
    come to an earlier session first (offered first in the next round), then by
    name."""
    stmt = people_scope(select(Resident), actor)
    return stmt.where(
        pending_clause(actor.today),
        ~has_active_booking(),
        Resident.elsewhere_code.is_(None),  # recorded in another village
    ).order_by(~missed_before(), Resident.name_key, Resident.id)


def missed_before():
    """The resident did not come to a session they were booked for."""
    return exists().where(
        Booking.resident_id == Resident.id, Booking.status == BookingStatus.NO_SHOW
    )


def counts(actor: Actor) -> dict[str, int]:
    """Pending (not booked), booked, and recorded people in scope."""
    base = people_scope(select(func.count(Resident.id)), actor)
    return {
        "pending": db.session.scalar(
            base.where(pending_clause(actor.today), ~has_active_booking())
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


def upcoming(actor: Actor, limit: int = 5) -> list:
    """The next open sessions the actor's people may be booked into."""
    return list(db.session.scalars(sessions.bookable_for(actor).limit(limit)))


def home_context(actor: Actor) -> dict[str, Any]:
    """What the RT head's and the employer's home pages show."""
    return {
        "appointment_counts": counts(actor),
        "upcoming_sessions": upcoming(actor),
    }
