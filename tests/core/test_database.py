"""The database settings a village laptop relies on, and writers under concurrency."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text

from desa.auth.models import LoginThrottle


def test_sqlite_connections_are_durable(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_constraint_names_follow_the_convention(db):
    from desa.extensions import db as ext

    names = {c.name for t in ext.metadata.tables.values() for c in t.constraints}
    assert "uq_users_username" in names and "ck_users_role_known" in names


def _attempt(base: str, username: str) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"username": username, "password": "salah-salah-salah", "csrf_token": token}
    ).encode()
    try:
        return opener.open(base + "/login", data=body, timeout=30).status
    except urllib.error.HTTPError as err:
        return err.code


def test_concurrent_failed_sign_ins_are_all_counted(live_server, make_user, db):
    user = make_user("clerk")
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(
            pool.map(lambda _: _attempt(live_server.url, user.username), range(24))
        )
    assert all(code in (401, 429) for code in codes), (
        codes
    )  # never a 500 or a lock error
    assert codes.count(429) >= 1
    db.session.rollback()
    rows = db.session.scalars(select(LoginThrottle)).all()
    assert max(r.failures for r in rows) == codes.count(401)


def test_statistics_are_refreshed_after_a_bulk_load(db, make_resident):
    from desa.core.db import refresh_statistics

    for _ in range(3):
        make_resident()
    refresh_statistics("residents")  # outside any transaction; SQLite: nothing
    if db.engine.dialect.name != "postgresql":
        return
    analyzed, vacuumed = db.session.execute(
        text(
            "SELECT last_analyze, last_vacuum FROM pg_stat_user_tables"
            " WHERE relname = 'residents'"
        )
    ).one()
    assert analyzed is not None and vacuumed is not None
    visible = db.session.scalar(
        text("SELECT relallvisible FROM pg_class WHERE relname = 'residents'")
    )
    assert visible > 0  # index-only scans need not visit the table
