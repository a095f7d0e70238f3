"""The appointment screens: clerk, RT head, employer, resident, public, home pages."""

from __future__ import annotations

import datetime as dt
import io
import re

from conftest import PASSWORD, confirm_employees, csrf_token, post_login_as
from pypdf import PdfReader
from sqlalchemy import func, select

from desa.appointments.models import Booking, Employee, RecordingSession
from desa.auth.models import AuditEvent
from desa.residents.models import Resident

from .conftest import DAY


def text_of(resp) -> str:
    return resp.get_data(as_text=True)


def _post(client, url, data=None):
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})})


def test_clerk_creates_a_session_and_books_at_the_desk(
    client, login, make_resident, db
):
    login("clerk")
    form = {
        "date": "2027-02-06",
        "start": "08:00",
        "end": "12:00",
        "kind": "office",
        "place": "Kantor Desa",
        "capacity": "3",
        "minutes_per_person": "10",
    }
    refused = _post(client, "/appointments/new", form)
    assert refused.status_code == 422 and "akhir pekan" in text_of(refused)
    form["allow_non_working_day"] = "y"
    made = _post(client, "/appointments/new", form)
    assert made.status_code == 302
    session_id = db.session.scalar(select(RecordingSession.id))
    a, b = make_resident(name="ANI", phone="+6281234567890"), make_resident(name="BUDI")
    resp = _post(
        client, f"/appointments/{session_id}/book", {"niks": f"{a.nik}\n{b.nik}"}
    )
    assert resp.status_code == 302
    page = text_of(client.get(f"/appointments/{session_id}"))
    assert "2 orang dipesan: nomor antrean 1, 2." in page
    assert "https://wa.me/6281234567890?text=Yth.%20ANI" in page
    assert page.count("Kirim WhatsApp") == 1  # BUDI has no phone
    again = _post(client, f"/appointments/{session_id}/book", {"niks": a.nik})
    assert "Sudah punya jadwal perekaman aktif." in text_of(client.get(again.location))
    month = text_of(client.get("/appointments?month=2027-02"))
    assert "Kantor Desa · 2/3" in month
    assert client.get("/appointments?month=zz").status_code == 200


def test_edit_and_cancel_a_session(client, login, make_session, make_resident, db):
    login("clerk")
    s = make_session(capacity=5)
    r = make_resident(name="CICI")
    _post(client, f"/appointments/{s.id}/book", {"niks": r.nik})
    page = text_of(client.get(f"/appointments/{s.id}/edit"))
    assert 'value="Kantor Desa Merubung"' in page and 'value="5"' in page
    form = {
        "date": DAY.isoformat(),
        "start": "08:00",
        "end": "12:00",
        "kind": "office",
        "place": "Balai Dusun",
        "capacity": "0",
        "minutes_per_person": "10",
    }
    assert _post(client, f"/appointments/{s.id}/edit", form).status_code == 422
    form["capacity"] = "4"
    assert _post(client, f"/appointments/{s.id}/edit", form).status_code == 302
    assert db.session.get(RecordingSession, s.id).place == "Balai Dusun"
    _post(client, f"/appointments/{s.id}/cancel", {"reason": "Alat rusak"})
    page = text_of(client.get(f"/appointments/{s.id}"))
    assert "1 pemesanan ikut dibatalkan" in page and "dibatalkan" in page
    db.session.rollback()  # a fresh snapshot after the requests
    assert db.session.scalar(select(Booking.status)) == "cancelled"


def test_check_in_outcomes_and_attendance(
    client, login, make_session, make_resident, freeze, db
):
    login("clerk")
    s = make_session()
    r = make_resident(name="DEDI", ektp_status=1)
    _post(client, f"/appointments/{s.id}/book", {"niks": r.nik})
    code = db.session.scalar(select(Booking.code))
    wrong_day = _post(client, "/appointments/check-in", {"code": code})
    assert wrong_day.status_code == 409 and "bukan hari ini" in text_of(wrong_day)
    assert "Simpan hasil" not in text_of(client.get(f"/appointments/{s.id}"))
    freeze(DAY)
    resp = _post(client, "/appointments/check-in", {"code": code.lower()})
    assert resp.status_code == 200 and "DEDI hadir: nomor antrean 1." in text_of(resp)
    assert _post(client, "/appointments/check-in", {"code": "nope"}).status_code == 404
    sheet = text_of(client.get(f"/appointments/{s.id}/attendance"))
    assert "DEDI" in sheet and code in sheet and "Tanda tangan" in sheet
    booking_id = db.session.scalar(select(Booking.id))
    _post(
        client, f"/appointments/{s.id}/outcomes", {f"outcome-{booking_id}": "recorded"}
    )
    db.session.rollback()
    assert (
        db.session.scalar(select(Resident.ektp_status).where(Resident.id == r.id)) == 3
    )
    assert "1 hasil dicatat." in text_of(client.get(f"/appointments/{s.id}"))


def test_rt_head_books_a_group_and_sees_only_their_rt(
    client, login, make_session, make_resident, db
):
    s = make_session(capacity=3)
    mine = [make_resident(name=f"WARGA RT {i}", rw="001", rt="002") for i in range(2)]
    make_resident(name="WARGA LAIN", rw="002", rt="001")
    make_resident(name="SUDAH REKAM", rw="001", rt="002", ektp_status=3)
    login("rt")
    page = text_of(client.get("/group"))
    assert "WARGA RT 0" in page and "WARGA RT 1" in page
    assert "WARGA LAIN" not in page and "SUDAH REKAM" not in page
    assert "sisa 3 tempat" in page
    other = db.session.scalar(select(Resident.id).where(Resident.name == "WARGA LAIN"))
    resp = _post(
        client,
        "/group/book",
        {"session_id": str(s.id), "people": [str(mine[0].id), str(other)]},
    )
    assert resp.status_code == 303
    page = text_of(client.get("/group"))
    assert "1 orang dipesan" in page and "Sisa tempat: 2." in page
    # The session is named in Indonesian, never by its kind code.
    assert "(Di kantor desa, 3 tempat)" in page and "(office," not in page
    db.session.rollback()
    assert db.session.scalar(select(func.count(Booking.id))) == 1  # never WARGA LAIN
    home = text_of(client.get("/"))
    assert re.search(
        r'<span class="num">1</span><span class="lbl">sudah terjadwal', home
    )
    assert re.search(
        r'<span class="num">1</span><span class="lbl">belum rekam, belum '
        r"terjadwal",
        home,
    )
    booking_id = db.session.scalar(select(Booking.id))
    assert _post(client, f"/group/bookings/{booking_id}/cancel").status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(Booking.status)) == "cancelled"


def test_rt_head_prints_sealed_pin_slips(client, login, make_resident, db):
    a = make_resident(name="SLIP SATU", rw="001", rt="002")
    make_resident(name="SLIP LAIN RT", rw="003", rt="002")
    login("rt")
    assert "belum punya PIN: 1 orang" in text_of(client.get("/group/pin-slips"))
    resp = _post(client, "/group/pin-slips", {})
    assert resp.headers["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(resp.data)).pages[0].extract_text()
    assert "SLIP SATU" in text and "SLIP LAIN RT" not in text and a.nik not in text
    pin = re.search(r"\b(\d{6})\b", text).group(1)
    assert db.session.scalar(select(Resident.pin_hash).where(Resident.id == a.id))
    line = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "appointments.pin_slips")
    )
    assert line.detail == "1 slip PIN dicetak"
    resident = client.application.test_client()
    token = csrf_token(resident)
    signed = resident.post(
        "/resident/login", data={"nik": a.nik, "pin": pin, "csrf_token": token}
    )
    assert signed.status_code == 302


def test_pin_slips_never_replace_a_working_pin(
    client, login, make_resident, db, system
):
    from desa.residents.services import issue_pin

    has = db.session.get(
        Resident, make_resident(name="SUDAH PUNYA", rw="001", rt="002").id
    )
    pin = issue_pin(system, has)
    epoch = has.pin_epoch
    db.session.commit()
    login("rt")
    page = text_of(client.get("/group/pin-slips"))
    assert "1 warga belum rekam di RT ini sudah punya PIN" in page
    assert 'value="all"' not in page
    # Even a hand-made "all" gets no slip for someone who already has a PIN.
    resp = _post(client, "/group/pin-slips", {"which": "all"})
    assert resp.status_code == 303
    db.session.expire_all()
    again = db.session.get(Resident, has.id)
    assert again.pin_epoch == epoch
    from desa.auth.passwords import verify_secret

    assert verify_secret(again.pin_hash, pin)


def test_employer_keeps_a_list_and_books_it(
    app, client, login, make_session, make_resident, db, system
):
    s = make_session()
    worker = make_resident(name="JOKO SUSILO")
    make_resident(name="RUDI HARTONO")
    login("employer")
    resp = _post(client, "/group/employees", {"nik": worker.nik, "name": "Joko Susilo"})
    assert resp.status_code == 303
    other = db.session.scalar(
        select(Resident.nik).where(Resident.name == "RUDI HARTONO")
    )
    _post(client, "/group/employees", {"nik": other, "name": "RUDY"})
    _post(client, "/group/employees", {"nik": "6101121705909999", "name": "ENTAH"})
    page = text_of(client.get("/group/employees"))
    # An unknown NIK and a wrong name are told apart by nobody (no NIK probing).
    assert page.count("NIK dan nama tidak cocok dengan data penduduk") >= 2
    assert "Nama berbeda" not in page and "tidak terdaftar" not in page
    assert other not in page  # masked
    # Proposed until the desk or the worker confirms: nothing to book yet.
    assert "menunggu konfirmasi" in page
    assert "JOKO SUSILO" not in text_of(client.get("/group"))
    assert confirm_employees(system) == 1
    group = text_of(client.get("/group"))
    assert "JOKO SUSILO" in group and "RUDI" not in group
    _post(client, "/group/book", {"session_id": str(s.id), "people": [str(worker.id)]})
    assert "terjadwal" in text_of(client.get("/group/employees"))
    db.session.rollback()
    employee_id = db.session.scalar(select(Employee.id).where(Employee.nik == other))
    assert _post(client, f"/group/employees/{employee_id}/delete").status_code == 303
    # Another employer never sees these people.
    second = app.test_client()
    from desa.auth.services import create_user

    with app.app_context():
        create_user(
            system,
            "lain",
            PASSWORD,
            "employer",
            full_name="HRD Lain",
            employer="PT Lain",
        )
        from desa.extensions import db as _db

        _db.session.commit()
    post_login_as(second, "lain", PASSWORD)
    assert "JOKO" not in text_of(second.get("/group"))
    booking_id = db.session.scalar(select(Booking.id))
    assert second.get(f"/tickets/{booking_id}").status_code == 404


def test_resident_books_moves_and_cancels_without_javascript(
    client, login, make_session, db
):
    a = make_session(place="Kantor Desa")
    b = make_session(date="2027-02-04", place="Balai Dusun Sungai Bedung")
    me = login("resident", name="SITI AMINAH", sex="P", birth_date=dt.date(1999, 3, 4))
    page = client.get("/me/appointments")
    assert len(page.data) < 100_000 and "<script>" not in text_of(page)
    assert text_of(page).count("Pesan sesi ini") == 2
    resp = _post(client, "/me/appointments/book", {"session_id": str(a.id)})
    assert resp.status_code == 303 and "/tickets/" in resp.location
    ticket = client.get(resp.location)
    assert len(ticket.data) < 100_000
    assert "Nomor antrean" in text_of(ticket) and "<svg" in text_of(ticket)
    assert me.nik not in text_of(ticket)  # the ticket shows the NIK masked
    resp = _post(client, "/me/appointments/move", {"session_id": str(b.id)})
    assert resp.status_code == 303
    db.session.rollback()
    active = db.session.scalar(select(Booking).where(Booking.status == "active"))
    assert active.session_id == b.id
    assert (
        _post(client, "/me/appointments/move", {"session_id": "x"}).status_code == 303
    )
    _post(client, "/me/appointments/cancel")
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count(Booking.id)).where(Booking.status == "active")
        )
        == 0
    )
    assert "Riwayat" in text_of(client.get("/me/appointments"))


def test_public_calendar_and_ics_have_no_personal_data(
    client, make_session, make_resident, bearer
):
    make_session(place="Kantor Desa Merubung")
    home = make_session(
        kind="mobile", place="Rumah warga", address="Jl. Parit Rahasia 7"
    )
    r = make_resident(name="NENEK SALMAH")
    client.post(
        f"/api/v1/sessions/{home.id}/bookings",
        json={"niks": [r.nik]},
        headers=bearer("clerk"),
    )
    page = text_of(client.get("/jadwal"))
    assert "Kantor Desa Merubung" in page and "Kunjungan rumah" in page
    for secret in ("Parit Rahasia", "NENEK", r.nik, "Rumah warga"):
        assert secret not in page
    # The public calendar leads on to booking and to the staff sign-in.
    assert 'href="/resident/login?next=/me/appointments"' in page
    assert 'href="/login"' in page
    feed = client.get("/jadwal.ics")
    assert feed.headers["Content-Type"].startswith("text/calendar")
    body = feed.get_data()
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(
        b"END:VCALENDAR\r\n"
    )
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    text = body.decode()
    assert "DTSTART:20270203T010000Z" in text  # 08:00 WIB
    assert "UID:session-" in text and "DTSTAMP:" in text
    assert "Parit Rahasia" not in text and "NENEK" not in text
    assert client.get("/jadwal.ics?rt=001/002").status_code == 200
    assert client.get("/jadwal.ics?rt=abc&employer=x").status_code == 200


def test_ics_folds_long_lines_at_75_octets():
    from desa.appointments.calendar import _fold

    line = "DESCRIPTION:" + "é" * 100
    folded = _fold(line).encode()
    parts = folded.split(b"\r\n ")
    assert all(len(p) <= 75 for p in parts)
    assert b"".join(parts).decode() == line


def test_remind_command_lists_tomorrows_people(
    app, runner, make_session, make_resident, bearer, client
):
    s = make_session()
    r = make_resident(name="EKO", phone="0812-3456-7890")
    client.post(
        f"/api/v1/sessions/{s.id}/bookings",
        json={"niks": [r.nik]},
        headers=bearer("clerk"),
    )
    result = runner.invoke(args=["appointments", "remind", "--date", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "EKO" in result.output and "https://wa.me/6281234567890" in result.output
    assert r.nik not in result.output
    assert "1 pengingat untuk 2027-02-03." in result.output
    bad = runner.invoke(args=["appointments", "remind", "--date", "besok"])
    assert bad.exit_code == 2


def test_the_resident_page_lists_their_bookings(
    app, client, login, make_resident, make_actor
):
    """The clerk sees a resident's recording bookings on the resident page."""
    import datetime as dt

    from desa.appointments import booking, sessions
    from desa.core.db import mark_write_intent
    from desa.extensions import db

    person = make_resident(name="SITI AMINAH", birth_date=dt.date(1990, 1, 1))
    clerk = login("clerk")
    with app.app_context():
        mark_write_intent()
        on_the_day = dt.date(2030, 1, 2)
        session = sessions.create_session(
            make_actor(today=on_the_day),
            {
                "date": "2030-01-07",
                "start": "08:00",
                "end": "12:00",
                "place": "Kantor Desa",
                "kind": "office",
                "capacity": 5,
            },
        )
        booking.book(make_actor(clerk, today=on_the_day), session, [person.nik])
        db.session.commit()
    page = client.get(f"/residents/{person.id}").get_data(as_text=True)
    assert "Jadwal perekaman" in page and "Kantor Desa" in page and "terjadwal" in page


def test_an_rt_head_ticks_everyone_at_once_without_script(
    client, login, make_session, make_resident
):
    make_session(capacity=5)
    mine = [
        make_resident(name=f"WARGA CENTANG {i}", rw="001", rt="002") for i in range(3)
    ]
    login("rt")
    plain = text_of(client.get("/group"))
    assert "Centang semua" in plain
    assert plain.count('name="people"') == 3 and " checked>" not in plain
    ticked = text_of(client.get("/group?semua=1"))
    for person in mine:
        assert f'value="{person.id}" checked>' in ticked
    assert "Hapus semua centang" in ticked


def test_employer_sees_only_the_bookings_it_made(
    client, login, make_session, make_resident, db, system
):
    from desa.appointments import booking

    s = make_session()
    worker = make_resident(name="JOKO SUSILO")
    login("employer")
    _post(client, "/group/employees", {"nik": worker.nik, "name": "Joko Susilo"})
    assert confirm_employees(system) == 1
    # The desk books the worker itself (the worker came to the office).
    booking.book(system, db.session.get(RecordingSession, s.id), [worker.nik])
    db.session.commit()
    page = text_of(client.get("/group/employees"))
    assert "terjadwal" not in page and "Kantor Desa Merubung" not in page
    assert "belum Anda pesankan" in page
    assert "Kantor Desa Merubung" not in text_of(client.get("/group"))
    desk_booking = db.session.scalar(select(Booking.id))
    assert client.get(f"/tickets/{desk_booking}").status_code == 404
    assert _post(client, f"/group/bookings/{desk_booking}/cancel").status_code in (
        303,
        404,
    )
    db.session.rollback()
    assert db.session.scalar(select(Booking.status)) == "active"


def test_a_worker_confirms_the_employer_on_their_own_page(
    app, client, login, make_resident, db
):
    login("employer")
    me = app.test_client()
    worker = login("resident", name="JOKO SUSILO", on=me)
    _post(client, "/group/employees", {"nik": worker.nik, "name": "Joko Susilo"})
    page = text_of(me.get("/me/appointments"))
    assert "mencatat Anda sebagai karyawannya" in page
    employee_id = db.session.scalar(select(Employee.id))
    resp = _post(me, "/me/appointments/employers", {"employee_id": str(employee_id)})
    assert resp.status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(Employee.confirmed_by)) == "JOKO SUSILO"
    assert "JOKO SUSILO" in text_of(client.get("/group"))
    # The employer cannot confirm by posting to the resident's or the desk's door.
    assert _post(
        client, "/appointments/employees", {"employee_id": "1"}
    ).status_code in (
        403,
        404,
    )


def test_the_desk_confirms_or_declines_proposed_employees(
    app, client, login, make_resident, db
):
    a = make_resident(name="ANI PEKERJA")
    b = make_resident(name="BUDI PEKERJA")
    boss = app.test_client()
    login("employer", on=boss)
    for r in (a, b):
        _post(boss, "/group/employees", {"nik": r.nik, "name": r.name})
    login("clerk")
    page = text_of(client.get("/appointments/employees"))
    assert "ANI PEKERJA" in page and "BUDI PEKERJA" in page and a.nik not in page
    ids = dict(db.session.execute(select(Employee.name, Employee.id)).all())
    _post(client, "/appointments/employees", {"employee_id": str(ids["ANI PEKERJA"])})
    _post(
        client,
        "/appointments/employees",
        {"employee_id": str(ids["BUDI PEKERJA"]), "answer": "decline"},
    )
    assert (
        _post(client, "/appointments/employees", {"employee_id": "x"}).status_code
        == 404
    )
    db.session.rollback()
    assert db.session.scalar(select(func.count(Employee.id))) == 1
    boss.get("/group/employees")  # shows the flash left from adding
    listed = text_of(boss.get("/group/employees"))
    assert "ANI PEKERJA" in listed and "BUDI PEKERJA" not in listed
    assert "menunggu konfirmasi" not in listed and "belum Anda pesankan" in listed


def test_an_employer_pastes_a_list_and_each_line_says_what_became_of_it(
    client, login, make_resident, db
):
    from desa.appointments.models import Employee

    first = make_resident(name="JOKO SUSILO")
    second = make_resident(name="RINA MARLINA")
    login("employer")
    pasted = "\n".join(
        [
            "NIK;Nama",  # the header a spreadsheet copies along
            f"{first.nik};Joko Susilo",
            "123;Salah Ketik",
            f"{second.nik}\tRina Marlina\trina@kebun.example",
            "",
        ]
    )
    resp = _post(client, "/group/employees/pasted", {"pasted": pasted})
    page = text_of(resp)
    assert resp.status_code == 200
    assert "2 dari 3 baris ditambahkan." in page
    assert "NIK harus 16 angka." in page
    assert first.nik not in page and second.nik not in page  # masked on the page
    db.session.rollback()
    names = set(db.session.scalars(select(Employee.name)))
    assert names == {"JOKO SUSILO", "RINA MARLINA"}


def test_an_empty_paste_is_refused_with_a_message(client, login, db):
    from desa.appointments.models import Employee

    login("employer")
    resp = _post(client, "/group/employees/pasted", {"pasted": "  \n  "})
    assert resp.status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(func.count(Employee.id))) == 0
