"""The administration books page in Chromium: the head opens it from the menu,
downloads a book and the monthly report, and the page fits a 360 px phone."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()


def test_head_downloads_a_book_and_the_report(
    live_server, page, phone_page, make_user, make_resident, password, shots_dir
):
    make_resident(name="BUDI SANTOSO", family_relation="KEPALA KELUARGA")
    head = make_user("head")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, live_server.url, head.username, password)
    with page.expect_navigation():
        page.get_by_role("link", name="Buku penduduk").first.click()
    assert page.url.endswith("/papers/")
    page.get_by_label("Buku", exact=True).select_option("rekap")
    page.get_by_label("Bulan").select_option("")
    with page.expect_download() as got:
        page.get_by_role("button", name="Unduh XLSX").click()
    assert got.value.suggested_filename.startswith("B3-rekap-")
    href = page.get_by_role("link", name="Laporan PDF").get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.status == 200 and response.body().startswith(b"%PDF")
    page.screenshot(path=str(shots_dir / "papers-1280.png"), full_page=True)
    assert not errors

    _sign_in(phone_page, live_server.url, head.username, password)
    phone_page.goto(f"{live_server.url}/papers/?year=2026&month=13")
    assert "Bulan harus angka 1 sampai 12" in phone_page.inner_text("main")
    phone_page.goto(f"{live_server.url}/papers/")
    width, inner = phone_page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    phone_page.screenshot(path=str(shots_dir / "papers-360.png"), full_page=True)
    assert width <= inner
