"""The admin home shows the address in QR codes, and warns when phones cannot open it."""

from __future__ import annotations

import html

import pytest
from conftest import LAN

from desa.core.models import Village


def admin_home(client, login) -> str:
    login("admin")
    resp = client.get("/")
    assert resp.status_code == 200
    return html.unescape(resp.get_data(as_text=True))


def test_the_admin_sees_the_address_in_use_and_where_it_came_from(client, login):
    page = admin_home(client, login)
    assert 'id="alamat-qr"' in page
    assert "<code>http://desa.test</code>" in page
    assert "Sumber: dari variabel lingkungan DESA_BASE_URL." in page
    assert 'id="alamat-qr-peringatan"' not in page


def test_a_loopback_address_gets_a_warning_saying_how_to_fix_it(unset, client, login):
    page = admin_home(client, login)
    assert "<code>http://127.0.0.1:5000</code>" in page
    assert 'id="alamat-qr-peringatan"' in page
    assert "HP warga tidak dapat membuka alamat 127.0.0.1." in page
    assert "<code>make run HOST=0.0.0.0</code>" in page
    assert f"<code>desa init --base-url http://{LAN}:5000</code>" in page
    assert 'href="/letters/settings#alamat"' in page


def test_the_warning_goes_once_a_lan_address_is_stored(unset, client, login, db):
    db.session.get(Village, 1).base_url = "http://192.168.1.10:5000"
    db.session.commit()
    page = admin_home(client, login)
    assert "<code>http://192.168.1.10:5000</code>" in page
    assert "disimpan untuk desa ini" in page
    assert 'id="alamat-qr-peringatan"' not in page


def test_make_runs_address_is_shown_as_served(unset, client, login):
    unset.update(SERVE_HOST="0.0.0.0", SERVE_PORT="8080")
    page = admin_home(client, login)
    assert f"<code>http://{LAN}:8080</code>" in page
    assert "Sumber: mengikuti HOST dan PORT dari make run." in page
    assert 'id="alamat-qr-peringatan"' not in page


@pytest.mark.parametrize("role", ["clerk", "head"])
def test_other_roles_do_not_get_the_address_card(unset, client, login, role):
    login(role)
    page = client.get("/").get_data(as_text=True)
    assert 'id="alamat-qr' not in page


def test_the_openapi_document_names_the_address_in_use(unset, client, db):
    db.session.get(Village, 1).base_url = "https://desa.example.id"
    db.session.commit()
    servers = client.get("/api/v1/openapi.json").get_json()["servers"]
    assert servers[0]["url"].startswith("https://desa.example.id")
