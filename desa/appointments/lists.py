"""The campaign's lists in the village, so that nobody is missed or recorded twice:
who turns 16 or 17 soon, who works away and when they come home, who the hub
found recorded in another village, and who did not come to their last session
(offered first in the next round). Each list holds only the actor's people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lokal.holidays import get_holidays
from sqlalchemy import exists, func, or_, select

from desa.appointments.models import Booking, BookingStatus, RecordingSession
from desa.appointments.summary import has_active_booking, people_scope
from desa.auth.actor import Actor
from desa.extensions import db
from desa.residents.models import LifeStatus, Resident
from desa.residents.rules import (
    RECORDING_AGE,
    WAJIB_AGE,
    not_recorded_clause,
    pending_clause,
    years_before,
)

MAX_MONTHS = 24


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has fewer)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def next_lebaran(after: dt.date) -> dt.date | None:
    """The first day of Idulfitri after `after`, when lokal-id knows that year."""
    for year in (after.year, after.year + 1):
        try:
            days = get_holidays(year).holidays
        except ValueError:
            continue
        for h in days:
            day = dt.date.fromisoformat(h.date)
            if "Idulfitri" in h.name and h.type == "libur_nasional" and day > after:
                return day
    return None


@dataclass(frozen=True)
class Coming:
    resident: Resident
    sixteen: dt.date  # the day they may record
    seventeen: dt.date  # the day they become wajib KTP (and the card is printed)


def _birthday(born: dt.date, years: int) -> dt.date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return dt.date(born.year + years, 3, 1)


def _scoped(actor: Actor):
    return people_scope(select(Resident), actor).where(
        Resident.life_status == LifeStatus.ACTIVE
    )


def coming_of_age(actor: Actor, months: int) -> list[Coming]:
    """Citizens not yet wajib KTP (unmarried, under 17) who turn 16 or 17 within
    `months`, or are 16 already: they may be booked from their 16th birthday."""
    today = actor.today
    until = add_months(today, months)
    stmt = (
        _scoped(actor)
        .where(
            Resident.citizenship == "WNI",
            or_(
                Resident.marital_status.is_(None),
                Resident.marital_status == "BELUM KAWIN",
            ),
            Resident.birth_date > years_before(today, WAJIB_AGE),
            Resident.birth_date <= years_before(until, RECORDING_AGE),
            not_recorded_clause(),
        )
        .order_by(Resident.birth_date, Resident.name_key)
    )
    return [
        Coming(
            r,
            _birthday(r.birth_date, RECORDING_AGE),
            _birthday(r.birth_date, WAJIB_AGE),
        )
        for r in db.session.scalars(stmt)
    ]


def working_away(actor: Actor) -> list[Resident]:
    """The pending who work away, by the day they are expected home."""
    stmt = _scoped(actor).where(
        Resident.works_away.is_(True), pending_clause(actor.today)
    )
    return list(
        db.session.scalars(
            stmt.order_by(
                Resident.away_until.is_(None), Resident.away_until, Resident.name_key
            )
        )
    )


def recorded_elsewhere(actor: Actor) -> list[Resident]:
    """Residents the hub found recorded in another village: not to be booked."""
    stmt = _scoped(actor).where(Resident.elsewhere_code.is_not(None))
    return list(db.session.scalars(stmt.order_by(Resident.name_key)))


def waiting_for_card(actor: Actor) -> list[Resident]:
    """Recorded, the card not received yet (a "KTP dalam proses" letter serves
    them meanwhile), the longest waiting first."""
    from desa.letters.models import CARD_WAITING_STATUSES

    stmt = _scoped(actor).where(Resident.ektp_status.in_(sorted(CARD_WAITING_STATUSES)))
    return list(
        db.session.scalars(
            stmt.order_by(
                Resident.ektp_status_at.is_(None),
                Resident.ektp_status_at,
                Resident.name_key,
            )
        )
    )


def missed_last_round(actor: Actor) -> list[tuple[Resident, dt.date]]:
    """The pending whose last booking was a no-show and who hold no active booking:
    offered first when the next sessions open. With the day they missed."""
    last = (
        select(Booking.resident_id, func.max(RecordingSession.date).label("day"))
        .join(RecordingSession, RecordingSession.id == Booking.session_id)
        .where(Booking.status == BookingStatus.NO_SHOW)
        .group_by(Booking.resident_id)
        .subquery()
    )
    later = exists().where(
        Booking.resident_id == Resident.id,
        Booking.status == BookingStatus.RECORDED,
    )
    stmt = (
        people_scope(select(Resident, last.c.day), actor)
        .join(last, last.c.resident_id == Resident.id)
        .where(pending_clause(actor.today), ~has_active_booking(), ~later)
        .order_by(last.c.day.desc(), Resident.name_key)
    )
    return [(r, day) for r, day in db.session.execute(stmt).all()]
