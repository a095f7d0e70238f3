"""Migration 0010: `letter_types.life_statuses`, its data step by code, its downgrade.

Runs on a database of its own: a SQLite file, or on PostgreSQL (when the suite
runs there) a schema of its own, so the shared test database is not touched.
"""

from __future__ import annotations

import datetime as dt
import json
import os

from conftest import _test_config
from sqlalchemy import inspect, text

from desa import create_app
from desa.extensions import db


def _rows(conn) -> dict[str, list[str]]:
    rows = conn.execute(text("SELECT code, life_statuses FROM letter_types"))
    return {
        code: value if isinstance(value, list) else json.loads(value)
        for code, value in rows
    }


def _columns(conn) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns("letter_types")}


def test_0010_sets_each_type_by_code_and_downgrades(empty_database, tmp_path):
    from flask_migrate import downgrade, upgrade

    migrations = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")
    app = create_app(_test_config(tmp_path / "instance", empty_database))
    with app.app_context():
        upgrade(directory=migrations, revision="0009")
        with db.engine.begin() as conn:
            assert "life_statuses" not in _columns(conn)
            # A type the village added before 0010.
            now = dt.datetime(2026, 11, 1, 8, 0)
            conn.execute(
                text(
                    "INSERT INTO letter_types (code, title, kind, body, fields, "
                    "number_pattern, issuer, active, created_at, updated_at) VALUES "
                    "('SKBB', 'Surat Keterangan Berkelakuan Baik', 'letter', "
                    "'[data]', '[]', '{code}/{seq:03}/{year}', 'head', :t, :n, :n)"
                ),
                {"t": True, "n": now},
            )
        upgrade(directory=migrations, revision="0010")
        with db.engine.begin() as conn:
            served = _rows(conn)
            assert served.pop("SKK") == ["deceased"]
            assert served.pop("SKP") == ["active", "moved"]
            assert served.pop("SKBB") == ["active"]
            assert set(served) == {
                "SKD",
                "SKTM",
                "SKU",
                "SKL",
                "SKKTP",
                "SP",
                "SPKTP",
                "SPN",
                "SPSKCK",
                "SRP",
            }
            assert all(value == ["active"] for value in served.values())
            # A row written without the column gets the server default.
            conn.execute(
                text(
                    "INSERT INTO letter_types (code, title, kind, body, fields, "
                    "number_pattern, issuer, active, created_at, updated_at) VALUES "
                    "('SKX', 'Surat Uji', 'letter', '[data]', '[]', "
                    "'{code}/{seq:03}/{year}', 'head', :t, :n, :n)"
                ),
                {"t": True, "n": now},
            )
            assert _rows(conn)["SKX"] == ["active"]
        downgrade(directory=migrations, revision="0009")
        with db.engine.begin() as conn:
            assert "life_statuses" not in _columns(conn)
            codes = set(conn.execute(text("SELECT code FROM letter_types")).scalars())
            assert {"SKK", "SKBB", "SKX"} <= codes  # the rows themselves stay
        upgrade(directory=migrations)  # and up again, to the head
        with db.engine.begin() as conn:
            assert _rows(conn)["SKK"] == ["deceased"]
        db.session.remove()
        db.engine.dispose()
