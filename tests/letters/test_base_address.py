"""The address in QR codes on the settings page, and on the letters it reaches."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from conftest import LAN, csrf_token
from scanning import pdf_qr_codes
from sqlalchemy import select

from desa.auth.models import AuditEvent
from desa.core.models import Village
from desa.extensions import db as _db

URL = "/letters/settings/address"


def stored(app) -> str | None:
    with app.app_context():
        return _db.session.get(Village, 1).base_url


def _post(client, **data):
    body = {"alamat-csrf_token": csrf_token(client)}
    body.update({f"alamat-{k}": v for k, v in data.items()})
    return client.post(URL, data=body)


def text_of(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def test_the_settings_page_shows_the_address_and_suggests_the_lan_one(
    unset, client, login
):
    login("admin")
    page = text_of(client.get("/letters/settings"))
    assert 'id="alamat"' in page
    assert "Dipakai sekarang: <code>http://127.0.0.1:5000</code>" in page
    assert "(bawaan, belum diatur)" in page
    assert f'placeholder="http://{LAN}:5000"' in page
    assert "Hapus alamat tersimpan" not in page  # nothing stored to clear


def test_the_admin_stores_an_address_and_the_letters_carry_it(
    app, unset, client, login, holder, letters, tmp_path
):
    login("admin")
    resp = _post(client, base_url="http://192.168.1.10:5000/")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/letters/settings#alamat")
    assert stored(app) == "http://192.168.1.10:5000"
    page = text_of(client.get("/letters/settings"))
    assert "Alamat http://192.168.1.10:5000 disimpan untuk kode QR dan tautan." in page
    assert "Dipakai sekarang: <code>http://192.168.1.10:5000</code>" in page
    assert 'value="http://192.168.1.10:5000"' in page
    with app.app_context():
        line = _db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "village.base_url")
        )
        assert line.detail == "alamat layanan (turunan) -> http://192.168.1.10:5000"

    letter = letters.issue(letters.draft(holder))
    pdf = Path(app.instance_path, letter.pdf_path).read_bytes()
    (qr,) = pdf_qr_codes(pdf, tmp_path, 100)[0]  # CONTRACT §8: 100 dpi
    assert qr.startswith("http://192.168.1.10:5000/v/")

    verifier = client.get("/letters/offline-verifier").get_data(as_text=True)
    assert '"base_url": "http://192.168.1.10:5000"' in verifier


def test_a_bad_address_is_refused_beside_the_field(app, unset, client, login):
    login("admin")
    resp = _post(client, base_url="192.168.1.10:5000")
    assert resp.status_code == 422
    page = text_of(resp)
    assert "Alamat harus diawali http:// atau https://" in page
    assert 'value="192.168.1.10:5000"' in page  # kept as typed
    assert stored(app) is None


def test_the_admin_clears_the_address(app, unset, client, login, db):
    db.session.get(Village, 1).base_url = "http://192.168.1.10:5000"
    db.session.commit()
    login("admin")
    page = text_of(client.get("/letters/settings"))
    assert "Hapus alamat tersimpan" in page
    resp = _post(client, base_url="http://192.168.1.10:5000", clear="1")
    assert resp.status_code == 302
    assert stored(app) is None
    page = text_of(client.get("/letters/settings"))
    assert "Alamat tersimpan dihapus; alamat dipilih otomatis." in page
    assert "Dipakai sekarang: <code>http://127.0.0.1:5000</code>" in page


def test_an_empty_field_clears_it_too(app, unset, client, login, db):
    db.session.get(Village, 1).base_url = "http://192.168.1.10:5000"
    db.session.commit()
    login("admin")
    assert _post(client, base_url="").status_code == 302
    assert stored(app) is None


def test_the_page_says_when_desa_base_url_outranks_the_stored_address(client, login):
    login("admin")
    page = text_of(client.get("/letters/settings"))
    assert "Dipakai sekarang: <code>http://desa.test</code>" in page
    assert "DESA_BASE_URL diatur di server dan selalu didahulukan" in page


def test_the_other_forms_keep_their_values_when_the_address_is_refused(
    app, unset, client, login, db
):
    village = db.session.get(Village, 1)
    village.clerk_may_issue = True
    village.phone = "0562 123456"
    db.session.commit()
    login("admin")
    page = text_of(_post(client, base_url="ftp://x"))
    assert 'checked id="clerk_may_issue"' in page
    assert 'value="0562 123456"' in page


@pytest.mark.parametrize("role", ["clerk", "head"])
def test_only_the_admin_may_change_the_address(app, client, login, role):
    login(role)
    assert _post(client, base_url="http://192.168.1.10:5000").status_code == 403
    assert stored(app) is None
