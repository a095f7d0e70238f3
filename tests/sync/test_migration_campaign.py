"""Migration 0022 on a village a hub has heard from: the residents flagged
disabled or holding an active booking, and the employers with confirmed staff,
are logged, so the next incremental bundle carries what 0021/0022 added."""

from __future__ import annotations

import datetime as dt
import os

from conftest import _test_config, nik_for
from sqlalchemy import text

from desa import create_app
from desa.extensions import db


def test_0022_logs_what_an_upgraded_village_never_sent(empty_database, tmp_path):  # noqa: F811
    from flask_migrate import upgrade

    migrations = os.path.join(os.path.dirname(__file__), "..", "..", "migrations")
    app = create_app(_test_config(tmp_path / "instance", empty_database))
    now = dt.datetime(2026, 12, 1, 8, 0)
    with app.app_context():
        upgrade(directory=migrations, revision="0021")
        with db.engine.begin() as conn:
            for n, disabled in ((1, True), (2, False), (3, False)):
                conn.execute(
                    text(
                        "INSERT INTO residents (id, nik, name, name_key, sex, "
                        "citizenship, life_status, disabled, nik_temporary, "
                        "nik_warnings, pin_epoch, created_at, updated_at) VALUES "
                        "(:id, :nik, 'WARGA', 'WARGA', 'L', 'WNI', 'active', :d, "
                        ":f, '[]', 0, :t, :t)"
                    ),
                    {
                        "id": n,
                        "nik": nik_for(dt.date(1990, 1, 1), "L", n),
                        "d": disabled,
                        "f": False,
                        "t": now,
                    },
                )
            conn.execute(text("INSERT INTO sync_state (id, acked_seq) VALUES (1, 5)"))
            conn.execute(text("DELETE FROM sync_log"))
        upgrade(directory=migrations, revision="0022")
        with db.engine.begin() as conn:
            logged = conn.execute(text("SELECT entity, key FROM sync_log")).all()
    assert [(e, str(k)) for e, k in logged] == [("resident", "1")]
