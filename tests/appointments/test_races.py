"""Races against a real server: gunicorn (2 worker processes, 4 threads each) on the
test's database, and real concurrent HTTP clients, each with its own bearer token.

Runs on SQLite and on PostgreSQL (DESA_TEST_DATABASE_URL), like the whole suite.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from conftest import nik_for
from sqlalchemy import func, select

from desa.appointments.models import Booking, RecordingSession
from desa.extensions import db as _db

from .conftest import DAY, TODAY

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(port: int, method: str, path: str, token: str, body: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=json.dumps(body) if body else None,
                     headers={"Authorization": f"Bearer {token}",
                              "Content-Type": "application/json"})  # fmt: skip
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, json.loads(raw) if raw else None
    finally:
        conn.close()


class Server:
    """gunicorn serving tests/appointments/race_app.py on a free loopback port."""

    def __init__(self, app) -> None:
        self.port = _free_port()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DESA_DATABASE_URL": str(app.config["SQLALCHEMY_DATABASE_URI"]),
            "DESA_INSTANCE_PATH": app.instance_path,
            "DESA_SECRET_KEY": app.config["SECRET_KEY"],
            "DESA_BASE_URL": "http://desa.test",
            "DESA_TEST_TODAY": TODAY.isoformat(),
        }
        self.cmd = [GUNICORN, "-w", "2", "-k", "gthread", "--threads", "4",
                    "-b", f"127.0.0.1:{self.port}", "--log-level", "warning",
                    "--chdir", str(Path(__file__).parent), "race_app:app"]  # fmt: skip

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(self.cmd, env=self.env, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


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
    from desa.auth.services import create_token
    from desa.residents.models import Resident

    with app.app_context():
        niks = []
        for n in range(residents):
            birth = dt.date(1990, 1, 1 + n % 28)
            niks.append(nik_for(birth, "L", n + 1))
            _db.session.add(Resident(nik=niks[-1], name=f"WARGA {n}",
                                     name_key=f"WARGA {n}", sex="L", birth_date=birth,
                                     rw="001", rt="002", life_status="active",
                                     ektp_status=2))  # fmt: skip
        secrets = [create_token(f"loket {i}", "clerk")[1] for i in range(tokens)]
        ids = []
        for capacity in capacities:
            s = create_session({"date": DAY.isoformat(), "start": "08:00",
                                "end": "15:00", "place": "Kantor Desa",
                                "capacity": capacity, "minutes_per_person": 5},
                               today=TODAY)  # fmt: skip
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
    with Server(app) as server:
        results = _fire([
            (lambda i=i: _call(server.port, "POST", f"/api/v1/sessions/{sid}/bookings",
                               secrets[i], {"niks": [niks[i]]}))
            for i in range(100)
        ])  # fmt: skip
    statuses = Counter(status for status, _body in results)
    assert statuses == {201: 10, 409: 90}, results[:3]
    assert {b["error"]["code"] for s, b in results if s == 409} == {"full"}
    assert all(b["remaining"] == 0 for s, b in results if s == 409)
    booked, active, queue = _counts(app, sid)
    assert (booked, active) == (10, 10)
    assert queue == list(range(1, 11))


def test_one_resident_never_holds_two_active_bookings(app):
    niks, secrets, (a, b) = _setup(app, residents=25, tokens=50, capacities=[100, 100])
    with Server(app) as server:
        calls = []
        for i, nik in enumerate(niks):
            for k, sid in enumerate((a, b)):
                calls.append(lambda sid=sid, nik=nik, t=secrets[2 * i + k]: _call(
                    server.port, "POST", f"/api/v1/sessions/{sid}/bookings", t,
                    {"niks": [nik]}))  # fmt: skip
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
    with Server(app) as server:
        results = _fire([
            (lambda i=i: _call(server.port, "POST", f"/api/v1/sessions/{sid}/bookings",
                               secrets[i % len(secrets)], {"niks": bodies[i]}))
            for i in range(len(bodies))
        ])  # fmt: skip
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
