"""Every read of a resident's data leaves one audit line: who, what, masked."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from conftest import PG_URL
from sqlalchemy import event, select

from desa.auth.models import AuditEvent
from desa.extensions import db as _db


def _lines(app, action):
    with app.app_context():
        return _db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action)
        ).all()


@contextmanager
def _statements(app):
    """The SQL statements SQLAlchemy sends while the block runs."""
    seen: list[str] = []
    with app.app_context():
        engine = _db.engine

    def listen(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def test_resident_page_is_audited_once_with_a_masked_detail(
    app, client, login, make_resident
):
    resident = make_resident(name="AKBAR ALFARIZI")
    clerk = login("clerk")
    assert client.get(f"/residents/{resident.id}").status_code == 200
    (line,) = _lines(app, "residents.read")
    assert (line.actor_kind, line.actor_id) == ("user", clerk.id)
    assert (line.object_type, line.object_id) == ("resident", str(resident.id))
    assert (
        line.detail == f"A**** A******* ({resident.nik[:4]}********{resident.nik[-4:]})"
    )
    assert resident.nik not in line.detail and "AKBAR" not in line.detail


def test_family_page_is_audited_once(app, client, login, make_resident):
    resident = make_resident(name="SITI AMINAH")
    head = login("head")
    assert client.get(f"/residents/{resident.id}/family").status_code == 200
    (line,) = _lines(app, "residents.family_read")
    assert line.actor_id == head.id and line.object_id == str(resident.id)
    assert line.detail.startswith("S*** A***** (")
    assert _lines(app, "residents.read") == []


def test_a_resident_outside_the_scope_leaves_no_read_line(
    app, client, login, make_resident
):
    other = make_resident(rw="009", rt="009")
    login("rt")  # RT 001/002
    assert client.get(f"/residents/{other.id}").status_code == 404
    assert _lines(app, "residents.read") == []


def test_api_nik_lookup_is_audited_with_one_statement(
    app, client, make_token, make_resident
):
    resident = make_resident(name="AKBAR ALFARIZI")
    headers = {"Authorization": f"Bearer {make_token('clerk')}"}
    client.get(f"/api/v1/residents/{resident.nik}", headers=headers)  # warm caches
    with _statements(app) as seen:
        resp = client.get(f"/api/v1/residents/{resident.nik}", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["nik"] == resident.nik
    assert "id" not in resp.get_json()
    assert len(seen) == 1 and seen[0].startswith("INSERT INTO audit_events")
    lines = _lines(app, "residents.read")
    assert len(lines) == 2
    assert (lines[-1].actor_kind, lines[-1].object_id) == ("token", str(resident.id))
    assert lines[-1].detail.startswith("A**** A******* (")


def test_api_nik_lookup_not_found_writes_nothing(app, client, make_token):
    headers = {"Authorization": f"Bearer {make_token('clerk')}"}
    assert (
        client.get("/api/v1/residents/6101124503090001", headers=headers).status_code
        == 404
    )
    assert _lines(app, "residents.read") == []


def test_api_resident_list_is_audited_with_its_filters_masked(
    app, client, make_token, make_resident
):
    resident = make_resident()
    headers = {"Authorization": f"Bearer {make_token('clerk')}"}
    query = f"{resident.nik[:4]}-{resident.nik[4:8]}-{resident.nik[8:12]}-{resident.nik[12:]}"
    resp = client.get(f"/api/v1/residents?q={query}&rw=001", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["total"] == 1
    (line,) = _lines(app, "residents.search")
    assert line.actor_kind == "token"
    assert line.detail == f"q={resident.nik[:4]}********{resident.nik[-4:]}, rw=001"


def test_cli_export_is_audited_by_the_system(app, runner, make_resident, tmp_path):
    make_resident()
    make_resident()
    out = tmp_path / "penduduk.csv"
    result = runner.invoke(args=["resident", "export", str(out)])
    assert result.exit_code == 0, result.output
    (line,) = _lines(app, "residents.export")
    assert line.actor_kind == "system" and line.detail == "2 penduduk ke penduduk.csv"


@pytest.mark.skipif(PG_URL is not None, reason="SQLite's synchronous pragma")
def test_a_read_audit_commits_without_fsync_and_other_writes_with_it(app, db):
    from desa.core.db import begin_write

    def synchronous() -> int:
        return db.session.connection().exec_driver_sql("PRAGMA synchronous").scalar()

    with app.test_request_context("/api/v1/residents/x"):
        begin_write(only_read_audit=True)
        assert synchronous() == 1  # NORMAL: atomic, flushed at the next sync
        begin_write()
        assert synchronous() == 2  # FULL again for every other write
        db.session.rollback()


@pytest.mark.skipif(PG_URL is None, reason="PostgreSQL's synchronous_commit")
def test_a_read_audit_does_not_wait_for_the_wal_flush_on_postgresql(app, db):
    from desa.core.db import begin_write

    def synchronous_commit() -> str:
        return (
            db.session.connection().exec_driver_sql("SHOW synchronous_commit").scalar()
        )

    with app.test_request_context("/api/v1/residents/x"):
        begin_write(only_read_audit=True)
        assert synchronous_commit() == "off"  # this transaction only
        begin_write()
        assert synchronous_commit() == "on"  # every other write waits for the disk
        db.session.rollback()
