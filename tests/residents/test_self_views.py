"""A signed-in resident asks for a correction; the clerk answers from the queue."""

from __future__ import annotations

import re

from conftest import PASSWORD, csrf_from, csrf_token, post_login_as

from desa.auth.models import AuditEvent
from desa.residents.models import CorrectionRequest


def text_of(resp) -> str:
    return resp.get_data(as_text=True)


def clerk_client(app, make_user, role: str = "clerk"):
    """A second browser, signed in as staff, next to the resident's."""
    user = make_user(role)
    other = app.test_client()
    resp = post_login_as(other, user.username, PASSWORD)
    assert resp.status_code == 302
    return other


def test_correction_round_trip(app, db, client, login, make_user):
    me = login("resident", name="SITI AMINAH")
    home = text_of(client.get("/"))
    assert 'href="/resident/correction"' in home and "Ajukan perbaikan data" in home
    assert 'href="/resident/corrections"' in home

    page = text_of(client.get("/resident/correction"))
    assert "Tanggal lahir" in page  # the choice of field
    resp = client.post(
        "/resident/correction",
        data={
            "field": "birth_date",
            "message": "Tanggal lahir saya 12 April 1988.",
            "csrf_token": csrf_from(page),
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert "Permintaan perbaikan data sudah dikirim" in text_of(client.get("/"))
    mine = text_of(client.get("/resident/corrections"))
    assert "Tanggal lahir saya 12 April 1988." in mine and "sedang diperiksa" in mine

    clerk = clerk_client(app, make_user)
    assert re.search(
        r'Permintaan perbaikan data <span class="count">1</span>',
        text_of(clerk.get("/")),
    )
    queue = text_of(clerk.get("/residents/corrections"))
    assert "SITI AMINAH" in queue and "Tanggal lahir saya 12 April 1988." in queue
    assert "1 menunggu jawaban" in queue
    request_id = db.session.query(CorrectionRequest.id).scalar()
    assert f'href="/residents/{me.id}"' in queue

    resp = clerk.post(
        f"/residents/corrections/{request_id}",
        data={
            f"c{request_id}-status": "done",
            f"c{request_id}-response": "Sudah diperbaiki sesuai KK.",
            f"c{request_id}-csrf_token": csrf_from(queue),
        },
    )
    assert resp.status_code == 302
    queue = text_of(clerk.get("/residents/corrections"))
    assert "sudah dijawab" in queue and "0 menunggu jawaban" in queue
    assert "Sudah diperbaiki sesuai KK." in queue

    mine = text_of(client.get("/resident/corrections"))
    assert "sudah diperbaiki" in mine and "Sudah diperbaiki sesuai KK." in mine
    db.session.rollback()  # end the test's read snapshot
    actions = {a for (a,) in db.session.query(AuditEvent.action)}
    assert {"residents.correction_request", "residents.correction_done"} <= actions

    # Answering twice is refused; the first answer stays.
    resp = clerk.post(
        f"/residents/corrections/{request_id}",
        data={
            f"c{request_id}-status": "rejected",
            f"c{request_id}-response": "x",
            "csrf_token": csrf_token(clerk),
        },
    )
    assert "Permintaan ini sudah dijawab." in text_of(
        clerk.get(resp.headers["Location"])
    )
    db.session.expire_all()
    assert db.session.get(CorrectionRequest, request_id).status == "done"


def test_reject_needs_a_reason(app, db, client, login, make_user):
    login("resident")
    client.post(
        "/resident/correction",
        data={
            "field": "",
            "message": "Nama ibu salah.",
            "csrf_token": csrf_token(client),
        },
    )
    request_id = db.session.query(CorrectionRequest.id).scalar()
    db.session.rollback()
    clerk = clerk_client(app, make_user)
    resp = clerk.post(
        f"/residents/corrections/{request_id}",
        data={f"c{request_id}-status": "rejected", "csrf_token": csrf_token(clerk)},
    )
    assert "Tuliskan alasan penolakan" in text_of(clerk.get(resp.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(CorrectionRequest, request_id).status == "open"


def test_empty_request_is_refused(db, client, login):
    login("resident")
    resp = client.post(
        "/resident/correction",
        data={"field": "name", "message": "  ", "csrf_token": csrf_token(client)},
    )
    assert resp.status_code == 422
    assert "Wajib diisi." in text_of(resp)
    assert db.session.query(CorrectionRequest).count() == 0


def test_residents_see_only_their_own_requests(app, db, client, login, make_resident):
    other = make_resident(name="ORANG LAIN")
    db.session.add(
        CorrectionRequest(resident_id=other.id, message="Rahasia orang lain")
    )
    db.session.commit()
    login("resident")
    assert "Rahasia orang lain" not in text_of(client.get("/resident/corrections"))
    assert client.get("/residents/corrections").status_code == 403
    assert client.get(f"/residents/{other.id}").status_code == 403


def test_head_and_rt_cannot_answer(app, db, make_resident, make_user):
    resident = make_resident()
    item = CorrectionRequest(resident_id=resident.id, message="x")
    db.session.add(item)
    db.session.commit()
    for role in ("head", "rt"):
        other = clerk_client(app, make_user, role)
        assert other.get("/residents/corrections").status_code == 403
        resp = other.post(
            f"/residents/corrections/{item.id}",
            data={f"c{item.id}-status": "done", "csrf_token": csrf_token(other)},
        )
        assert resp.status_code == 403
