"""One commit per request or command: the view's work is committed once after it
returns, rolled back when it raises; services never commit."""

from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import func, select

from desa.auth.models import AuditEvent


@pytest.fixture
def probe(app):
    """A blueprint whose views write an audit line and then do something."""
    from desa.auth import audit
    from desa.auth.actor import current_actor
    from desa.core.errors import ValidationError, on_error
    from desa.core.unit_of_work import after_commit, keep_so_far

    bp = Blueprint("uow_probe", __name__, url_prefix="/_uow")
    calls: list[str] = []

    @bp.get("/ok")
    def ok():
        audit.record(current_actor(), "probe.ok")
        after_commit(lambda: calls.append("after"))
        return "ok"

    @bp.get("/refused")
    def refused():
        audit.record(current_actor(), "probe.refused")
        after_commit(lambda: calls.append("never"))
        raise ValidationError("Ditolak.")

    @bp.get("/refused-back")
    def refused_back():
        on_error(back="/")
        audit.record(current_actor(), "probe.refused_back")
        raise ValidationError("Ditolak dengan alasan.")

    @bp.get("/crash")
    def crash():
        audit.record(current_actor(), "probe.crash")
        raise RuntimeError("boom")

    @bp.get("/kept")
    def kept():
        audit.record(current_actor(), "probe.kept")
        keep_so_far()
        audit.record(current_actor(), "probe.lost")
        raise ValidationError("Sebagian ditolak.")

    app.register_blueprint(bp)
    return calls


def _actions(db) -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.startswith("probe."))
        )
    )


def test_a_view_that_returns_is_committed_and_then_its_callbacks_run(client, db, probe):
    assert client.get("/_uow/ok").status_code == 200
    assert _actions(db) == ["probe.ok"]
    assert probe == ["after"]


def test_a_refusal_rolls_everything_back_and_gets_its_status(client, db, probe):
    resp = client.get("/_uow/refused", headers={"Accept": "text/html"})
    assert resp.status_code == 422 and "Ditolak." in resp.get_data(as_text=True)
    assert _actions(db) == [] and probe == []


def test_a_view_may_say_where_a_refusal_goes_back_to(client, db, probe):
    resp = client.get("/_uow/refused-back")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/")
    assert "Ditolak dengan alasan." in client.get("/").get_data(as_text=True)
    assert _actions(db) == []


def test_a_crash_rolls_back_and_answers_500_in_indonesian(client, db, probe):
    resp = client.get("/_uow/crash")
    assert resp.status_code == 500
    assert "Data Anda tidak diubah" in resp.get_data(as_text=True)
    assert _actions(db) == []


def test_what_was_kept_survives_a_later_refusal(client, db, probe):
    assert client.get("/_uow/kept").status_code == 422
    assert _actions(db) == ["probe.kept"]


def test_an_api_refusal_is_the_json_error(client, db, probe):
    resp = client.get("/_uow/refused", headers={"Accept": "application/json"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"] == "Ditolak."


def test_a_cli_command_commits_once_at_its_end(runner, db):
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    db.session.rollback()
    result = runner.invoke(args=["token", "add", "Kecamatan", "--role", "district"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("desa_")  # printed only once the token was stored
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before + 1


def test_a_failed_cli_command_keeps_nothing(runner, db):
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    db.session.rollback()
    result = runner.invoke(args=["token", "add", " ", "--role", "district"])
    assert result.exit_code == 1
    assert "Nama token wajib diisi" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_services_never_commit():
    """No service module calls commit: the unit of work does (views and CLI call it
    only through the one place, desa/core/unit_of_work.py)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "desa"
    allowed = {
        "core/unit_of_work.py",  # the one place
        "core/db.py",  # begin_write ends a read transaction before a write
        "residents/import_job.py",  # a job process is its own boundary
    }
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel in allowed:
            continue
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\bsession\.commit\(\)", line):
                offenders.append(f"{rel}:{n}")
    assert offenders == []
