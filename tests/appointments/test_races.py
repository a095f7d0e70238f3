"""Races against a real server: gunicorn (2 worker processes, 4 threads each) on the
test's database, and real concurrent HTTP clients, each with its own bearer token.

Runs on SQLite and on PostgreSQL (DESA_TEST_DATABASE_URL), like the whole suite.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

from conftest import nik_for
from servers import Gunicorn, call
from sqlalchemy import func, select

from desa.appointments.models import Booking, RecordingSession
from desa.extensions import db as _db

from .conftest import DAY, TODAY


def _fire(calls: list) -> list:
    """Runs every call in its own thread, all released at once; returns the results."""
    results: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as err:  # noqa: BLE001 - reported as a failed call
            results[i] = (0, {"exception": repr(err)})

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _setup(app, *, residents: int, tokens: int, capacities: list[int]):
    """Residents, clerk tokens and sessions, made in one go; returns their keys."""
    from desa.appointments.sessions import create_session
    from desa.auth.actor import Actor, Via
    from desa.auth.services import create_token
    from desa.residents.models import Resident

    system = Actor(today=TODAY, via=Via.CLI)  # a set-up step on the frozen date
    with app.app_context():
        niks = []
        for n in range(residents):
            birth = dt.date(1990, 1, 1 + n % 28)
            niks.append(nik_for(birth, "L", n + 1))
            _db.session.add(
                Resident(
                    nik=niks[-1],
                    name=f"WARGA {n}",
                    name_key=f"WARGA {n}",
                    sex="L",
                    birth_date=birth,
                    rw="001",
                    rt="002",
                    life_status="active",
                    ektp_status=2,
                )
            )
        secrets = [
            create_token(system, f"loket {i}", "clerk")[1] for i in range(tokens)
        ]
        ids = []
        for capacity in capacities:
            s = create_session(
                system,
                {
                    "date": DAY.isoformat(),
                    "start": "08:00",
                    "end": "15:00",
                    "place": "Kantor Desa",
                    "capacity": capacity,
                    "minutes_per_person": 5,
                },
            )
            ids.append(s.id)
        _db.session.commit()
        _db.session.remove()
        _db.engine.dispose()
    return niks, secrets, ids


def _counts(app, session_id: int) -> tuple[int, int, list[int]]:
    with app.app_context():
        booked = _db.session.scalar(
            select(RecordingSession.booked).where(RecordingSession.id == session_id)
        )
        queue = _db.session.scalars(
            select(Booking.queue_number).where(
                Booking.session_id == session_id, Booking.status == "active"
            )
        ).all()
        _db.session.remove()
    return booked, len(queue), sorted(queue)


def test_100_clients_into_10_places(app):
    niks, secrets, (sid,) = _setup(app, residents=100, tokens=100, capacities=[10])
    with Gunicorn(app, TODAY) as server:
        results = _fire(
            [
                (
                    lambda i=i: call(
                        server.port,
                        "POST",
                        f"/api/v1/sessions/{sid}/bookings",
                        secrets[i],
                        {"niks": [niks[i]]},
                    )
                )
                for i in range(100)
            ]
        )
    statuses = Counter(status for status, _body in results)
    assert statuses == {201: 10, 409: 90}, results[:3]
    assert {b["error"]["code"] for s, b in results if s == 409} == {"full"}
    assert all(b["remaining"] == 0 for s, b in results if s == 409)
    booked, active, queue = _counts(app, sid)
    assert (booked, active) == (10, 10)
    assert queue == list(range(1, 11))


def test_one_resident_never_holds_two_active_bookings(app):
    niks, secrets, (a, b) = _setup(app, residents=25, tokens=50, capacities=[100, 100])
    with Gunicorn(app, TODAY) as server:
        calls = []
        for i, nik in enumerate(niks):
            for k, sid in enumerate((a, b)):
                calls.append(
                    lambda sid=sid, nik=nik, t=secrets[2 * i + k]: call(
                        server.port,
                        "POST",
                        f"/api/v1/sessions/{sid}/bookings",
                        t,
                        {"niks": [nik]},
                    )
                )
        results = _fire(calls)
    assert all(status in (201, 409, 422) for status, _b in results), results
    assert Counter(s for s, _b in results)[201] == 25
    for status, body in results:
        if status == 422:
            assert body["error"]["code"] == "not_eligible"
            assert (
                "Sudah punya jadwal" in next(iter(body["error"]["fields"].values()))[0]
            )
    with app.app_context():
        per_resident = _db.session.execute(
            select(Booking.resident_id, func.count())
            .where(Booking.status == "active")
            .group_by(Booking.resident_id)
        ).all()
        _db.session.remove()
    assert len(per_resident) == 25 and {n for _r, n in per_resident} == {1}
    assert _counts(app, a)[0] + _counts(app, b)[0] == 25


def test_groups_and_singles_racing_never_overfill(app):
    niks, secrets, (sid,) = _setup(app, residents=40, tokens=24, capacities=[10])
    groups = [niks[3 * g : 3 * g + 3] for g in range(8)]  # 24 people in 8 groups
    singles = [[nik] for nik in niks[24:40]]  # 16 singles
    bodies = groups + singles
    with Gunicorn(app, TODAY) as server:
        results = _fire(
            [
                (
                    lambda i=i: call(
                        server.port,
                        "POST",
                        f"/api/v1/sessions/{sid}/bookings",
                        secrets[i % len(secrets)],
                        {"niks": bodies[i]},
                    )
                )
                for i in range(len(bodies))
            ]
        )
    assert all(status in (201, 409) for status, _b in results), results
    made = sum(len(b["bookings"]) for s, b in results if s == 201)
    booked, active, queue = _counts(app, sid)
    assert booked == active == made <= 10
    assert made >= 8  # only a group bigger than what is left can leave places empty
    assert len(set(queue)) == len(queue)
    for (status, body), wanted in zip(results, bodies, strict=True):
        if status == 201:  # a group is booked whole, never in part
            assert len(body["bookings"]) == len(wanted)
        else:
            assert body["error"]["code"] == "full"
