"""`desa doctor`'s verdict on the address in QR codes: a loopback address fails in
production (HTTPS, a proxy, or an address set on purpose) and warns otherwise."""

from __future__ import annotations

import pytest
from conftest import LAN

from desa.core.models import Village
from desa.extensions import db


def verdict(runner) -> str:
    output = runner.invoke(args=["doctor"]).output
    return next(line for line in output.splitlines() if "Alamat layanan:" in line)


def store(app, value: str | None) -> None:
    with app.app_context():
        db.session.get(Village, 1).base_url = value
        db.session.commit()


def test_a_reachable_address_is_ok_and_named(runner):
    line = verdict(runner)
    assert line == (
        "OK         Alamat layanan: QR dan tautan memakai http://desa.test "
        "(dari variabel lingkungan DESA_BASE_URL)."
    )


def test_the_default_loopback_address_warns_with_the_fix(unset, runner):
    line = verdict(runner)
    assert line.startswith(
        "PERINGATAN Alamat layanan: QR dan tautan memakai http://127.0.0.1:5000 "
        "(bawaan, belum diatur)."
    )
    assert "HP warga tidak dapat membuka alamat 127.0.0.1" in line
    assert "make run HOST=0.0.0.0" in line
    assert f"desa init --base-url http://{LAN}:5000" in line


def test_make_runs_loopback_address_warns(unset, runner):
    unset.update(SERVE_HOST="127.0.0.1", SERVE_PORT="8080")
    line = verdict(runner)
    assert line.startswith("PERINGATAN") and "http://127.0.0.1:8080" in line


@pytest.mark.parametrize(
    "production", [{"HTTPS": True}, {"PROXY_COUNT": 1}], ids=["https", "proxy"]
)
def test_loopback_fails_when_served_over_https_or_behind_a_proxy(
    unset, runner, production
):
    unset.update(production)
    line = verdict(runner)
    assert line.startswith("GAGAL      Alamat layanan:")
    assert "http://127.0.0.1:5000" in line


def test_a_stored_loopback_address_fails(app, unset, runner):
    store(app, "http://localhost:5000")
    line = verdict(runner)
    assert line.startswith("GAGAL") and "http://localhost:5000 (disimpan" in line
    assert "HP warga tidak dapat membuka alamat localhost" in line


def test_desa_base_url_set_to_loopback_fails(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "http://127.0.0.1:5000")
    line = verdict(runner)
    assert line.startswith("GAGAL") and "http://127.0.0.1:5000 (dari variabel" in line


def test_a_stored_lan_address_is_ok(app, unset, runner):
    store(app, "http://192.168.1.10:5000")
    assert verdict(runner).startswith(
        "OK         Alamat layanan: QR dan tautan memakai http://192.168.1.10:5000"
    )


def test_a_malformed_desa_base_url_fails_and_says_why(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "desa.example.id")
    line = verdict(runner)
    assert line == (
        "GAGAL      Alamat layanan: DESA_BASE_URL desa.example.id: Alamat harus "
        "diawali http:// atau https://, misalnya http://192.168.1.10:5000."
    )


def test_the_address_check_leaves_the_database_checks_working(unset, runner):
    output = runner.invoke(args=["doctor"]).output
    assert "OK         Basis data:" in output and "OK         Skema:" in output
