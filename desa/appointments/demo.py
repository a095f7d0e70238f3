"""Recording sessions, bookings and an employee list for the demo village."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from desa.appointments import booking, employees, sessions
from desa.appointments.calendar import non_working_reason
from desa.auth.actor import Actor
from desa.extensions import db
from desa.residents.models import Resident
from desa.residents.rules import pending_clause


def _working_days(start: dt.date, count: int) -> list[dt.date]:
    days, day = [], start
    while len(days) < count:
        day += dt.timedelta(days=1)
        if non_working_reason(day) is None:
            days.append(day)
    return days


def _saturday_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(5 - day.weekday()) % 7 or 7)


def _pending(today: dt.date, limit: int, **where: Any) -> list[Resident]:
    stmt = select(Resident).where(pending_clause(today)).order_by(Resident.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Resident, name) == value)
    return list(db.session.scalars(stmt.limit(limit)))


def populate(
    actors: dict[str, Actor], rt_area: tuple[str, str], plantation: str
) -> None:
    """An office day, an RT session, a Saturday at the plantation, a home visit."""
    clerk = actors["clerk"]
    today = clerk.today
    rw, rt = rt_area
    office_day, rt_day, visit_day = _working_days(today, 3)
    office = sessions.create_session(
        clerk,
        {
            "date": office_day.isoformat(),
            "start": "08:30",
            "end": "12:00",
            "place": "Kantor Desa",
            "kind": "office",
            "capacity": 30,
            "minutes_per_person": 7,
        },
    )
    rt_session = sessions.create_session(
        clerk,
        {
            "date": rt_day.isoformat(),
            "start": "13:30",
            "end": "16:00",
            "place": f"Balai RT {rt} RW {rw}",
            "kind": "rt",
            "rt": f"{rw}/{rt}",
            "capacity": 20,
            "minutes_per_person": 7,
        },
    )
    weekend = sessions.create_session(
        clerk,
        {
            "date": _saturday_after(today).isoformat(),
            "start": "07:30",
            "end": "11:00",
            "place": "Kantor kebun, afdeling 1",
            "kind": "employer",
            "employer": plantation,
            "capacity": 25,
            "minutes_per_person": 7,
            "allow_non_working_day": True,
            "notes": "Untuk pekerja kebun yang tidak bisa datang pada jam kerja.",
        },
    )
    sessions.create_session(
        clerk,
        {
            "date": visit_day.isoformat(),
            "start": "09:00",
            "end": "11:00",
            "place": "Kunjungan rumah (lansia)",
            "kind": "mobile",
            "address": f"RT {rt} RW {rw}",
            "capacity": 4,
            "minutes_per_person": 20,
        },
    )
    db.session.flush()

    group = [r.nik for r in _pending(today, 5, rw=rw, rt=rt)]
    if group:
        booking.book(actors["rt"], rt_session, group)
    workers = _pending(today, 6, occupation="KARYAWAN SWASTA")
    employer = actors["employer"]
    for n, person in enumerate(workers):
        added = employees.add_employee(employer, person.nik, person.name)
        # The desk confirms all but the last, which shows a proposal waiting.
        if added.resident_id and n < len(workers) - 1:
            employees.confirm(clerk, added.id)
    taken = set(group)
    crew = [p.nik for p in workers[:-1] if p.nik not in taken][:4]
    if crew:
        booking.book(employer, weekend, crew)
    singles = [r.nik for r in _pending(today, 12) if r.nik not in taken | set(crew)]
    for nik in singles[:3]:
        booking.book(clerk, office, [nik])
