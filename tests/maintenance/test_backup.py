"""`desa backup`, `desa restore` and `desa doctor` on a real instance."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import tarfile
from pathlib import Path

import pytest
from conftest import PG_URL, _test_config
from sqlalchemy import func, select

from desa import create_app
from desa.core.keys import key_path
from desa.extensions import db as _db
from desa.residents.models import Resident


def _kid(app) -> str:
    from desa.trust.keys import active_key

    with app.app_context():
        return active_key().kid


pytestmark = pytest.mark.skipif(
    bool(PG_URL) and shutil.which("pg_dump") is None,
    reason="pg_dump is not installed for the PostgreSQL run",
)
SQLITE_ONLY = pytest.mark.skipif(bool(PG_URL), reason="restores a SQLite file")


def _stored_letter(app) -> Path:
    path = Path(app.instance_path) / "letters" / "2026" / "abc.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 surat contoh")
    return path


@SQLITE_ONLY
def test_backup_then_restore_into_an_empty_instance(
    app, runner, make_resident, tmp_path
):
    for name in ("SITI AMINAH", "RAHMAT", "JUBAIDAH"):
        make_resident(name=name)
    letter = _stored_letter(app)
    archive = tmp_path / "cadangan.tar.gz"

    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Cadangan dibuat" in result.output
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames())
    assert manifest["village_code"] == "61.01.12.2002"
    assert archive.stat().st_mode & 0o777 == 0o600  # keys and personal data inside
    assert {
        "database/desa.sqlite",
        f"instance/keys/{_kid(app)}.pem",
        "instance/letters/2026/abc.pdf",
    } <= names

    fresh = tmp_path / "baru"
    other = create_app(_test_config(fresh, f"sqlite:///{fresh / 'desa.sqlite'}"))
    result = other.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    with other.app_context():
        assert _db.session.scalar(select(func.count(Resident.id))) == 3
        _db.session.remove()
        _db.engine.dispose()
    kid = _kid(app)
    restored = key_path(str(fresh), kid)
    assert restored.read_bytes() == key_path(app.instance_path, kid).read_bytes()
    assert restored.stat().st_mode & 0o777 == 0o600
    assert (fresh / "letters/2026/abc.pdf").read_bytes() == letter.read_bytes()
    check = sqlite3.connect(fresh / "desa.sqlite")
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()


def test_restore_refuses_an_instance_that_holds_data(
    app, runner, make_resident, tmp_path
):
    make_resident(name="SITI AMINAH")
    archive = tmp_path / "cadangan.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 1
    assert "sudah berisi data" in result.output
    assert "Traceback" not in result.output


@SQLITE_ONLY
def test_a_tampered_archive_is_refused_and_nothing_is_restored(app, runner, tmp_path):
    _stored_letter(app)
    archive = tmp_path / "cadangan.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    tampered = tmp_path / "ubah.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.endswith("abc.pdf"):
                data = data.replace(b"contoh", b"palsu!")
            dst.addfile(member, io.BytesIO(data))

    fresh = tmp_path / "baru"
    other = create_app(_test_config(fresh, f"sqlite:///{fresh / 'desa.sqlite'}"))
    result = other.test_cli_runner().invoke(args=["restore", str(tampered)])
    assert result.exit_code == 1
    assert "tidak cocok" in result.output
    assert not (fresh / "letters").exists()

    junk = tmp_path / "bukan.tar.gz"
    junk.write_bytes(b"bukan arsip")
    result = other.test_cli_runner().invoke(args=["restore", str(junk)])
    assert result.exit_code == 1 and "rusak" in result.output


def test_auto_backup_keeps_the_newest_ones(app, runner, tmp_path):
    app.config["BACKUP_DIR"] = str(tmp_path / "flashdisk")
    app.config["BACKUP_KEEP"] = 2
    # A flash disk that is not plugged in is not silently replaced by a new folder.
    result = runner.invoke(args=["backup", "--auto"])
    assert result.exit_code == 1
    assert "Folder cadangan tidak ditemukan" in result.output
    assert not (tmp_path / "flashdisk").exists()
    (tmp_path / "flashdisk").mkdir()
    for _ in range(3):
        result = runner.invoke(args=["backup", "--auto"])
        assert result.exit_code == 0, result.output
    kept = sorted((tmp_path / "flashdisk").glob("desa-backup-*.tar.gz"))
    assert len(kept) == 2
    assert "Cadangan lama dihapus" in result.output
    assert runner.invoke(args=["backup"]).exit_code == 2


def test_backup_names_carry_the_village_time(app, runner, tmp_path, freeze):
    import datetime as dt

    app.config["BACKUP_DIR"] = str(tmp_path / "flashdisk")
    (tmp_path / "flashdisk").mkdir()
    freeze(dt.datetime(2026, 11, 24, 6, 30))  # 23:30 on the 23rd in UTC
    result = runner.invoke(args=["backup", "--auto"])
    assert result.exit_code == 0, result.output
    (made,) = (tmp_path / "flashdisk").glob("desa-backup-*.tar.gz")
    assert made.name.startswith("desa-backup-20261124-063000-")


def test_doctor_gives_a_verdict_per_check(app, runner, tmp_path):
    result = runner.invoke(args=["doctor"])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert [line.split(":")[0].split(maxsplit=1)[1] for line in lines] == [
        "Konfigurasi",
        "Alamat layanan",
        "Basis data",
        "Skema",
        "Kunci tanda tangan",
        "Berkas surat",
        "Ruang disk",
        "Izin berkas",
        "Cadangan",
    ]
    assert lines[-1].startswith("GAGAL") and "belum pernah" in lines[-1]

    assert runner.invoke(args=["backup", str(tmp_path / "c.tar.gz")]).exit_code == 0
    result = runner.invoke(args=["doctor"])
    assert all(line.startswith("OK") for line in result.output.splitlines()), (
        result.output
    )
    assert result.exit_code == 0

    key_path(app.instance_path, _kid(app)).chmod(0o644)
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "GAGAL      Kunci tanda tangan: izin berkas 0o644" in result.output


def test_data_files_are_owner_only_and_doctor_names_a_loose_one(app, runner, tmp_path):
    import stat

    target = tmp_path / "owner" / "c.tar.gz"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    instance = Path(app.instance_path)
    for made in [p for p in instance.rglob("*") if not p.is_symlink()]:
        assert stat.S_IMODE(made.stat().st_mode) & 0o077 == 0, made
    loose = instance / "exports" / "lama.csv"
    loose.parent.mkdir(exist_ok=True)
    loose.write_text("NIK\n")
    loose.chmod(0o644)
    result = runner.invoke(args=["doctor"])
    line = next(x for x in result.output.splitlines() if "Izin berkas" in x)
    assert line.startswith("PERINGATAN") and f"{loose} (0o644)" in line
