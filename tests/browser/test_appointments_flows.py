"""Appointments in a real browser: a resident on a phone, an RT head, a clerk."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

TODAY = dt.date(2027, 2, 1)  # a Monday
DAY = dt.date(2027, 2, 3)  # the session's Wednesday


@pytest.fixture
def village_date(freeze):
    """Freezes the app's one clock on TODAY (the live server runs this app); call
    it with another day to move the clock there."""
    freeze(TODAY)
    return freeze


@pytest.fixture
def make_session(app, make_actor):
    from desa.appointments.sessions import create_session
    from desa.extensions import db

    def factory(**overrides):
        data = {
            "date": DAY.isoformat(),
            "start": "08:00",
            "end": "12:00",
            "place": "Kantor Desa Merubung",
            "capacity": 10,
            "minutes_per_person": 10,
        }
        data.update(overrides)
        with app.app_context():
            session = create_session(make_actor(today=TODAY), data)
            db.session.commit()
            return session.id

    return factory


def _watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _staff_sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()


def _fits_width(page) -> bool:
    width, inner = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    return width <= inner


@pytest.mark.browser
def test_resident_books_on_a_phone(
    live_server,
    phone_page,
    village_date,
    make_session,
    make_resident,
    issue_pin,
    shots_dir,
):
    page = phone_page
    errors = _watch(page)
    make_session(place="Kantor Desa Merubung")
    make_session(date="2027-02-04", place="Balai Dusun Sungai Bedung")
    me = make_resident(name="SITI AMINAH", sex="P", birth_date=dt.date(1999, 3, 4))
    pin = issue_pin(me)
    page.goto(f"{live_server.url}/resident/login")
    page.get_by_label("NIK").fill(me.nik)
    page.get_by_label("PIN").fill(pin)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    page.get_by_text("Menu", exact=True).click()  # the menu is folded on a phone
    with page.expect_navigation():
        page.get_by_role("navigation", name="Menu utama").get_by_role(
            "link", name="Jadwal perekaman"
        ).click()
    assert _fits_width(page)
    page.screenshot(path=str(shots_dir / "appointments-self-360.png"), full_page=True)
    option = page.locator(
        "article.session-option", has_text="Balai Dusun Sungai Bedung"
    )
    with page.expect_navigation():
        option.get_by_role("button", name="Pesan sesi ini").click()
    assert urlsplit(page.url).path.startswith("/tickets/")
    assert (
        page.get_by_role("status")
        .inner_text()
        .startswith("Jadwal Anda sudah dipesan. Nomor antrean 1.")
    )
    ticket = page.locator("article.ticket")
    assert "Kamis, 4 Februari 2027" in ticket.inner_text()
    assert "08.00 WIB" in ticket.inner_text()
    assert "Kartu Keluarga (KK) asli/fotokopi" in ticket.inner_text()
    assert ticket.locator(".qr svg").is_visible()
    assert me.nik not in page.content()
    assert _fits_width(page)
    page.screenshot(path=str(shots_dir / "appointments-ticket-360.png"), full_page=True)
    assert errors == []


@pytest.mark.browser
def test_rt_head_books_a_group(
    live_server,
    page,
    village_date,
    make_session,
    make_user,
    make_resident,
    password,
    app,
    shots_dir,
):
    from desa.appointments.models import Booking
    from desa.extensions import db

    errors = _watch(page)
    session_id = make_session(capacity=5, place="Balai RT 002")
    head = make_user("rt")  # RT 002 / RW 001
    people = [
        make_resident(name=n, rw="001", rt="002")
        for n in ("ABDUL MANAF", "BAHRUDIN", "CHAIRUL ANWAR")
    ]
    make_resident(name="ORANG RT LAIN", rw="004", rt="001")
    _staff_sign_in(page, live_server.url, head.username, password)
    with page.expect_navigation():
        page.get_by_role("link", name="Pesan jadwal rekam").click()
    assert "ORANG RT LAIN" not in page.content()
    choice = page.get_by_label("Sesi")
    assert (
        "Balai RT 002" in choice.inner_text() and "sisa 5 tempat" in choice.inner_text()
    )
    choice.select_option(str(session_id))
    page.get_by_label("ABDUL MANAF").check()
    page.get_by_label("CHAIRUL ANWAR").check()
    page.screenshot(path=str(shots_dir / "appointments-group-1280.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Pesan untuk yang dicentang").click()
    flash = page.get_by_role("status").inner_text()
    assert flash.startswith("2 orang dipesan") and "Sisa tempat: 3." in flash
    booked = page.locator(
        "section", has=page.get_by_role("heading", name="Sudah terjadwal")
    )
    assert (
        "ABDUL MANAF" in booked.inner_text() and "CHAIRUL ANWAR" in booked.inner_text()
    )
    with app.app_context():
        ids = set(db.session.scalars(select(Booking.resident_id)))
    assert ids == {people[0].id, people[2].id}
    assert errors == []


@pytest.mark.browser
def test_clerk_checks_someone_in_by_typing_the_code(
    live_server,
    page,
    village_date,
    make_session,
    make_user,
    make_resident,
    password,
    app,
    shots_dir,
    make_actor,
):
    from desa.appointments.booking import book
    from desa.appointments.models import Booking, RecordingSession
    from desa.extensions import db

    errors = _watch(page)
    session_id = make_session()
    person = make_resident(name="DARMAWAN")
    with app.app_context():
        (made,) = book(
            make_actor(today=TODAY),
            db.session.get(RecordingSession, session_id),
            [person.nik],
        )
        code = made.code
        db.session.commit()
    village_date(DAY)
    clerk = make_user("clerk")
    _staff_sign_in(page, live_server.url, clerk.username, password)
    page.goto(f"{live_server.url}/appointments")
    with page.expect_navigation():
        page.get_by_role("link", name="Check-in peserta").click()
    page.get_by_label("Kode tiket").fill(f"{code[:4].lower()}-{code[4:]}")
    with page.expect_navigation():
        page.get_by_role("button", name="Catat hadir").click()
    assert page.get_by_role("status").inner_text() == "DARMAWAN hadir: nomor antrean 1."
    assert "DARMAWAN" in page.locator("section.checked-in").inner_text()
    page.screenshot(
        path=str(shots_dir / "appointments-checkin-1280.png"), full_page=True
    )
    with app.app_context():
        assert db.session.scalar(select(Booking.checked_in_at)) is not None
    with page.expect_navigation():
        page.get_by_role("link", name="Buka sesi untuk mencatat hasil").click()
    page.get_by_label("Hasil untuk DARMAWAN").select_option("recorded")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan hasil").click()
    assert page.get_by_role("status").inner_text() == "1 hasil dicatat."
    page.screenshot(
        path=str(shots_dir / "appointments-session-1280.png"), full_page=True
    )
    assert errors == []
