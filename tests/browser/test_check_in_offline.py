"""The offline check-in in a real browser: scans looked up on the device, kept
while the link is down, the page reopened from its service worker, and the
waiting scans sent once the link is back."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser

TODAY = dt.date(2027, 2, 1)  # a Monday
DAY = dt.date(2027, 2, 3)  # the session's Wednesday
WAIT = 10_000  # ms


@pytest.fixture
def session_with(app, freeze, make_actor, make_resident):
    """session_with(names) → (session id, codes in queue order), on DAY; the
    clock then stands on DAY (the session's day) for the live server."""
    from desa.appointments.booking import book
    from desa.appointments.sessions import create_session
    from desa.extensions import db

    def factory(names):
        freeze(TODAY)
        people = [make_resident(name=n) for n in names]
        with app.app_context():
            actor = make_actor(today=TODAY)
            session = create_session(
                actor,
                {
                    "date": DAY.isoformat(),
                    "start": "08:00",
                    "end": "12:00",
                    "place": "Balai Desa Merubung",
                    "capacity": 10,
                    "minutes_per_person": 10,
                },
            )
            made = book(actor, session, [p.nik for p in people])
            db.session.commit()
            result = session.id, [b.code for b in made]
        freeze(DAY)
        return result

    return factory


@pytest.fixture
def hits(app):
    """The paths the live server was asked for, as they come (the app's WSGI
    callable wrapped: the server thread calls through it on every request)."""
    seen: list[str] = []
    lock = threading.Lock()
    inner = app.wsgi_app

    def counting(environ, start_response):
        with lock:
            seen.append(environ.get("PATH_INFO", ""))
        return inner(environ, start_response)

    app.wsgi_app = counting
    yield seen
    app.wsgi_app = inner


def _watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()


def _cut(route) -> None:
    route.abort("internetdisconnected")


def _link(context, *, up: bool) -> None:
    """The office link down or up for the whole browser: the page and its
    service worker alike (set_offline alone lets the worker's requests out)."""
    if up:  # the route goes first: the browser's "online" event sends at once
        context.unroute("**/*", _cut)
        context.set_offline(False)
    else:
        context.route("**/*", _cut)
        context.set_offline(True)


def _scan(page, code: str) -> None:
    box = page.get_by_label("Kode tiket")
    box.fill(code)
    box.press("Enter")  # what a USB or phone scanner types after the code


def _checked_in(app, codes) -> dict[str, bool]:
    from desa.appointments.models import Booking
    from desa.extensions import db

    with app.app_context():
        rows = db.session.execute(
            select(Booking.code, Booking.checked_in_at).where(Booking.code.in_(codes))
        )
        return {code: at is not None for code, at in rows}


def test_scans_wait_offline_survive_a_reload_and_are_sent_later(
    live_server, browser, app, make_user, password, session_with, hits, shots_dir
):
    session_id, codes = session_with(["SITI AMINAH", "BUDI", "CICI", "DEDI"])
    first, second, third, fourth = codes
    clerk = make_user("clerk")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors = _watch(page)
    try:
        _sign_in(page, live_server.url, clerk.username, password)
        url = f"{live_server.url}/appointments/{session_id}/check-in-offline"
        page.goto(url)
        page.wait_for_selector("html[data-offline-ready='1']", timeout=WAIT)
        verdict = page.locator("#verdict")

        sync = page.locator("#sync")

        _scan(page, first.lower())
        expect(verdict).to_contain_text("HADIR · Nomor antrean 1")
        expect(verdict).to_contain_text("S*** A*****")
        expect(sync).to_have_text("Semua pindaian terkirim")
        assert _checked_in(app, [first]) == {first: True}
        _scan(page, f"{first[:4]}-{first[4:]}")
        expect(verdict).to_contain_text("SUDAH CHECK-IN (pukul ")
        expect(verdict).to_have_class("scan-verdict scan-warn")
        _scan(page, "BUKANKODE")
        expect(verdict).to_contain_text("Kode tidak dikenal untuk sesi ini")
        expect(sync).to_have_attribute("data-waiting", "0")

        _link(context, up=False)
        _scan(page, second)
        expect(verdict).to_contain_text("Nomor antrean 2")
        _scan(page, third)
        expect(verdict).to_contain_text("Nomor antrean 3")
        _scan(page, third)  # twice before it was ever sent
        expect(verdict).to_contain_text("SUDAH CHECK-IN (pukul ")
        expect(sync).to_have_attribute("data-waiting", "2")
        expect(sync).to_contain_text("2 pindaian menunggu dikirim")
        expect(page.locator("#recent li", has_text="menunggu dikirim")).to_have_count(2)
        page.screenshot(path=str(shots_dir / "check-in-offline-waiting.png"))

        before = len(hits)
        page.reload()  # no network: the service worker's copy opens
        page.get_by_role("heading", name="Check-in peserta").wait_for(timeout=WAIT)
        expect(sync).to_have_attribute("data-waiting", "2")
        expect(sync).to_contain_text("2 pindaian menunggu dikirim")
        assert page.locator("link[rel=stylesheet]").evaluate(
            "link => link.sheet && link.sheet.cssRules.length > 0"
        )
        _scan(page, second)
        expect(verdict).to_contain_text("SUDAH CHECK-IN (pukul ")
        assert hits[before:] == []  # nothing reached the server
        assert _checked_in(app, [second, third]) == {second: False, third: False}

        _link(context, up=True)
        expect(sync).to_have_attribute("data-waiting", "0", timeout=WAIT)
        expect(sync).to_have_text("Semua pindaian terkirim")
        assert _checked_in(app, codes) == {
            first: True,
            second: True,
            third: True,
            fourth: False,
        }
        assert page.locator("#recent li", has_text="menunggu dikirim").count() == 0
        assert f"/appointments/{session_id}/check-ins" in hits
        assert errors == [], errors
    finally:
        context.close()


def test_on_plain_http_from_the_lan_the_page_hashes_by_itself(
    live_server, phone_page, app, make_user, password, session_with, shots_dir
):
    """On http://192.168.x.x there is no crypto.subtle (no secure context): the
    page's own SHA-256 must give Python's digest, or no ticket would be found."""
    session_id, codes = session_with(["SITI AMINAH BINTI ABDULLAH", "BUDI"])
    page = phone_page
    errors = _watch(page)
    page.add_init_script(
        "Object.defineProperty(window.crypto, 'subtle', {value: undefined});"
    )
    clerk = make_user("clerk")
    _sign_in(page, live_server.url, clerk.username, password)
    page.goto(f"{live_server.url}/appointments/{session_id}/check-in-offline")
    assert page.evaluate("window.crypto.subtle === undefined")
    verdict, sync = page.locator("#verdict"), page.locator("#sync")
    _scan(page, codes[1])
    expect(verdict).to_contain_text("HADIR · Nomor antrean 2")
    expect(sync).to_have_text("Semua pindaian terkirim")
    _scan(page, codes[1])
    expect(verdict).to_contain_text("SUDAH CHECK-IN (pukul ")
    _scan(page, codes[0])
    expect(verdict).to_contain_text("S*** A***** B**** A*******")
    expect(sync).to_have_attribute("data-waiting", "0")
    assert _checked_in(app, codes) == {codes[0]: True, codes[1]: True}
    _scan(page, "ZZZZ2222")
    expect(verdict).to_contain_text("Kode tidak dikenal untuk sesi ini")
    width, inner = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width <= inner
    page.screenshot(path=str(shots_dir / "check-in-offline-360.png"), full_page=True)
    assert errors == [], errors
