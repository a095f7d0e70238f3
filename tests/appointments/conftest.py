"""Appointment fixtures: a frozen village date, sessions, signed-in API clients."""

from __future__ import annotations

import datetime as dt

import pytest

from desa.extensions import db as _db

TODAY = dt.date(2027, 2, 1)  # a Monday
DAY = dt.date(2027, 2, 3)  # a Wednesday, a working day


@pytest.fixture(autouse=True)
def today(request):
    """The village's date is Monday 1 February 2027 in every appointment test.

    The app's one clock is frozen there (09:00 village time); a test without an app
    (nothing to freeze) builds none for it.
    """
    if "app" in request.fixturenames:
        request.getfixturevalue("freeze")(TODAY)
    return TODAY


@pytest.fixture
def system(make_actor):
    """The system (a CLI command) acting on TODAY."""
    return make_actor(today=TODAY)


@pytest.fixture
def make_session(app, system):
    """Factory: make_session(**fields) → a committed open session (detached)."""
    from desa.appointments.sessions import create_session

    def factory(**overrides):
        data = {
            "date": DAY.isoformat(),
            "start": "08:00",
            "end": "12:00",
            "place": "Kantor Desa Merubung",
            "kind": "office",
            "capacity": 10,
            "minutes_per_person": 10,
        }
        data.update(overrides)
        with app.app_context():
            session = create_session(system, data)
            _db.session.commit()
            _db.session.refresh(session)
            _db.session.expunge(session)
        return session

    return factory


@pytest.fixture
def bearer(make_token):
    """bearer(role) → request headers with a new API token of that role."""

    def factory(role: str = "clerk") -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(role)}"}

    return factory


class Principal:
    """A stand-in principal for service tests (what current_user answers)."""

    def __init__(self, role: str, id: int = 1, kind: str = "user", **scope) -> None:
        from desa.auth.permissions import role_can

        self.role, self.id, self.kind = role, id, kind
        self.rw, self.rt = scope.get("rw"), scope.get("rt")
        self.employer_id = scope.get("employer_id")
        self.display_name = scope.get("name", f"Uji {role}")
        self._can = role_can
        self.is_active = True

    def can(self, permission: str) -> bool:
        return self._can(self.role, permission)


@pytest.fixture
def actor(make_actor):
    """actor(role, today=TODAY, **scope) → an Actor with a stand-in principal."""

    def factory(role: str, *, today: dt.date = TODAY, **scope):
        return make_actor(Principal(role, **scope), today=today)

    return factory


@pytest.fixture
def book(app, system):
    """book(session_id, residents) → the bookings' codes, in queue order."""
    from desa.appointments import booking
    from desa.appointments.sessions import get_session

    def factory(session_id: int, residents) -> list[str]:
        with app.app_context():
            made = booking.book(
                system, get_session(session_id), [r.nik for r in residents]
            )
            _db.session.commit()
            return [b.code for b in made]

    return factory
