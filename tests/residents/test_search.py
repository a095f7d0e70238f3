"""Prefix search by name or NIK means "starts with", on SQLite and on PostgreSQL.

The search turns a prefix into an index range (`col >= 'BUD' AND col < 'BUE'`),
which is "starts with" only for a column compared by code point. PostgreSQL
databases made under a linguistic collation (en_US.UTF-8, ICU: the default of
many clusters) skip spaces and punctuation at the first level, so the columns
get `COLLATE "C"` there; these tests compare every answer with `str.startswith`,
also on such a database when the server can make one.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from conftest import PG_URL, _test_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from desa.auth.actor import command_actor
from desa.core.db import prefix_range
from desa.residents import services
from desa.residents.models import Resident

# Names that sort differently once spaces and punctuation are ignored, and
# characters at the edges of the prefix arithmetic (Z/[, space/!, U+D7FF whose
# successor is a surrogate, U+10FFFF which has none).
NAMES = [
    "A",
    "A Z",
    "A[",
    "AZ",
    "AZZ",
    "A-Z",
    "ABDUL",
    "ABDUL RAHMAN",
    "ABDULLAH",
    "ABDUL-RAHMAN",
    "BUDI",
    "BUDI SANTOSO",
    "BUDI!",
    "BUDI-ANTO",
    "BUDIMAN",
    "BUDIANTO",
    "BUDJ",
    "BUDH",
    "BUDÍ",
    "BUE",
    "D'ARCY",
    "DARCY",
    "Z",
    "ZA",
    "Z Z",
    "\ud7ff",
    "\ud7ffA",
    "\ue000",
    "X\U0010ffff",
    "X\U0010ffffY",
    "Y",
]
PREFIXES = [
    "A",
    "A ",
    "A[",
    "AZ",
    "A-",
    "ABDUL",
    "ABDUL ",
    "ABDULL",
    "BUDI",
    "BUDI ",
    "BUDI!",
    "BUDI-",
    "BUD",
    "BUDÍ",
    "D'",
    "Z",
    "Z ",
    "\ud7ff",
    "X\U0010ffff",
    "\U0010ffff",
    "ZZZ",
]


def _add(db, names, nik_start=1):
    rows = [
        {
            "nik": f"6101120101{nik_start + i:06d}",
            "nik_temporary": False,
            "name": name,
            "name_key": name,
            "sex": "L",
            "citizenship": "WNI",
            "life_status": "active",
            "nik_warnings": "[]",
            "disabled": False,
            "pin_epoch": 0,
            "created_at": dt.datetime(2026, 1, 1),
            "updated_at": dt.datetime(2026, 1, 1),
        }
        for i, name in enumerate(names)
    ]
    db.session.execute(insert(Resident), rows)


def _range_names(db, prefix):
    stmt = select(Resident.name_key).where(prefix_range(Resident.name_key, prefix))
    return sorted(db.session.scalars(stmt))


def _expected(names, prefix):
    return sorted(n for n in names if n.startswith(prefix))


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_prefix_range_is_starts_with(db, prefix):
    _add(db, NAMES)
    assert _range_names(db, prefix) == _expected(NAMES, prefix)


def test_name_search_answers_what_starts_with_the_words_typed(db):
    _add(db, NAMES)
    actor = command_actor()
    for q in ("budi", "Budi  San", "abdul", "ABDUL RA", "a z", "d'", "z", "budí"):
        prefix = " ".join(q.upper().split())
        found = db.session.scalars(services.search(actor, q=q))
        assert [r.name_key for r in found] == _expected(NAMES, prefix), q


def test_nik_search_is_a_digit_prefix_and_stays_in_order(db):
    _add(db, ["SATU", "DUA", "TIGA"], nik_start=9998)  # …009998 to …010000
    actor = command_actor()
    found = db.session.scalars(services.search(actor, q="6101 1201 0100 9"))
    assert sorted(r.nik for r in found) == ["6101120101009998", "6101120101009999"]
    found = db.session.scalars(services.search(actor, q="61011201010100"))
    assert [r.nik for r in found] == ["6101120101010000"]


def test_the_list_is_in_code_point_order_on_every_engine(db):
    _add(db, NAMES)
    order = list(db.session.scalars(services.search(command_actor())))
    assert [r.name_key for r in order] == sorted(NAMES)


# Letters, the punctuation names carry, and characters around the arithmetic's
# edges; no NUL (PostgreSQL text cannot hold it) and no surrogates.
ALPHABET = st.sampled_from(
    list("ABDIUZ") + [" ", "!", "'", "-", ".", ",", "[", "Í", "\ud7ff", "\U0010ffff"]
)
name_keys = st.text(ALPHABET, min_size=1, max_size=6)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    names=st.lists(name_keys, min_size=1, max_size=25),
    prefixes=st.lists(name_keys, min_size=1, max_size=5),
)
def test_random_prefixes_match_python_startswith(db, names, prefixes):
    try:
        _add(db, names)
        for prefix in prefixes + [n[:2] for n in names[:5]]:
            assert _range_names(db, prefix) == _expected(names, prefix), prefix
    finally:
        db.session.rollback()


# --- PostgreSQL --------------------------------------------------------------------

pg_only = pytest.mark.skipif(not PG_URL, reason="PostgreSQL collations")


@pg_only
def test_searched_columns_compare_by_code_point_on_postgresql(db):
    rows = db.session.execute(
        text(
            "SELECT table_name, column_name, collation_name"
            " FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND column_name IN ('nik', 'name_key', 'action')"
            " AND table_name IN ('residents', 'audit_events')"
        )
    ).all()
    assert sorted(rows) == [
        ("audit_events", "action", "C"),
        ("residents", "name_key", "C"),
        ("residents", "nik", "C"),
    ]
    # The models say so too, for a schema made from the metadata.
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable

    ddl = str(CreateTable(Resident.__table__).compile(dialect=postgresql.dialect()))
    assert 'name_key VARCHAR(120) COLLATE "C"' in ddl
    assert 'nik VARCHAR(16) COLLATE "C"' in ddl


# The ways a server may offer a linguistic default: glibc's en_US, then ICU told
# to skip punctuation and spaces at the first level as glibc does.
_LINGUISTIC = (
    "LC_COLLATE 'en_US.UTF-8' LC_CTYPE 'en_US.UTF-8'",
    "LOCALE_PROVIDER icu ICU_LOCALE 'en-US-u-ka-shifted' LOCALE 'C.UTF-8'",
    "LOCALE_PROVIDER icu ICU_LOCALE 'en-US-u-ka-shifted' LOCALE 'C'",
)


@pytest.fixture(scope="module")
def linguistic_url():
    """A migrated database whose default collation is linguistic (dropped after)."""
    if not PG_URL:
        pytest.skip("PostgreSQL collations")
    import psycopg

    url = make_url(PG_URL)
    name = f"{url.database}_ling_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for spec in _LINGUISTIC:
            try:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 {spec}')
                break
            except psycopg.Error:
                continue
        else:
            pytest.skip("this PostgreSQL server has no linguistic collation")
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pg_only
def test_search_is_right_on_a_linguistic_database(linguistic_url, tmp_path):
    from flask_migrate import upgrade

    from desa import create_app
    from desa.extensions import db

    app = create_app(_test_config(tmp_path / "instance", linguistic_url))
    with app.app_context():
        try:
            collation = db.session.execute(
                text(
                    "SELECT datcollate, daticulocale FROM pg_database"
                    " WHERE datname = current_database()"
                )
            ).one()
            db.session.rollback()
            # The trap is real here: this database's own order skips the space
            # and the accent, so its ranges are not "starts with".
            assert db.session.scalar(
                text("SELECT 'ABDUL RAHMAN' > 'ABDULLAH' AND 'BUDÍ' < 'BUDJ'")
            ), collation
            upgrade()
            _add(db, NAMES)
            for prefix in PREFIXES:
                assert _range_names(db, prefix) == _expected(NAMES, prefix), prefix
            actor = command_actor()
            found = db.session.scalars(services.search(actor, q="abdul"))
            assert [r.name_key for r in found] == _expected(NAMES, "ABDUL")
            order = db.session.scalars(services.search(actor))
            assert [r.name_key for r in order] == sorted(NAMES)
            db.session.rollback()
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_nul_in_the_search_finds_nobody_instead_of_failing(client, make_token, login):
    # PostgreSQL refuses a NUL in text: it used to reach it and answer 500.
    auth = {"Authorization": f"Bearer {make_token('clerk')}"}
    resp = client.get("/api/v1/residents?q=A%00B", headers=auth)
    assert resp.status_code == 200 and resp.get_json()["total"] == 0
    login("clerk")
    assert client.get("/residents?q=BUDI%00").status_code == 200
    assert client.get("/letters?q=BUDI%00").status_code == 200
