"""`desa init --base-url`, what `desa init` says about the QR address, and the
lines `make run` prints through `desa serve-info`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LAN
from sqlalchemy import select

from desa.auth.models import AuditEvent
from desa.core import addresses
from desa.core.models import Village
from desa.extensions import db

DESA = str(Path(sys.executable).parent / "desa")


def stored(app) -> str | None:
    """The village's stored address, read apart from the commands' own context."""
    with app.app_context():
        return db.session.get(Village, 1).base_url


def audit_lines(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == "village.base_url")
            )
        )


def test_init_stores_the_base_url_and_says_so(app, unset, runner):
    result = runner.invoke(args=["init", "--base-url", "http://192.168.1.10:5000/"])
    assert result.exit_code == 0, result.output
    assert stored(app) == "http://192.168.1.10:5000"
    assert (
        "Alamat di kode QR dan tautan: http://192.168.1.10:5000 (disimpan untuk desa "
        "ini lewat halaman pengaturan atau desa init --base-url)." in result.output
    )
    assert "HP warga tidak dapat membuka" not in result.output
    assert audit_lines(app) == ["alamat layanan (turunan) -> http://192.168.1.10:5000"]
    # Idempotent: the same address again changes nothing and writes no new line.
    again = runner.invoke(args=["init", "--base-url", "http://192.168.1.10:5000"])
    assert again.exit_code == 0, again.output
    assert len(audit_lines(app)) == 1


def test_init_without_base_url_keeps_the_stored_one(app, unset, runner):
    assert (
        runner.invoke(args=["init", "--base-url", "https://desa.example.id"]).exit_code
        == 0
    )
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert stored(app) == "https://desa.example.id"
    assert "https://desa.example.id" in result.output


def test_an_empty_base_url_clears_it(app, unset, runner):
    runner.invoke(args=["init", "--base-url", "http://192.168.1.10:5000"])
    result = runner.invoke(args=["init", "--base-url", ""])
    assert result.exit_code == 0, result.output
    assert stored(app) is None
    assert "(bawaan, belum diatur)" in result.output


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("192.168.1.10:5000", "Alamat harus diawali http:// atau https://"),
        ("http://192.168.1.10:5000/?x=1", "Alamat tidak boleh memuat tanda ? atau #."),
    ],
)
def test_init_refuses_a_bad_base_url_in_one_sentence(app, unset, runner, typed, says):
    result = runner.invoke(args=["init", "--base-url", typed])
    assert result.exit_code == 1
    assert result.output.startswith(says) and result.output.count("\n") == 1
    assert "base_url:" not in result.output and "Traceback" not in result.output
    assert stored(app) is None


def test_init_on_loopback_says_phones_cannot_open_it(unset, runner):
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert (
        "Alamat di kode QR dan tautan: http://127.0.0.1:5000 (bawaan, belum diatur)."
        in result.output
    )
    assert "HP warga tidak dapat membuka alamat 127.0.0.1" in result.output
    assert "make run HOST=0.0.0.0" in result.output
    assert f"desa init --base-url http://{LAN}:5000" in result.output


def test_init_under_make_run_names_the_address_make_run_serves(unset, runner):
    unset.update(SERVE_HOST="0.0.0.0", SERVE_PORT="8080")
    result = runner.invoke(args=["init"])
    assert (
        f"Alamat di kode QR dan tautan: http://{LAN}:8080 (mengikuti HOST dan PORT "
        "dari make run)." in result.output
    )
    assert "HP warga tidak dapat membuka" not in result.output


def test_init_says_when_desa_base_url_outranks_the_stored_address(app, runner):
    result = runner.invoke(args=["init", "--base-url", "http://192.168.1.10:5000"])
    assert result.exit_code == 0, result.output
    assert stored(app) == "http://192.168.1.10:5000"
    assert "http://desa.test (dari variabel lingkungan DESA_BASE_URL)" in result.output
    assert "DESA_BASE_URL tetap dipakai" in result.output


def test_serve_info_on_loopback_says_how_phones_reach_the_laptop(unset, runner):
    unset.update(SERVE_HOST="127.0.0.1", SERVE_PORT="5000")
    lines = runner.invoke(args=["serve-info"]).output.splitlines()
    assert lines == [
        "Layanan Desa berjalan di http://127.0.0.1:5000/ — tekan Ctrl+C untuk berhenti.",
        "Alamat itu hanya dapat dibuka di laptop ini. Agar HP di jaringan kantor dapat "
        "membuka layanan dan kode QR, jalankan: make run HOST=0.0.0.0",
        f"HP lalu membuka http://{LAN}:5000/ (alamat laptop ini di jaringan kantor).",
    ]
    unset.update(SERVE_PORT="8080")
    output = runner.invoke(args=["serve-info"]).output
    assert "http://127.0.0.1:8080/" in output
    assert "make run HOST=0.0.0.0 PORT=8080" in output
    assert f"http://{LAN}:8080/" in output


def test_serve_info_on_every_interface_gives_the_lan_address(app, unset, runner):
    unset.update(SERVE_HOST="0.0.0.0", SERVE_PORT="5000")
    lines = runner.invoke(args=["serve-info"]).output.splitlines()
    assert lines == [
        f"Layanan Desa berjalan di http://{LAN}:5000/ — tekan Ctrl+C untuk berhenti.",
        f"HP di jaringan kantor membuka http://{LAN}:5000/; bila tidak terbuka, izinkan "
        "port 5000 di firewall laptop.",
    ]
    with app.app_context():
        db.session.get(Village, 1).base_url = "https://desa.example.id"
        db.session.commit()
    output = runner.invoke(args=["serve-info"]).output
    assert "Kode QR dan tautan memakai https://desa.example.id (disimpan" in output


def test_serve_info_without_a_network_says_to_connect(unset, runner, monkeypatch):
    monkeypatch.setattr(addresses, "lan_address", lambda: None)
    output = runner.invoke(args=["serve-info"]).output
    assert "Layanan Desa berjalan di http://127.0.0.1:5000/" in output
    assert "belum tersambung ke jaringan" in output


def test_init_as_make_run_calls_it_never_waits_for_input(tmp_path, database_url):
    """A real process, stdin not a terminal, no DESA_BASE_URL: it answers at once."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESA_")}
    env.update(
        DESA_INSTANCE_PATH=str(tmp_path / "cli"),
        DESA_DATABASE_URL=database_url,
        DESA_HOST="127.0.0.1",
        DESA_PORT="8080",
    )

    def run(*args):
        return subprocess.run(
            [DESA, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = run("init")
    assert first.returncode == 0, first.stderr
    assert "http://127.0.0.1:8080 (mengikuti HOST dan PORT dari make run)" in (
        first.stdout
    )
    assert "HP warga tidak dapat membuka alamat 127.0.0.1" in first.stdout
    chosen = run("init", "--base-url", "http://192.168.1.10:8080")
    assert chosen.returncode == 0, chosen.stderr
    assert "http://192.168.1.10:8080 (disimpan" in chosen.stdout
