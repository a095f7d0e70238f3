"""Shared fixtures: app, db, client, runner, login(role), factories, live_server.

The suite runs on SQLite by default and on PostgreSQL when DESA_TEST_DATABASE_URL is
set. The schema is built once per run by the Alembic migrations (never create_all);
each test then gets a clean copy (SQLite: a copied file; PostgreSQL: TRUNCATE).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import itertools
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import MetaData, create_engine, text
from werkzeug.serving import make_server

from config import TestConfig
from desa import create_app
from desa.extensions import db as _db

PG_URL = os.environ.get("DESA_TEST_DATABASE_URL")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _test_config(instance: Path, url: str) -> TestConfig:
    return TestConfig(
        {
            "DESA_INSTANCE_PATH": str(instance),
            "DESA_DATABASE_URL": url,
            "DESA_SECRET_KEY": "test-secret-key-not-for-production",
            "DESA_BASE_URL": "http://desa.test",
        }
    )


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(_test_config(instance, url))
    with app.app_context():
        upgrade()
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> str:
    """Migrates a database once; returns its URL (PostgreSQL) or file path (SQLite)."""
    instance = tmp_path_factory.mktemp("template")
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(PG_URL, instance)
        _PG_SEEDS.extend(_read_seeds(PG_URL))
        return PG_URL
    path = instance / "template.sqlite"
    _migrate(f"sqlite:///{path}", instance)
    return str(path)


# Rows the migrations seed (letter types, …): put back after each TRUNCATE, as the
# SQLite copy of the migrated template keeps them.
_PG_SEEDS: list[tuple[Any, list[dict]]] = []


def _read_seeds(url: str) -> list[tuple[Any, list[dict]]]:
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    seeds = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [dict(r._mapping) for r in conn.execute(table.select())]
            if rows:
                seeds.append((table, rows))
    engine.dispose()
    return seeds


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        for table, rows in _PG_SEEDS:
            conn.execute(table.insert(), rows)
            if "id" in table.c:
                top = max(row["id"] for row in rows)
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"),
                    {"t": table.name, "n": top},
                )
    engine.dispose()


@pytest.fixture
def database_url(database_template, tmp_path) -> str:
    """A clean, migrated database for one test."""
    if PG_URL:
        _reset_postgres(PG_URL)
        return PG_URL
    path = tmp_path / "desa.sqlite"
    shutil.copyfile(database_template, path)
    return f"sqlite:///{path}"


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, as a real server would.

    Flask reuses an already pushed app context (the `db` fixture's), which would
    share `g` (the signed-in user, the locale) between requests and clients.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url, tmp_path):
    """The app on a clean database, with Desa Merubung set up."""
    from desa.auth.actor import command_actor
    from desa.core.village import set_village
    from desa.trust.keys import ensure_active_key

    instance = tmp_path / "instance"
    application = create_app(_test_config(instance, database_url))
    application.test_client_class = IsolatedClient
    with application.app_context():
        set_village("61.01.12.2002")
        ensure_active_key(command_actor())
        _db.session.commit()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def freeze(app):
    """freeze(day_or_datetime): stops the app's one clock (the only way tests freeze
    time). A date means 09:00 in the village on that day; a naive datetime is
    village time. Requests, commands and jobs then all see that moment."""
    from desa.core import clock

    def set_to(when: dt.date | dt.datetime) -> dt.datetime:
        instant = _village_instant(when)
        clock.freeze(app, instant)
        return instant

    yield set_to
    clock.freeze(app, None)


def _village_instant(when: dt.date | dt.datetime) -> dt.datetime:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Pontianak")  # Desa Merubung's zone
    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time(9, 0))
    return when if when.tzinfo else when.replace(tzinfo=zone)


@pytest.fixture
def make_actor(app):
    """make_actor(principal=None, today=…, now=…, ip=…, via=…) → an Actor.

    Services take the actor as their first argument; tests give it a fixed date
    instead of patching a clock. Without `today`/`now` it is the app clock's moment.
    Without a principal it is the system (a CLI command).
    """
    from desa.auth.actor import Actor, Via
    from desa.core import clock

    def factory(principal=None, *, today=None, now=None, ip=None, via=None):
        if today is None and now is None:
            now = clock_now(app)
        elif now is not None:
            now = _village_instant(now)
        return Actor(
            principal=principal,
            today=today,
            now=now,
            ip=ip,
            via=via or (Via.WEB if principal is not None else Via.CLI),
        )

    def clock_now(application):
        with application.app_context():
            return clock.utc_now().astimezone(_village_instant(dt.date.today()).tzinfo)

    return factory


@pytest.fixture
def db(app):
    """The database, inside an app context."""
    with app.app_context():
        yield _db
        _db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_from(html: str) -> str:
    match = CSRF_META.search(html)
    assert match, "page carries no csrf-token meta"
    return match.group(1)


def csrf_token(client) -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    return csrf_from(client.get("/").get_data(as_text=True))


def post_login_as(client, username, password, next_url="", address="10.0.0.1"):
    """Signs in through the real form, as a browser would."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": token,
            "next": next_url,
        },
        environ_base={"REMOTE_ADDR": address},
    )


_counter = itertools.count(1)
PASSWORD = "kata-sandi-uji-2026"
ROLES = ("admin", "clerk", "head", "rt", "employer", "resident")


@pytest.fixture
def make_user(app):
    """Factory: make_user(role="clerk", **overrides) → a committed User."""
    from desa.auth.services import create_user

    def factory(role: str = "clerk", **overrides):
        n = next(_counter)
        kwargs = {"full_name": f"Petugas {role} {n}"}
        if role == "rt":
            kwargs.update(rw="001", rt="002")
        if role == "employer":
            kwargs["employer"] = "PT Sawit Tekarang Lestari"
        kwargs.update(overrides)
        username = kwargs.pop("username", f"{role}{n}")
        password = kwargs.pop("password", PASSWORD)
        with app.app_context():
            user = create_user(system(), username, password, role, **kwargs)
            _db.session.commit()
            _db.session.refresh(user)
            _db.session.expunge(user)
        return user

    return factory


def system():
    """The actor of a set-up step (a CLI command at the app clock's moment)."""
    from desa.auth.actor import command_actor

    return command_actor()


def nik_for(birth: dt.date, sex: str, serial: int, district: str = "610112") -> str:
    day = birth.day + (40 if sex == "P" else 0)
    return f"{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


@pytest.fixture
def make_resident(app):
    """Factory: make_resident(**overrides) → a committed Resident (valid NIK)."""
    from desa.residents.models import Resident

    def factory(**overrides):
        n = next(_counter)
        birth = overrides.pop("birth_date", dt.date(1990, 5, 17))
        sex = overrides.pop("sex", "L")
        name = overrides.pop("name", f"WARGA UJI {n}")
        values = {
            "nik": nik_for(birth or dt.date(1990, 1, 1), sex, n % 9999 + 1),
            "kk": f"6101120101{n:06d}",
            "name": name,
            "name_key": name.upper(),
            "sex": sex,
            "birth_date": birth,
            "birth_place": "SAMBAS",
            "religion": "ISLAM",
            "marital_status": "BELUM KAWIN",
            "dusun": "Sungai Bedung",
            "rw": "001",
            "rt": "002",
            "life_status": "active",
            "ektp_status": 2,
        }
        values.update(overrides)
        with app.app_context():
            resident = Resident(**values)
            _db.session.add(resident)
            _db.session.commit()
            _db.session.refresh(resident)
            _db.session.expunge(resident)
        return resident

    return factory


@pytest.fixture
def issue_pin(app):
    """Gives a resident a PIN; returns it."""
    from desa.residents.models import Resident
    from desa.residents.services import issue_pin as _issue

    def factory(resident) -> str:
        with app.app_context():
            pin = _issue(system(), _db.session.get(Resident, resident.id))
            _db.session.commit()
        return pin

    return factory


@pytest.fixture
def login(client, make_user, make_resident, issue_pin):
    """login(role, on=None, **overrides): signs the test client (or `on`) in as a new
    principal of `role`."""

    def do_login(role: str = "clerk", *, on=None, **overrides):
        browser = on or client  # another test client, for a second person
        if role == "resident":
            resident = make_resident(**overrides)
            pin = issue_pin(resident)
            token = csrf_from(browser.get("/resident/login").get_data(as_text=True))
            resp = browser.post(
                "/resident/login",
                data={"nik": resident.nik, "pin": pin, "csrf_token": token},
            )
            assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
            return resident
        user = make_user(role, **overrides)
        token = csrf_from(browser.get("/login").get_data(as_text=True))
        resp = browser.post(
            "/login",
            data={"username": user.username, "password": PASSWORD, "csrf_token": token},
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return user

    return do_login


@pytest.fixture
def make_token(app):
    """make_token(role) → the bearer secret of a new API token."""
    from desa.auth.services import create_token

    def factory(role: str = "district", name: str | None = None) -> str:
        with app.app_context():
            _token, secret = create_token(system(), name or f"token {role}", role)
            _db.session.commit()
        return secret

    return factory


class LiveServer:
    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def empty_database(tmp_path):
    """The URL of an empty database (SQLite file, or a fresh PostgreSQL schema),
    for the tests that run migrations themselves."""
    import uuid

    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'migration.sqlite'}"
        return
    schema = f"migration_{uuid.uuid4().hex[:10]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """The app served on a free loopback port in a thread."""
    with LiveServer(app) as server:
        yield server


def confirm_employees(actor) -> int:
    """The desk confirms every employee proposal waiting (and commits); how many."""
    from desa.appointments import employees
    from desa.extensions import db as _db

    _db.session.rollback()  # a fresh snapshot: the app committed since the last read
    waiting = employees.proposed(actor)
    for e in waiting:
        employees.confirm(actor, e.id)
    _db.session.commit()
    return len(waiting)


LAN = "192.168.1.23"  # this laptop's address on the office network, in address tests


@pytest.fixture
def unset(app, monkeypatch):
    """The app as `make run` starts it: no DESA_BASE_URL, no HOST or PORT, and this
    laptop at LAN on the office network."""
    from desa.core import addresses

    monkeypatch.setitem(app.config, "BASE_URL_SET", False)
    monkeypatch.setitem(app.config, "BASE_URL", addresses.DEFAULT_BASE_URL)
    monkeypatch.setitem(app.config, "SERVE_HOST", None)
    monkeypatch.setitem(app.config, "SERVE_PORT", None)
    monkeypatch.setattr(addresses, "lan_address", lambda: LAN)
    return app.config
