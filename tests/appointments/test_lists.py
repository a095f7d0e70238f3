"""The campaign's lists in the village: nobody missed, nobody recorded twice."""

from __future__ import annotations

import datetime as dt

from desa.extensions import db as _db

from .conftest import TODAY


def _past_session(app, day: dt.date, **values):
    from desa.appointments.models import RecordingSession

    with app.app_context():
        s = RecordingSession(
            date=day,
            start_time=dt.time(8),
            end_time=dt.time(12),
            place="Kantor Desa",
            capacity=10,
            created_by="uji",
            **values,
        )
        _db.session.add(s)
        _db.session.commit()
        return s.id


def _booking(app, session_id: int, resident_id: int, status: str, n: int):
    from desa.appointments.models import Booking

    with app.app_context():
        _db.session.add(
            Booking(
                session_id=session_id,
                resident_id=resident_id,
                queue_number=n,
                code=f"K{session_id:03d}{n:08d}",
                status=status,
                booked_by_kind="system",
                booked_by_role="system",
                booked_by_name="uji",
            )
        )
        _db.session.commit()


def test_the_lists_page_shows_each_list_for_the_actors_people(
    app, client, login, make_resident
):
    today = TODAY  # the appointments tests' frozen clock
    almost = make_resident(
        name="HAMPIR ENAMBELAS",
        birth_date=today.replace(year=today.year - 16) + dt.timedelta(days=40),
    )
    sixteen = make_resident(
        name="SUDAH ENAMBELAS",
        birth_date=today.replace(year=today.year - 16) - dt.timedelta(days=3),
    )
    make_resident(name="MASIH KECIL", birth_date=today.replace(year=today.year - 10))
    make_resident(
        name="MERANTAU",
        works_away=True,
        away_place="Kuching, Malaysia",
        away_until=dt.date(2027, 3, 9),
    )
    make_resident(
        name="TERCATAT LAIN",
        elsewhere_code="61.01.01.2001",
        elsewhere_name="Desa Dalam Kaum",
    )
    absent = make_resident(name="TIDAK HADIR")
    came = make_resident(name="HADIR LALU REKAM", ektp_status=2)
    other_rt = make_resident(name="RT LAIN", rt="009", works_away=True)
    make_resident(name="MENUNGGU KARTU", ektp_status=4)
    make_resident(name="SUDAH TERIMA", ektp_status=8)
    day = today - dt.timedelta(days=20)
    sid = _past_session(app, day)
    _booking(app, sid, absent.id, "no_show", 1)
    _booking(app, sid, came.id, "no_show", 2)
    later = _past_session(app, today - dt.timedelta(days=5))
    _booking(app, later, came.id, "recorded", 1)  # came to the next one
    login("rt", rw="001", rt="002")
    page = client.get("/appointments/lists?bulan=3").get_data(as_text=True)
    assert "<title>Daftar kampanye perekaman" in page
    assert page.count('<section class="card">') == 5
    coming = page.split("Segera berusia 16/17 tahun")[1].split(
        "Bekerja di luar daerah"
    )[0]
    assert "HAMPIR ENAMBELAS" in coming and "SUDAH ENAMBELAS" in coming
    assert "MASIH KECIL" not in coming and "sekarang" in coming
    assert almost.nik not in page  # NIKs masked
    away = page.split("Bekerja di luar daerah")[1].split("Terekam di desa lain")[0]
    assert "MERANTAU" in away and "Kuching, Malaysia" in away and "9 Maret 2027" in away
    assert "RT LAIN" not in page  # another RT's resident
    elsewhere = page.split("Terekam di desa lain")[1].split("Tidak datang")[0]
    assert "TERCATAT LAIN" in elsewhere and "Desa Dalam Kaum" in elsewhere
    missed = page.split("Tidak datang pada jadwal sebelumnya")[1].split(
        "menunggu kartu"
    )[0]
    card = page.split("Sudah rekam, menunggu kartu")[1]
    assert "MENUNGGU KARTU" in card and "SUDAH TERIMA" not in card
    assert "TIDAK HADIR" in missed and "HADIR LALU REKAM" not in missed
    assert client.get("/appointments/lists?bulan=99").status_code == 422
    assert client.get("/appointments/lists?bulan=²").status_code == 422
    # The group booking list puts last round's no-show first, without the one
    # recorded in another village.
    _past_session(app, today + dt.timedelta(days=30), non_working_day_ok=True)
    group = client.get("/group").get_data(as_text=True)
    names = [n for n in ("TIDAK HADIR", "MERANTAU", "SUDAH ENAMBELAS") if n in group]
    assert names[0] == "TIDAK HADIR" and "didahulukan" in group
    assert "TERCATAT LAIN" not in group
    assert sixteen.name not in group  # may record, but not wajib: not on the list
    assert other_rt.name not in group


def test_the_lists_are_audited_and_closed_to_employers(app, client, login):
    from sqlalchemy import select

    from desa.auth.models import AuditEvent

    login("clerk")
    assert client.get("/appointments/lists").status_code == 200
    with app.app_context():
        line = _db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "appointments.lists.read")
        )
        assert line is not None and "coming" in line.detail
    employer = app.test_client()
    login("employer", on=employer)
    assert employer.get("/appointments/lists").status_code == 403


def test_next_lebaran_comes_from_the_holiday_list():
    from desa.appointments.lists import add_months, next_lebaran

    assert next_lebaran(dt.date(2026, 12, 7)) == dt.date(2027, 3, 10)
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
