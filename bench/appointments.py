"""Appointments under load: many clients booking one session over HTTP, the calendar.

Run with the project's venv: `.venv/bin/python bench/appointments.py [--clients 200]
[--small] [--database-url URL]`.
Prints one line per figure: `name: value unit (target ≤ X) ok|MISS`.

The app runs under gunicorn (2 sync workers, the project's gunicorn.conf.py) on a
fresh instance (SQLite unless DESA_DATABASE_URL says otherwise). Every client has
its own clerk API token and books one resident; all are released at once into a
session with fewer places than clients, so most of them race for the last places.
The booked count must end exactly at the capacity.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import threading
import time

from _common import add_options, figure, percentile, temp_instance

INSTANCE = temp_instance()

from _http import Gunicorn, request, timed  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from desa import create_app  # noqa: E402
from desa.appointments.models import Booking, RecordingSession  # noqa: E402
from desa.appointments.sessions import create_session  # noqa: E402
from desa.auth.actor import command_actor  # noqa: E402
from desa.auth.services import create_token  # noqa: E402
from desa.core.village import set_village  # noqa: E402
from desa.extensions import db  # noqa: E402
from desa.residents.models import Resident  # noqa: E402


def setup(app, clients: int, capacity: int) -> tuple[int, list[str], list[str]]:
    """Residents, one clerk token per client, the contested session, a month of others."""
    with app.app_context():
        upgrade()
        set_village("61.01.12.2002")
        system = command_actor()
        day = system.today + dt.timedelta(days=14)
        niks = []
        for n in range(clients):
            birth = dt.date(1980 + n % 20, 1 + n % 12, 1 + n % 28)
            nik = f"610112{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}{n + 1:04d}"
            niks.append(nik)
            db.session.add(
                Resident(
                    nik=nik,
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
        tokens = [
            create_token(system, f"loket {i}", "clerk")[1] for i in range(clients)
        ]
        base = {
            "start": "08:00",
            "end": "15:00",
            "place": "Kantor Desa",
            "minutes_per_person": 5,
            "allow_non_working_day": True,
        }
        contested = create_session(
            system, {**base, "date": day.isoformat(), "capacity": capacity}
        )
        for k in range(30):  # what the public calendar lists
            later = day + dt.timedelta(days=1 + k * 2)
            create_session(
                system,
                {
                    **base,
                    "date": later.isoformat(),
                    "capacity": 40,
                    "place": f"Balai Dusun {k % 5 + 1}",
                },
            )
        db.session.commit()
        session_id = contested.id
        db.session.remove()
        db.engine.dispose()
    return session_id, niks, tokens


def race(port: int, session_id: int, niks: list[str], tokens: list[str]):
    """Every client POSTs its booking at once; returns (elapsed s, [(status, ms)])."""
    results: list = [None] * len(niks)
    barrier = threading.Barrier(len(niks) + 1)

    def client(i: int) -> None:
        body = json.dumps({"niks": [niks[i]]}).encode()
        headers = {
            "Authorization": f"Bearer {tokens[i]}",
            "Content-Type": "application/json",
        }
        barrier.wait()
        start = time.perf_counter()
        try:
            status, _ = request(
                port, "POST", f"/api/v1/sessions/{session_id}/bookings", headers, body
            )
        except OSError:
            status = 0
        results[i] = (status, (time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(niks))]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=100)
    args = add_options(parser).parse_args()
    if args.small:
        args.clients, args.capacity = 20, 10

    app = create_app()
    session_id, niks, tokens = setup(app, args.clients, args.capacity)
    with Gunicorn("wsgi:app") as server:
        elapsed, results = race(server.port, session_id, niks, tokens)
        pages = timed(300, lambda i: request(server.port, "GET", "/jadwal"))
    statuses = [s for s, _ms in results]
    booked_ok = statuses.count(201)
    errors = sum(1 for s in statuses if s not in (201, 409))
    with app.app_context():
        booked = db.session.scalar(
            select(RecordingSession.booked).where(RecordingSession.id == session_id)
        )
        active = len(
            db.session.scalars(
                select(Booking.id).where(
                    Booking.session_id == session_id, Booking.status == "active"
                )
            ).all()
        )
    n = args.clients
    figure(
        f"{n} concurrent clients: requests answered per second",
        n / elapsed,
        "req/s",
        50,
        True,
    )
    figure(
        "bookings made per second (201 answers)",
        booked_ok / elapsed,
        "bookings/s",
        25,
        True,
    )
    figure(
        "booking request p99", percentile([ms for _s, ms in results], 99), "ms", 5000
    )
    figure("answers other than 201/409 (5xx, refused connections)", errors, "", 0)
    full = booked == active == booked_ok == args.capacity
    print(
        f"final booked count: {booked} (rows {active}, 201 answers {booked_ok}) of "
        f"capacity {args.capacity} with {n} clients {'ok' if full else 'MISS'}"
    )
    figure("public session calendar page p95", percentile(pages, 95), "ms", 50)


if __name__ == "__main__":
    main()
