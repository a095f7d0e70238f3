"""A small village for attack tests: two RTs, two employers, two residents with
letters and bookings, one signed-in client per principal.

Everything is made through the services, as the app would; every client signs in
through its real form (CSRF on) from its own address.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import PASSWORD, csrf_from, csrf_token, post_login_as

from desa.extensions import db as _db

TODAY = dt.date(2027, 2, 1)  # a Monday
DAY = dt.date(2027, 2, 3)  # a Wednesday, a working day
_addresses = itertools.count(10)


@pytest.fixture(autouse=True)
def today(freeze):
    """The village's date is Monday 1 February 2027 (appointments look at it)."""
    freeze(TODAY)
    return TODAY


@dataclass
class Person:
    """A resident of the world and what belongs to them."""

    id: int
    nik: str
    name: str
    pin: str = ""
    letter: str = ""  # public id of an issued letter
    letter_number: str = ""
    booking: int = 0
    booking_code: str = ""


@dataclass
class World:
    app: Any
    session_id: int = 0
    people: dict[str, Person] = field(default_factory=dict)
    employee_ids: dict[str, int] = field(default_factory=dict)
    batch_id: int = 0
    import_job_id: int = 0
    district_token: str = ""
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, who: str):
        """A client signed in as `who` (made once, kept)."""
        if who not in self.clients:
            self.clients[who] = _sign_in(self, who)
        return self.clients[who]

    def secrets_of(self, owner: str) -> list[str]:
        """What must never show to someone else: full NIK, name, number, code."""
        p = self.people[owner]
        return [s for s in (p.nik, p.name, p.letter_number, p.booking_code) if s]


USERS = {
    "clerk": {"role": "clerk"},
    "head": {"role": "head"},
    "rt_a": {"role": "rt", "rw": "001", "rt": "002"},
    "rt_b": {"role": "rt", "rw": "001", "rt": "003"},
    "employer_a": {"role": "employer", "employer": "PT Sawit Tekarang Lestari"},
    "employer_b": {"role": "employer", "employer": "CV Karet Sambas Jaya"},
}


def _sign_in(world: World, who: str):
    client = world.app.test_client()
    address = f"10.9.0.{next(_addresses)}"
    client.environ_base["REMOTE_ADDR"] = address
    if who in USERS:
        resp = post_login_as(client, who.replace("_", ""), PASSWORD, address=address)
    else:
        person = world.people[who]
        token = csrf_from(client.get("/resident/login").get_data(as_text=True))
        resp = client.post(
            "/resident/login",
            data={"nik": person.nik, "pin": person.pin, "csrf_token": token},
        )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return client


def _resident(nik: str, name: str, rt: str):
    from desa.residents.models import Resident

    resident = Resident(
        nik=nik,
        kk=nik[:6] + "0101" + nik[-6:],
        name=name,
        name_key=name,
        sex="L",
        birth_date=dt.date(1990, 5, 17),
        birth_place="SAMBAS",
        religion="ISLAM",
        marital_status="BELUM KAWIN",
        dusun="Sungai Bedung",
        rw="001",
        rt=rt,
        life_status="active",
        ektp_status=2,
    )
    _db.session.add(resident)
    _db.session.flush()
    return resident


@pytest.fixture
def world(app, make_actor) -> World:
    """Two RTs, two employers, two residents (+ two workers) with letters and bookings."""
    from desa.appointments import booking, employees
    from desa.appointments.sessions import create_session
    from desa.auth.services import create_token, create_user
    from desa.core.db import mark_write_intent
    from desa.exports.pending import export_pending
    from desa.letters import services as letters
    from desa.residents.models import ImportJob
    from desa.residents.services import issue_pin

    w = World(app=app)
    system = make_actor(today=TODAY)
    with app.app_context():
        users = {}
        for name, spec in USERS.items():
            spec = dict(spec)
            users[name] = create_user(
                system,
                name.replace("_", ""),
                PASSWORD,
                spec.pop("role"),
                full_name=f"Uji {name}",
                **spec,
            )
        _db.session.flush()
        rows = {
            "resident_a": _resident("6101121705900001", "ANI RT DUA", "002"),
            "resident_b": _resident("6101121705900002", "BUDI RT TIGA", "003"),
            "worker_a": _resident("6101121705900003", "CAHYO PEKERJA A", "002"),
            "worker_b": _resident("6101121705900004", "DEDI PEKERJA B", "003"),
        }
        for key, r in rows.items():
            w.people[key] = Person(r.id, r.nik, r.name, pin=issue_pin(system, r))
        for emp, worker in (("employer_a", "worker_a"), ("employer_b", "worker_b")):
            e = employees.add_employee(
                system.as_(users[emp]), rows[worker].nik, rows[worker].name
            )
            assert e.resident_id == rows[worker].id
            employees.confirm(system, e.id)
            w.employee_ids[emp] = e.id
        s = create_session(
            system,
            {
                "date": DAY.isoformat(),
                "start": "08:00",
                "end": "15:00",
                "place": "Kantor Desa",
                "capacity": 20,
                "minutes_per_person": 10,
            },
        )
        w.session_id = s.id
        booked_by = {
            "resident_a": rows["resident_a"],
            "resident_b": rows["resident_b"],
            "worker_a": users["employer_a"],
            "worker_b": users["employer_b"],
        }
        for key, principal in booked_by.items():
            (b,) = booking.book(system.as_(principal), s, [rows[key].nik])
            w.people[key].booking, w.people[key].booking_code = b.id, b.code
        w.district_token = create_token(system, "kabupaten", "district")[1]
        job = ImportJob(filename="warga.csv", stored_path="", created_by="Uji clerk")
        _db.session.add(job)
        _db.session.commit()
        w.import_job_id = job.id

        for key in ("resident_a", "resident_b"):
            mark_write_intent()
            letter = letters.create_draft(
                system.as_(users["clerk"]),
                "SKD",
                _db.session.get(type(rows[key]), rows[key].id),
                "Melamar pekerjaan",
                {},
            )
            letters.issue(system.as_(users["head"]), letter)
            _db.session.commit()
            w.people[key].letter = letter.public_id
            w.people[key].letter_number = letter.number

        mark_write_intent()
        batch = export_pending(
            system,
            "csv",
            only_new=False,
            instance_path=app.instance_path,
            actor_name="Uji clerk",
        )
        _db.session.commit()
        w.batch_id = batch.id
        _db.session.remove()
    return w


def post(client, url: str, data: dict | None = None):
    """A form POST carrying the session's CSRF token (so only authorization decides)."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def api(client, method: str, url: str, json: Any = None, token: str | None = None):
    """An API call: with a bearer token, or with the cookie and the CSRF header."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    elif method != "GET":
        headers["X-CSRFToken"] = csrf_token(client)
    return client.open(url, method=method, json=json, headers=headers)
