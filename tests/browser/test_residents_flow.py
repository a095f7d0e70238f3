"""The clerk's resident screens in a real browser, on a desktop and on a phone."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest

_FORM_STATUS = re.compile(r"Failed to load resource: .* status of 422 ")


def _sign_in(page, base: str, username: str, password: str) -> list[str]:
    """Signs a staff member in; returns the list that collects console errors."""
    errors: list[str] = []

    def console(message) -> None:
        # A form sent back with its errors answers 422; Chromium logs that status.
        if message.type == "error" and not _FORM_STATUS.match(message.text):
            errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    return errors


def _fits_width(page) -> bool:
    """The page itself never scrolls sideways (wide tables scroll in .table-wrap)."""
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    return scroll_width <= inner_width


@pytest.mark.browser
def test_clerk_records_a_move_out(
    live_server, page, make_user, make_resident, password, shots_dir
):
    clerk = make_user("clerk")
    rahmat = make_resident(
        name="RAHMAT HIDAYAT", kk="6101120101880007", family_relation="KEPALA KELUARGA"
    )
    make_resident(
        name="RAHMA WATI",
        kk="6101120101880007",
        family_relation="ISTRI",
        sex="P",
        birth_date=dt.date(1992, 2, 3),
        ektp_status=3,
    )
    make_resident(name="SUPARDI")
    errors = _sign_in(page, live_server.url, clerk.username, password)

    page.get_by_role("navigation", name="Menu utama").get_by_role(
        "link", name="Penduduk", exact=True
    ).click()
    page.get_by_label("Cari nama atau NIK").fill("rahmat")
    with page.expect_navigation():
        page.get_by_role("button", name="Cari").click()
    table = page.locator("table.residents tbody")
    assert table.get_by_role("link").all_inner_texts() == ["RAHMAT HIDAYAT"]
    assert rahmat.nik in table.inner_text()
    page.screenshot(path=str(shots_dir / "residents-list-1280.png"), full_page=True)

    with page.expect_navigation():
        table.get_by_role("link", name="RAHMAT HIDAYAT").click()
    assert urlsplit(page.url).path == f"/residents/{rahmat.id}"
    assert rahmat.nik not in page.url
    assert page.locator("h1 .tag.warn").inner_text() == "belum rekam"
    family = page.locator("section", has=page.get_by_role("heading", name="Keluarga"))
    assert "RAHMA WATI" in family.inner_text()

    with page.expect_navigation():
        page.get_by_role("link", name="Catat peristiwa").click()
    page.get_by_label("Jenis peristiwa").select_option(label="Pindah keluar")
    page.get_by_label("Tanggal peristiwa").fill("2026-10-01")
    page.get_by_label("Catatan").fill("Pindah ke Pontianak, SKPWNI 61.01/123")
    page.screenshot(path=str(shots_dir / "residents-event-1280.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan peristiwa").click()

    assert urlsplit(page.url).path == f"/residents/{rahmat.id}"
    assert page.get_by_role("status").inner_text() == (
        "Peristiwa Pindah keluar sudah dicatat."
    )
    assert page.locator("h1 .tag.off").inner_text() == "Pindah"
    assert page.locator("h1 .tag.warn").count() == 0
    facts = page.locator("dl.facts")
    assert re.search(r"Status hidup\s+Pindah", facts.inner_text())
    history = page.locator("table.history").inner_text()
    assert "Aktif → Pindah" in history and "Pindah keluar 2026-10-01" in history
    page.screenshot(path=str(shots_dir / "residents-detail-1280.png"), full_page=True)

    page.goto(f"{live_server.url}/residents?pending=1")
    names = page.locator("table.residents tbody").get_by_role("link").all_inner_texts()
    assert names == ["SUPARDI"]

    page.goto(f"{live_server.url}/residents/new")
    page.screenshot(path=str(shots_dir / "residents-form-1280.png"), full_page=True)
    assert errors == []


@pytest.mark.browser
def test_resident_screens_fit_a_phone(
    live_server, phone_page, make_user, make_resident, password, shots_dir
):
    page = phone_page
    clerk = make_user("clerk")
    resident = make_resident(
        name="SITI NURHALIZA BINTI ABDULLAH",
        sex="P",
        birth_date=dt.date(1985, 8, 17),
        occupation="PEDAGANG",
    )
    for i in range(5):
        make_resident(name=f"WARGA CONTOH {chr(65 + i)}")
    errors = _sign_in(page, live_server.url, clerk.username, password)

    shots = {
        "residents-list-360.png": "/residents",
        "residents-detail-360.png": f"/residents/{resident.id}",
        "residents-form-360.png": f"/residents/{resident.id}/edit",
        "residents-new-360.png": "/residents/new",
    }
    for name, path in shots.items():
        page.goto(f"{live_server.url}{path}")
        assert _fits_width(page), path
        page.screenshot(path=str(shots_dir / name), full_page=True)

    # NIK warnings appear next to the NIK with the box to confirm them.
    page.goto(f"{live_server.url}/residents/new")
    page.get_by_label("NIK", exact=True).fill("6101125708850099")
    page.get_by_label("Nama", exact=True).fill("Siti Rahayu")
    page.get_by_label("Jenis kelamin").select_option("P")
    page.get_by_label("Tanggal lahir").fill("1985-08-18")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan").click()
    warning = page.locator(".nik-warnings")
    assert "Tanggal lahir di NIK" in warning.inner_text()
    assert _fits_width(page)
    page.screenshot(path=str(shots_dir / "residents-warning-360.png"), full_page=True)
    warning.get_by_label("Saya sudah memeriksa dan data ini benar").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan").click()
    assert page.get_by_role("heading", name="SITI RAHAYU").is_visible()
    assert errors == []
