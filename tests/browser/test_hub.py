"""The hub's pages in Chromium, as Disdukcapil's operator uses them: Table 1 and
its drill-down to a kecamatan, the villages and their sync state, the NIKs in
two villages; at 1280 px and on a phone."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from conftest import LiveServer, nik_for, system
from hub.conftest import hub_app, hub_template, other_village, resident_line  # noqa: F401

from desa.extensions import db as _db

from .test_sign_in import Watch

BORN = dt.date(1980, 1, 1)


@pytest.fixture
def hub_server(hub_app, other_village, password):  # noqa: F811
    from desa.auth.services import create_user

    twice = nik_for(BORN, "L", 70)
    other_village(
        "61.01.12.2001",
        [
            resident_line(1, twice, name="ABDUL SAMAD"),
            resident_line(2, nik_for(BORN, "L", 71), ektp_status=3),
            resident_line(3, nik_for(BORN, "L", 72), ektp_status=4),
        ],
    )
    other_village("61.01.01.2001", [resident_line(8, twice, name="ABDUL SAMAD")])
    with hub_app.app_context():
        create_user(system(), "operator", password, "clerk", full_name="Operator Dinas")
        _db.session.commit()
    with LiveServer(hub_app) as server:
        yield server


def _sign_in(page, server, password) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Nama pengguna").fill("operator")
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()


@pytest.mark.browser
def test_the_operator_reads_table_1_and_drills_down(
    hub_server, page, password, shots_dir
):
    watch = Watch(page)
    _sign_in(page, hub_server, password)
    assert urlsplit(page.url).path == "/hub"
    heading = page.get_by_role("heading", level=1)
    assert (
        "Tabel 1. Rekapitulasi perekaman KTP-el Kabupaten Sambas"
        in heading.inner_text()
    )
    table = page.locator("table.figures")
    assert table.locator("tbody tr").count() == 2
    assert "Tekarang" in table.inner_text() and "66,67%" in table.inner_text()
    page.screenshot(path=str(shots_dir / "hub-table-1.png"), full_page=True)
    with page.expect_navigation():
        table.get_by_role("link", name="Tekarang").click()
    assert "kecamatan=61.01.12" in page.url
    rows = page.locator("table.figures tbody tr")
    assert rows.count() == 1 and "Desa Tekarang" in rows.first.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh XLSX").click()
    assert download.value.suggested_filename.startswith("tabel-1-ktp-el-")
    page.get_by_role("link", name="Desa & sinkron").click()
    page.wait_for_url("**/hub/villages")
    villages = page.locator("table tbody tr")
    assert villages.count() == 2
    page.get_by_role("link", name="NIK di dua desa").click()
    page.wait_for_url("**/hub/duplicates")
    assert (
        "1 ganda, 0 pindah tercocokkan"
        in page.get_by_role("heading", level=1).inner_text()
    )
    assert "ABDUL SAMAD" in page.locator("table").inner_text()
    assert watch.errors == [] and watch.foreign_requests() == []


@pytest.mark.browser
def test_table_1_fits_a_phone(hub_server, phone_page, password, shots_dir):
    page = phone_page
    _sign_in(page, hub_server, password)
    assert urlsplit(page.url).path == "/hub"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width  # the wide table scrolls inside its own box
    page.screenshot(path=str(shots_dir / "hub-table-1-phone.png"), full_page=True)
