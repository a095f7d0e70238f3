"""The sessions and bookings API (CONTRACT §4): auth, permissions, errors, scope."""

from __future__ import annotations

from conftest import csrf_token
from sqlalchemy import select

from desa.appointments.models import Booking
from desa.residents.models import Resident

from .conftest import DAY


def _book(client, session_id, niks, headers):
    return client.post(
        f"/api/v1/sessions/{session_id}/bookings", json={"niks": niks}, headers=headers
    )


def test_sessions_list_for_any_signed_in_role(client, make_session, bearer, login):
    make_session(capacity=4)
    make_session(date="2027-02-10", place="Balai RW 002")
    assert client.get("/api/v1/sessions").status_code == 401
    body = client.get("/api/v1/sessions", headers=bearer("district")).get_json()
    assert body["total"] == 2 and body["page"] == 1
    first = body["items"][0]
    assert (first["capacity"], first["booked"], first["remaining"]) == (4, 0, 4)
    assert "address" not in first  # district does not see bookings
    login("resident")
    only = client.get("/api/v1/sessions?from=2027-02-04&to=2027-02-28").get_json()
    assert [s["place"] for s in only["items"]] == ["Balai RW 002"]
    bad = client.get("/api/v1/sessions?from=kemarin")
    assert bad.status_code == 422 and "from" in bad.get_json()["error"]["fields"]


def test_clerk_creates_sessions_weekends_only_when_asked(client, bearer):
    clerk = bearer("clerk")
    body = {
        "date": "2027-02-06",
        "start": "08:00",
        "end": "11:00",
        "place": "Kebun",
        "kind": "employer",
        "capacity": 30,
        "minutes_per_person": 6,
    }
    assert (
        client.post("/api/v1/sessions", json=body, headers=bearer("head")).status_code
        == 403
    )
    resp = client.post("/api/v1/sessions", json=body, headers=clerk)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] in ("not_working_day", "invalid")
    body.update(kind="office", allow_non_working_day=True)
    resp = client.post("/api/v1/sessions", json=body, headers=clerk)
    assert resp.status_code == 201, resp.get_json()
    made = resp.get_json()
    assert made["non_working_day"] is True and made["remaining"] == 30
    body["allow_non_working_day"] = False
    refused = client.post("/api/v1/sessions", json=body, headers=clerk).get_json()
    assert refused["error"]["code"] == "not_working_day"
    assert client.post("/api/v1/sessions", data="x", headers=clerk).status_code == 400


def test_booking_answers_with_queue_time_and_ticket(
    client, make_session, make_resident, bearer
):
    s = make_session(capacity=2, minutes_per_person=12)
    a, b, c = make_resident(), make_resident(), make_resident()
    clerk = bearer("clerk")
    resp = _book(client, s.id, [a.nik, b.nik], clerk)
    assert resp.status_code == 201
    made = resp.get_json()["bookings"]
    assert [m["nik"] for m in made] == [a.nik, b.nik]
    assert [m["queue_number"] for m in made] == [1, 2]
    assert made[1]["estimated_time"] == f"{DAY.isoformat()}T08:12:00+07:00"
    assert made[0]["ticket_url"] == f"http://desa.test/tickets/{made[0]['id']}"
    full = _book(client, s.id, [c.nik], clerk)
    assert full.status_code == 409
    assert (
        full.get_json()["error"]["code"] == "full" and full.get_json()["remaining"] == 0
    )


def test_not_eligible_names_each_nik(client, make_session, make_resident, bearer):
    s = make_session()
    ok, done = make_resident(), make_resident(ektp_status=4)
    resp = _book(client, s.id, [ok.nik, done.nik, "123"], bearer("clerk"))
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "not_eligible"
    assert error["fields"] == {
        done.nik: ["Sudah merekam e-KTP."],
        "123": ["NIK harus 16 angka."],
    }
    assert (
        client.get(f"/api/v1/sessions/{s.id}", headers=bearer("clerk")).get_json()[
            "booked"
        ]
        == 0
    )
    assert _book(client, s.id, "x", bearer("clerk")).status_code == 422
    assert _book(client, 999, [ok.nik], bearer("clerk")).status_code == 404


def test_rt_head_books_own_rt_by_session(client, login, make_session, make_resident):
    s = make_session()
    mine = make_resident(rw="001", rt="002")
    theirs = make_resident(rw="002", rt="001")
    login("rt")  # RT 002 / RW 001
    headers = {"X-CSRFToken": csrf_token(client)}
    assert _book(client, s.id, [mine.nik], {}).status_code == 400  # CSRF is on
    refused = _book(client, s.id, [theirs.nik], headers).get_json()["error"]
    assert refused["fields"] == {
        theirs.nik: ["Tidak ditemukan di antara warga RT Anda."]
    }
    resp = _book(client, s.id, [mine.nik], headers)
    assert resp.status_code == 201


def test_cancel_by_booker_resident_or_clerk_only(
    app, client, login, make_session, make_resident, bearer
):
    s = make_session()
    resident = login("resident")
    headers = {"X-CSRFToken": csrf_token(client)}
    other = make_resident()
    theirs = _book(app.test_client(), s.id, [other.nik], bearer("clerk")).get_json()
    other_id = theirs["bookings"][0]["id"]
    mine = _book(client, s.id, [resident.nik], headers).get_json()["bookings"][0]
    assert (
        client.get(mine["ticket_url"].removeprefix("http://desa.test")).status_code
        == 200
    )
    assert client.get(f"/tickets/{other_id}").status_code == 404
    assert client.get(f"/tickets/{mine['id']}.pdf").data.startswith(b"%PDF")
    assert (
        client.delete(f"/api/v1/bookings/{other_id}", headers=headers).status_code
        == 404
    )
    rt = bearer("head")
    assert client.delete(f"/api/v1/bookings/{other_id}", headers=rt).status_code == 403
    resp = client.delete(f"/api/v1/bookings/{mine['id']}", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["status"] == "cancelled"
    again = client.delete(f"/api/v1/bookings/{mine['id']}", headers=headers)
    assert again.status_code == 409
    staff = app.test_client().delete(
        f"/api/v1/bookings/{other_id}", headers=bearer("clerk")
    )
    assert staff.status_code == 200


def test_outcome_from_the_session_day(
    client, make_session, make_resident, bearer, freeze, db
):
    s = make_session()
    r = make_resident(ektp_status=None)
    clerk = bearer("clerk")
    (made,) = _book(client, s.id, [r.nik], clerk).get_json()["bookings"]
    url = f"/api/v1/bookings/{made['id']}/outcome"
    early = client.post(url, json={"outcome": "recorded"}, headers=clerk)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "too_early"
    freeze(DAY)
    assert client.post(url, json={"outcome": "x"}, headers=clerk).status_code == 422
    assert (
        client.post(
            url, json={"outcome": "recorded"}, headers=bearer("head")
        ).status_code
        == 403
    )
    done = client.post(url, json={"outcome": "recorded"}, headers=clerk)
    assert done.status_code == 200 and done.get_json()["status"] == "recorded"
    assert (
        db.session.scalar(select(Resident.ektp_status).where(Resident.id == r.id)) == 3
    )


def test_move_keeps_one_booking(client, make_session, make_resident, bearer, db):
    a, b = make_session(), make_session(date="2027-02-04")
    r = make_resident()
    clerk = bearer("clerk")
    (made,) = _book(client, a.id, [r.nik], clerk).get_json()["bookings"]
    resp = client.post(
        f"/api/v1/bookings/{made['id']}/move", json={"session_id": b.id}, headers=clerk
    )
    assert resp.status_code == 200 and resp.get_json()["session_id"] == b.id
    statuses = db.session.scalars(select(Booking.status).order_by(Booking.id)).all()
    assert statuses == ["cancelled", "active"]


def test_a_lock_that_times_out_is_a_409_never_a_500(
    client, make_session, bearer, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    from desa.appointments import booking

    def locked(*args, **kwargs):
        raise OperationalError("UPDATE recording_sessions", {}, Exception("locked"))

    monkeypatch.setattr(booking, "book", locked)
    s = make_session()
    resp = _book(client, s.id, ["6101121705900001"], bearer("clerk"))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "busy"
