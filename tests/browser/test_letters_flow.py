"""The letter flow in a real browser: the admin's live preview, a clerk's draft, the
head's signature, and the QR page on a phone."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser
_FORM_STATUS = re.compile(r"Failed to load resource: .* status of 422 ")


def _sign_in(page, base, username, password):
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not _FORM_STATUS.match(m.text)
            and errors.append(m.text)
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{base}/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    return errors


def test_admin_sees_a_live_preview(live_server, page, make_user, password, shots_dir):
    admin = make_user("admin")
    errors = _sign_in(page, live_server.url, admin.username, password)
    with page.expect_response(
        lambda r: r.url.endswith("/letters/types/preview")
    ) as first:
        page.goto(f"{live_server.url}/letters/types/SKD/edit")  # previews once on load
    assert first.value.status == 200
    assert first.value.headers["content-type"] == "application/pdf"
    with page.expect_response(
        lambda r: r.url.endswith("/letters/types/preview")
    ) as again:
        page.get_by_label("Judul surat").fill("Surat Keterangan Domisili Tetap")
    assert again.value.status == 200
    assert page.url.endswith("/letters/types/SKD/edit")  # the page itself stays
    page.screenshot(path=str(shots_dir / "letters-type-preview.png"), full_page=True)
    assert errors == []


def test_clerk_drafts_head_issues_phone_verifies(
    live_server,
    browser,
    page,
    phone_page,
    make_user,
    make_resident,
    password,
    shots_dir,
):
    make_resident(name="SITI AMINAH")
    clerk, head = make_user("clerk"), make_user("head", full_name="H. Abdul Rahman")
    errors = _sign_in(page, live_server.url, clerk.username, password)
    page.goto(f"{live_server.url}/letters/new")
    page.get_by_label("Nama atau NIK").fill("siti")
    page.get_by_role("button", name="Cari").click()
    page.get_by_role("link", name="SITI AMINAH").click()
    page.get_by_role("link", name="Surat Pengantar SKCK").click()
    page.get_by_label("Keperluan").fill("Melamar pekerjaan")
    page.get_by_role("button", name="Simpan konsep").click()
    page.wait_for_url(re.compile(r"/letters/[A-Za-z0-9_-]{16,}$"))
    letter_url = page.url
    assert page.get_by_text("Menunggu diterbitkan oleh kepala desa.").is_visible()
    page.screenshot(path=str(shots_dir / "letters-draft.png"), full_page=True)
    assert errors == []

    context = browser.new_context()
    head_page = context.new_page()
    try:
        errors = _sign_in(head_page, live_server.url, head.username, password)
        head_page.goto(letter_url)
        head_page.get_by_role("button", name="Terbitkan dan tandatangani").click()
        head_page.wait_for_load_state()
        assert head_page.get_by_text(
            "Surat terbit dengan nomor SPSKCK/001/2002/XI/2026."
        )
        head_page.screenshot(path=str(shots_dir / "letters-issued.png"), full_page=True)
        assert errors == []
    finally:
        context.close()

    from desa.extensions import db
    from desa.letters.models import Letter

    with live_server.server.app.app_context():
        token = db.session.query(Letter.token).scalar()
    phone_page.goto(f"{live_server.url}/v/{token}")
    assert phone_page.get_by_text("SAH", exact=True).is_visible()
    width = phone_page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width[0] <= width[1]
    phone_page.screenshot(
        path=str(shots_dir / "letters-verify-phone.png"), full_page=True
    )
