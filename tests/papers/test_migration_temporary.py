"""Migration 0025: the temporary residents' table, its checks, its downgrade.

Runs on a database of its own (a SQLite file, or on PostgreSQL a schema of its
own), so the shared test database is not touched.
"""

from __future__ import annotations

import os

import pytest
from conftest import _test_config
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from desa import create_app
from desa.extensions import db

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")
ROW = (
    "INSERT INTO temporary_residents (name, sex, id_number, citizenship, came_from, "
    "purpose, host_name, host_address, arrived_on, left_on, created_by, created_at, "
    "updated_at) VALUES ('BUDI', :sex, '6101121705900007', 'WNI', 'Singkawang', "
    "'Bekerja', 'AHMAD', 'Dusun Sungai Bening', '2026-10-05', :left_on, 'clerk', "
    "'2026-10-05 09:00:00', '2026-10-05 09:00:00')"
)


def test_0025_creates_the_table_with_its_checks_and_downgrades(
    empty_database, tmp_path
):
    from flask_migrate import downgrade, upgrade

    app = create_app(_test_config(tmp_path / "instance", empty_database))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0025")
        with db.engine.begin() as conn:
            indexes = {
                i["name"] for i in inspect(conn).get_indexes("temporary_residents")
            }
            assert {
                "ix_temporary_residents_arrived_on",
                "ix_temporary_residents_left_on",
            } <= indexes
            conn.execute(text(ROW), {"sex": "L", "left_on": None})
            citizenship = conn.execute(
                text("SELECT citizenship FROM temporary_residents")
            ).scalar_one()
            assert citizenship == "WNI"
        for sex, left_on in (("X", None), ("L", "2026-10-01")):
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(text(ROW), {"sex": sex, "left_on": left_on})
        downgrade(directory=MIGRATIONS, revision="0024")
        with db.engine.begin() as conn:
            assert "temporary_residents" not in inspect(conn).get_table_names()
        upgrade(directory=MIGRATIONS, revision="0025")
        with db.engine.begin() as conn:
            assert "temporary_residents" in inspect(conn).get_table_names()
        db.engine.dispose()
