"""The register of temporary residents in a real browser: the clerk records an
arrival on a desktop, then finds the person and records the leaving on a phone."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()


def _fits_width(page) -> bool:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    return scroll_width <= inner_width


def test_clerk_records_an_arrival_and_a_leaving(
    live_server, page, phone_page, make_user, password, shots_dir
):
    clerk = make_user("clerk")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, live_server.url, clerk.username, password)
    page.goto(f"{live_server.url}/residents")
    with page.expect_navigation():
        page.get_by_role("link", name="Penduduk sementara").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Catat kedatangan").click()
    page.get_by_label("Nama", exact=True).fill("siti aminah")
    page.get_by_label("Jenis kelamin").select_option("P")
    page.get_by_label("Kewarganegaraan").select_option("WNA")
    page.get_by_label("NIK / nomor paspor").fill("A1234567")
    page.get_by_label("Kebangsaan (untuk WNA)").fill("Malaysia")
    page.get_by_label("Datang dari (alamat asal)").fill(
        "Kampung Biawak, Lundu, Sarawak"
    )
    page.get_by_label("Maksud dan tujuan kedatangan").fill("Mengunjungi keluarga")
    page.get_by_label("Nama yang didatangi").fill("Ahmad")
    page.get_by_label("Alamat yang didatangi").fill("Dusun Sungai Bening")
    page.get_by_label("RW").fill("1")
    page.get_by_label("RT", exact=True).fill("2")
    page.get_by_label("Tanggal datang").fill("2026-01-05")
    page.screenshot(path=str(shots_dir / "temporary-form-1280.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan").click()
    assert "SITI AMINAH dicatat sebagai penduduk sementara" in page.inner_text("main")
    page.screenshot(path=str(shots_dir / "temporary-list-1280.png"), full_page=True)

    _sign_in(phone_page, live_server.url, clerk.username, password)
    phone_page.goto(f"{live_server.url}/residents/temporary?q=siti")
    row = phone_page.locator("table.temporary-residents tbody tr").first
    assert "MALAYSIA" in row.inner_text() and "masih tinggal" in row.inner_text()
    assert _fits_width(phone_page)
    phone_page.screenshot(
        path=str(shots_dir / "temporary-list-360.png"), full_page=True
    )
    row.get_by_label("Tanggal pergi").fill("2026-01-20")
    with phone_page.expect_navigation():
        row.get_by_role("button", name="Catat sudah pergi").click()
    main = phone_page.inner_text("main")
    assert "SITI AMINAH dicatat sudah pergi" in main and "20 Januari 2026" in main
    assert _fits_width(phone_page)
    phone_page.goto(f"{live_server.url}/residents/temporary/new")
    assert _fits_width(phone_page)
    phone_page.screenshot(
        path=str(shots_dir / "temporary-form-360.png"), full_page=True
    )
    assert not errors
