"""Opening or downloading a letter leaves one audit line, its holder masked."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from desa.auth.models import AuditEvent
from desa.extensions import db as _db


def _lines(app, action):
    with app.app_context():
        return _db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action)
        ).all()


def test_staff_pdf_download_is_audited_once(app, client, login, holder, letters):
    letter = letters.issue(letters.draft(holder))
    clerk = login("clerk")
    resp = client.get(f"/letters/{letter.public_id}/pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    (line,) = _lines(app, "letters.download")
    assert (line.actor_kind, line.actor_id) == ("user", clerk.id)
    assert (line.object_type, line.object_id) == ("letter", letter.public_id)
    assert "S*** A*****" in line.detail and letter.number in line.detail
    assert holder.nik not in line.detail and "SITI" not in line.detail


def test_a_draft_without_pdf_leaves_no_download_line(
    app, client, login, holder, letters
):
    public_id = letters.draft(holder)
    login("clerk")
    assert client.get(f"/letters/{public_id}/pdf").status_code == 409
    assert _lines(app, "letters.download") == []


def test_resident_downloading_own_letter_is_audited(
    app, client, login, letters, make_resident
):
    me = login("resident", name="BUDI SANTOSO")
    letter = letters.issue(letters.draft(me))
    assert client.get(f"/me/letters/{letter.public_id}/pdf").status_code == 200
    (line,) = _lines(app, "letters.download")
    assert (line.actor_kind, line.actor_id) == ("resident", me.id)
    assert "B*** S******" in line.detail


def test_api_letter_read_and_pdf_are_audited(app, client, make_token, holder, letters):
    letter = letters.issue(letters.draft(holder))
    headers = {"Authorization": f"Bearer {make_token('clerk')}"}
    assert (
        client.get(f"/api/v1/letters/{letter.public_id}", headers=headers).status_code
        == 200
    )
    assert (
        client.get(
            f"/api/v1/letters/{letter.public_id}/pdf", headers=headers
        ).status_code
        == 200
    )
    (read,) = _lines(app, "letters.read")
    (download,) = _lines(app, "letters.download")
    assert read.actor_kind == download.actor_kind == "token"
    assert read.object_id == download.object_id == letter.public_id


def test_staff_letter_page_is_audited_once(app, client, login, holder, letters):
    public_id = letters.draft(holder)
    head = login("head")
    assert client.get(f"/letters/{public_id}").status_code == 200
    (line,) = _lines(app, "letters.read")
    assert line.actor_id == head.id and line.object_id == public_id
    assert "S*** A*****" in line.detail


def test_register_download_is_audited_but_its_page_is_not(
    app, client, login, holder, letters, freeze
):
    freeze(dt.date(2026, 11, 23))
    letters.issue(letters.draft(holder))
    login("clerk")
    assert client.get("/letters/register?year=2026&month=11").status_code == 200
    assert _lines(app, "letters.register_export") == []
    resp = client.get("/letters/register?year=2026&month=11&format=xlsx")
    assert resp.status_code == 200
    (line,) = _lines(app, "letters.register_export")
    assert line.detail == "November 2026, 1 surat, XLSX"
