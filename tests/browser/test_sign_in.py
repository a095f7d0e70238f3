"""Sign-in and sign-out in a real browser, for staff and for residents on a phone."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

NETWORK_SCHEMES = {"http", "https", "ws", "wss"}


class Watch:
    """Collects a page's console errors, uncaught exceptions and request URLs."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.urls: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", lambda request: self.urls.append(request.url))

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def foreign_requests(self) -> list[str]:
        """Requests leaving the loopback live server (data:, blob:, about: stay)."""
        return [url for url in self.urls if not _is_local(url)]


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in NETWORK_SCHEMES:
        return parts.hostname == "127.0.0.1"
    return parts.scheme in {"data", "blob", "about"}


@pytest.mark.browser
def test_clerk_signs_in_and_out(live_server, page, make_user, password, shots_dir):
    clerk = make_user("clerk")
    watch = Watch(page)

    page.goto(f"{live_server.url}/login")
    page.get_by_label("Nama pengguna").fill(clerk.username)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()

    assert urlsplit(page.url).path == "/"
    header = page.locator("header.topbar")
    assert "Desa Merubung" in header.inner_text()
    assert page.locator(".who .badge").inner_text().startswith("Operator desa")
    assert clerk.full_name in page.locator(".who-name").inner_text()
    page.screenshot(path=str(shots_dir / "clerk-home.png"), full_page=True)

    with page.expect_navigation():
        page.get_by_role("button", name="Keluar").click()
    assert urlsplit(page.url).path == "/login"
    assert page.get_by_role("heading", name="Masuk petugas").is_visible()
    assert page.get_by_role("button", name="Keluar").count() == 0

    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Petugas").is_visible()
    assert page.get_by_role("link", name="Masuk dengan NIK dan PIN").is_visible()
    assert page.locator(".who").count() == 0

    assert watch.errors == []
    assert watch.urls, "no requests were seen"
    assert watch.foreign_requests() == []


@pytest.mark.browser
def test_wrong_password_stays_on_login(live_server, page, make_user):
    clerk = make_user("clerk")

    page.goto(f"{live_server.url}/login")
    page.get_by_label("Nama pengguna").fill(clerk.username)
    page.get_by_label("Kata sandi").fill("bukan-kata-sandinya")
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()

    assert urlsplit(page.url).path == "/login"
    alert = page.get_by_role("alert")
    assert alert.inner_text().strip() == "Nama pengguna atau kata sandi salah."
    assert page.locator(".who").count() == 0


@pytest.mark.browser
def test_resident_signs_in_on_a_phone(
    live_server, phone_page, make_resident, issue_pin, shots_dir
):
    page = phone_page
    resident = make_resident(name="SITI AMINAH")
    pin = issue_pin(resident)
    watch = Watch(page)

    page.goto(f"{live_server.url}/resident/login")
    page.get_by_label("NIK").fill(resident.nik)
    page.get_by_label("PIN").fill(pin)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()

    assert urlsplit(page.url).path == "/"
    assert page.get_by_role("heading", name="SITI AMINAH").is_visible()
    assert page.get_by_text("Status e-KTP", exact=True).is_visible()
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, (scroll_width, inner_width)
    page.screenshot(path=str(shots_dir / "resident-phone.png"), full_page=True)

    assert watch.errors == []
    assert watch.foreign_requests() == []
