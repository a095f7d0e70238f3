"""The recording campaign in Chromium, as Disdukcapil's operator plans it: a team,
a campaign, its plan against the lower bound, a session moved, the plan
published; the cards page; and the same pages on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import LiveServer, nik_for, system
from hub.conftest import hub_app, hub_template, other_village, resident_line  # noqa: F401

from desa.extensions import db as _db

from .test_hub import _sign_in
from .test_sign_in import Watch

BORN = dt.date(1990, 1, 1)


@pytest.fixture
def campaign_server(hub_app, other_village, password):  # noqa: F811
    from desa.auth.services import create_user

    other_village(
        "61.01.12.2001",
        [
            resident_line(i, nik_for(BORN, "L", i), rt=f"{i % 3 + 1:03d}")
            for i in range(1, 40)
        ]
        + [
            resident_line(
                50, nik_for(dt.date(1940, 1, 1), "P", 50), birth_date="1940-01-01"
            )
        ]
        + [resident_line(60, nik_for(BORN, "P", 60), ektp_status=3)],
    )
    other_village("61.01.01.2001", [resident_line(9, nik_for(BORN, "P", 9))])
    with hub_app.app_context():
        create_user(system(), "operator", password, "clerk", full_name="Operator Dinas")
        _db.session.commit()
    with LiveServer(hub_app) as server:
        yield server


@pytest.mark.browser
def test_the_operator_plans_adjusts_and_publishes_a_campaign(
    campaign_server, page, password, shots_dir
):
    watch = Watch(page)
    _sign_in(page, campaign_server, password)
    page.get_by_role("link", name="Kampanye rekam").click()
    page.wait_for_url("**/hub/campaign")
    assert "Belum ada tim perekaman yang aktif" in page.content()
    page.get_by_role("link", name="Tim, blangko, hari libur").click()
    page.get_by_label("Nama tim").fill("Tim Satu Sambas")
    page.get_by_label("Operator").fill("2")
    page.get_by_label("Alat rekam (kit)").fill("2")
    page.get_by_label("Berangkat dari kecamatan").select_option("61.01.12")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan tim").click()
    assert "Tim Tim Satu Sambas sudah disimpan." in page.content()
    page.get_by_label("Blangko KTP-el tersedia").fill("25")
    with page.expect_navigation():
        page.get_by_role("button", name="Catat stok").click()
    assert "Stok blangko sudah dicatat." in page.content()

    page.goto(f"{campaign_server.url}/hub/campaign")
    page.get_by_label("Nama kampanye").fill("Jemput bola Januari")
    start = dt.date.today() + dt.timedelta(days=7)
    page.get_by_label("Mulai", exact=True).fill(start.isoformat())
    page.get_by_label("Selesai", exact=True).fill(
        (start + dt.timedelta(days=45)).isoformat()
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Buat kampanye").click()
    assert "Kampanye Jemput bola Januari dibuat." in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="Susun rencana").click()
    summary = page.locator("table.summary").inner_text()
    assert "Hari-tim rencana" in summary and "semua tertampung" in summary
    sessions = page.locator("table").last
    text = sessions.inner_text()
    assert "Kantor Camat Tekarang" in text and "Kunjungan rumah" in text
    page.screenshot(path=str(shots_dir / "campaign-plan.png"), full_page=True)

    sessions.get_by_role("link", name="Ubah").first.click()
    page.wait_for_url("**/sessions/*")
    page.get_by_label("Tempat").fill("Aula Kantor Camat Tekarang")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan jadwal").click()
    assert "Jadwal sudah diubah." in page.content()
    assert "Aula Kantor Camat Tekarang" in page.locator("table").last.inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Umumkan ke desa").click()
    assert "jadwal diumumkan" in page.content()
    assert page.get_by_role("button", name="Susun ulang rencana").count() == 0

    page.get_by_role("link", name="Kartu").first.click()
    page.wait_for_url("**/hub/campaign/cards")
    cards = page.locator("table").inner_text()
    assert "Tekarang" in cards and "25" in cards
    assert watch.errors == [] and watch.foreign_requests() == []


@pytest.mark.browser
def test_the_campaign_pages_fit_a_phone(
    campaign_server, phone_page, password, shots_dir
):
    page = phone_page
    _sign_in(page, campaign_server, password)
    for path, shot in (
        ("/hub/campaign", "campaign-phone.png"),
        ("/hub/campaign/resources", "campaign-resources-phone.png"),
        ("/hub/campaign/cards", "campaign-cards-phone.png"),
    ):
        page.goto(campaign_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)  # wide tables scroll in their own box
        page.screenshot(path=str(shots_dir / shot), full_page=True)
