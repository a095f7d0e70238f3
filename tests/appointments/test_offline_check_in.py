"""The check-in that works without a link: the page's embedded bookings (hashes
and masked names only) and the JSON endpoint that takes the stored scans."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import pytest
from conftest import csrf_token
from sqlalchemy import func, select, update

from desa.appointments import attendance
from desa.appointments.models import Booking, BookingStatus, RecordingSession
from desa.auth.models import AuditEvent
from desa.extensions import db as _db

from .conftest import DAY, TODAY

DATA = re.compile(
    r'<script type="application/json" id="check-in-data">(.*?)</script>', re.S
)
WIB = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def desk(client, login, freeze):
    """A clerk signed in on the session's day; post(session_id, body) sends scans."""
    login("clerk")
    freeze(DAY)
    token = csrf_token(client)

    class Desk:
        def post(self, session_id, body, *, headers=None, raw=None):
            return client.post(
                f"/appointments/{session_id}/check-ins",
                data=raw if raw is not None else json.dumps(body),
                content_type="application/json",
                headers=headers
                if headers is not None
                else {"X-CSRFToken": token, "Accept": "application/json"},
            )

        def scan(self, session_id, *codes, at=None):
            scans = [{"code": c, "at": at} if at else {"code": c} for c in codes]
            resp = self.post(session_id, {"scans": scans})
            assert resp.status_code == 200, resp.get_data(as_text=True)
            return resp.get_json()["results"]

    return Desk()


def _checked_in(app, code: str) -> dt.datetime | None:
    with app.app_context():
        return _db.session.scalar(
            select(Booking.checked_in_at).where(Booking.code == code)
        )


def _set_booking(app, code: str, **values) -> None:
    with app.app_context():
        _db.session.execute(
            update(Booking).where(Booking.code == code).values(**values)
        )
        _db.session.commit()


def test_a_scan_checks_in_and_a_repeat_is_already(
    app, desk, make_session, make_resident, book, db
):
    s = make_session()
    code = book(s.id, [make_resident(name="SITI AMINAH")])[0]
    (first,) = desk.scan(s.id, code.lower()[:4] + "-" + code.lower()[4:])
    assert first == {
        "code": code,
        "status": "checked_in",
        "queue": 1,
        "name": "S*** A*****",
        "checked_in": "09.00",  # the frozen clock, village time
    }
    assert _checked_in(app, code) == dt.datetime(2027, 2, 3, 2, 0)  # 09.00 WIB
    (again,) = desk.scan(s.id, code)
    assert again["status"] == "already" and again["checked_in"] == "09.00"
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "appointments.check_in")
        )
        == 1
    )


def test_a_batch_is_applied_in_one_request_in_its_order(
    app, desk, make_session, make_resident, book
):
    s = make_session()
    a, b, c = book(s.id, [make_resident() for _ in range(3)])
    results = desk.scan(s.id, a, b, a, "ZZZZ9999", c)
    assert [r["status"] for r in results] == [
        "checked_in",
        "checked_in",
        "already",  # the same ticket twice in one batch
        "unknown",
        "checked_in",
    ]
    assert [r["queue"] for r in results] == [1, 2, 1, None, 3]
    assert all(_checked_in(app, code) for code in (a, b, c))


def test_unknown_other_sessions_and_cancelled_tickets(
    app, desk, make_session, make_resident, book
):
    s, other = make_session(), make_session(place="Balai Dusun")
    mine, gone = book(s.id, [make_resident(), make_resident()])
    theirs = book(other.id, [make_resident()])[0]
    _set_booking(app, gone, status=BookingStatus.CANCELLED)
    results = desk.scan(s.id, theirs, gone, "", "NOTACODE")
    assert [r["status"] for r in results] == [
        "unknown",  # another session's ticket is not this session's
        "cancelled",
        "unknown",
        "unknown",
    ]
    assert results[0]["name"] is None and results[0]["queue"] is None
    assert _checked_in(app, theirs) is None and _checked_in(app, gone) is None
    assert desk.scan(s.id, mine)[0]["status"] == "checked_in"


def test_a_scan_keeps_its_own_time_on_the_session_day(
    app, desk, make_session, make_resident, book
):
    s = make_session()
    early, future, other_day = book(s.id, [make_resident() for _ in range(3)])
    at = dt.datetime(2027, 2, 3, 8, 12, tzinfo=WIB).isoformat()
    assert desk.scan(s.id, early, at=at)[0]["checked_in"] == "08.12"
    assert _checked_in(app, early) == dt.datetime(2027, 2, 3, 1, 12)
    # A device clock far ahead, or a day off, does not count: the scan is now.
    ahead = dt.datetime(2027, 2, 3, 15, 0, tzinfo=WIB).isoformat()
    assert desk.scan(s.id, future, at=ahead)[0]["checked_in"] == "09.00"
    wrong = dt.datetime(2025, 5, 1, 8, 0, tzinfo=dt.UTC).isoformat()
    assert desk.scan(s.id, other_day, at=wrong)[0]["checked_in"] == "09.00"
    assert desk.scan(s.id, other_day, at="kemarin")[0]["status"] == "already"


def test_scans_sent_before_the_session_day_are_refused(
    app, client, login, make_session, make_resident, book
):
    s = make_session()
    code = book(s.id, [make_resident()])[0]
    login("clerk")  # the clock stays on TODAY, two days before the session
    resp = client.post(
        f"/appointments/{s.id}/check-ins",
        json={"scans": [{"code": code}]},
        headers={"X-CSRFToken": csrf_token(client), "Accept": "application/json"},
    )
    assert resp.status_code == 200
    assert resp.get_json()["results"][0]["status"] == "wrong_day"
    assert _checked_in(app, code) is None


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        ("{not json", 400, "Isi permintaan harus berupa objek JSON."),
        ("[1, 2]", 400, "Isi permintaan harus berupa objek JSON."),
        ('"scans"', 400, "Isi permintaan harus berupa objek JSON."),
        ("{}", 422, "Isi permintaan harus memuat daftar pindaian (scans)."),
        ('{"scans": "ABCD"}', 422, "daftar pindaian"),
        ('{"scans": []}', 422, "daftar pindaian"),
        ('{"scans": [1]}', 422, "Setiap pindaian perlu kode tiket berupa teks."),
        ('{"scans": [{"code": 12345678}]}', 422, "kode tiket berupa teks"),
        ('{"scans": [{"code": null}]}', 422, "kode tiket berupa teks"),
        ('{"scans": [{"code": "' + "A" * 101 + '"}]}', 422, "kode tiket"),
        (
            json.dumps({"scans": [{"code": "A"}] * 201}),
            422,
            "Paling banyak 200 pindaian sekali kirim.",
        ),
    ],
)
def test_odd_bodies_get_an_indonesian_answer_never_a_500(
    desk, make_session, raw, status, message
):
    s = make_session()
    resp = desk.post(s.id, None, raw=raw)
    assert resp.status_code == status, resp.get_data(as_text=True)
    error = resp.get_json()["error"]
    assert message in error["message"]


def test_odd_times_in_a_scan_are_not_an_error(
    app, desk, make_session, make_resident, book
):
    s = make_session()
    codes = book(s.id, [make_resident() for _ in range(4)])
    scans = [
        {"code": codes[0], "at": 5},
        {"code": codes[1], "at": "2027-13-45T99:00"},
        {"code": codes[2], "at": "2027-02-03T08:00:00"},  # no offset: unknown
        {"code": codes[3], "at": "x" * 500},
    ]
    resp = desk.post(s.id, {"scans": scans})
    assert resp.status_code == 200
    assert {r["status"] for r in resp.get_json()["results"]} == {"checked_in"}


def test_without_the_csrf_token_nothing_is_checked_in(
    app, desk, make_session, make_resident, book
):
    s = make_session()
    code = book(s.id, [make_resident()])[0]
    resp = desk.post(
        s.id, {"scans": [{"code": code}]}, headers={"Accept": "application/json"}
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "csrf_failed"
    assert "Muat ulang halaman" in resp.get_json()["error"]["message"]
    assert _checked_in(app, code) is None


def test_only_who_may_check_in_may_send_scans(
    app, client, login, make_session, make_resident, book, freeze
):
    s = make_session()
    code = book(s.id, [make_resident()])[0]
    freeze(DAY)
    body = {"scans": [{"code": code}]}
    anonymous = client.post(
        f"/appointments/{s.id}/check-ins",
        json=body,
        headers={"Accept": "application/json"},
    )
    assert anonymous.status_code in (400, 401)  # no session: no token either
    head = app.test_client()
    login("head", on=head)  # the kepala desa reads everything, checks in no one
    resp = head.post(
        f"/appointments/{s.id}/check-ins",
        json=body,
        headers={"X-CSRFToken": csrf_token(head), "Accept": "application/json"},
    )
    assert resp.status_code == 403
    assert head.get(f"/appointments/{s.id}/check-in-offline").status_code == 403
    assert _checked_in(app, code) is None


def test_the_page_carries_hashes_and_masked_names_only(
    app, client, login, make_session, make_resident, book, freeze
):
    s = make_session()
    people = [make_resident(name="SITI AMINAH"), make_resident(name="BUDI SANTOSO")]
    people.append(make_resident(name="BATAL SAJA"))
    first, second, gone = book(s.id, people)
    _set_booking(app, gone, status=BookingStatus.CANCELLED)
    _set_booking(app, second, checked_in_at=dt.datetime(2027, 2, 3, 1, 12))
    login("clerk")
    resp = client.get(f"/appointments/{s.id}/check-in-offline")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    data = json.loads(DATA.search(html).group(1))
    assert data["session"] == s.id
    assert data["send"] == f"/appointments/{s.id}/check-ins"
    assert data["worker"] == "/appointments/check-in-sw.js"
    assert data["scope"] == "/appointments/"
    hashed = {hashlib.sha256(c.encode()).hexdigest(): c for c in (first, second, gone)}
    assert set(data["bookings"]) == set(hashed)
    by_code = {hashed[h]: entry for h, entry in data["bookings"].items()}
    assert by_code[first] == {
        "queue": 1,
        "name": "S*** A*****",
        "rt": "002/001",
        "checked_in": None,
        "status": "active",
    }
    assert by_code[second]["checked_in"] == "08.12"
    assert by_code[gone]["status"] == "cancelled"
    for code in (first, second, gone):
        assert code not in html and code.lower() not in html
    for person in people:
        assert person.nik not in html and person.name not in html
    assert "Sesi ini bukan untuk hari ini" in html  # TODAY is not the session's day
    assert 'src="/static/js/check-in-offline.js"' in html
    freeze(DAY)
    on_the_day = client.get(f"/appointments/{s.id}/check-in-offline")
    assert "Sesi ini bukan untuk hari ini" not in on_the_day.get_data(as_text=True)


def test_the_service_worker_is_served_with_a_scope_over_the_page(client, login):
    assert client.get("/appointments/check-in-sw.js").status_code == 302
    login("clerk")
    resp = client.get("/appointments/check-in-sw.js")
    assert resp.status_code == 200
    assert resp.mimetype == "text/javascript"
    assert resp.headers["Service-Worker-Allowed"] == "/appointments/"
    assert "check-in-offline" in resp.get_data(as_text=True)


def test_recorded_and_no_show_tickets_through_the_service(
    app, db, make_session, make_resident, book, actor
):
    s = make_session()
    recorded, absent, fresh = book(s.id, [make_resident() for _ in range(3)])
    _set_booking(app, recorded, status=BookingStatus.RECORDED)
    _set_booking(app, absent, status=BookingStatus.NO_SHOW)
    session = db.session.get(RecordingSession, s.id)
    clerk = actor("clerk", today=DAY)
    scans = [attendance.Scan(code=c) for c in (recorded, absent, fresh)]
    results = attendance.check_in_scans(clerk, session, scans)
    assert [r.status for r in results] == ["already", "no_show", "checked_in"]
    assert results[2].booking.checked_in_at is not None
    early = actor("clerk", today=TODAY)
    (late,) = attendance.check_in_scans(early, session, [attendance.Scan(fresh)])
    assert late.status == "already"  # checked in: the day no longer matters
