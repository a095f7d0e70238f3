"""`desa recording export-pending` and `desa recording import-results`: files, exit codes."""

from __future__ import annotations

import hashlib
import json

from python_calamine import CalamineWorkbook

from .conftest import PENDING


def test_export_pending_writes_the_file_and_its_manifest(runner, village, tmp_path):
    target = tmp_path / "flashdisk" / "belum-rekam.xlsx"
    target.parent.mkdir()
    result = runner.invoke(args=["recording", "export-pending", str(target)])
    assert result.exit_code == 0, result.output
    assert f"{len(PENDING)} penduduk" in result.output
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert len(rows) == 1 + len(PENDING)
    manifest = json.loads(
        (tmp_path / "flashdisk" / "belum-rekam.xlsx.manifest.json").read_text()
    )
    assert manifest["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    assert manifest["rows"] == len(PENDING) and manifest["file"] == "belum-rekam.xlsx"
    assert manifest["batch_id"] == 1
    assert sorted(p.name for p in target.parent.iterdir()) == [
        "belum-rekam.xlsx",
        "belum-rekam.xlsx.manifest.json",
    ]


def test_export_format_option_and_only_new(runner, village, tmp_path):
    first = tmp_path / "semua.dat"
    result = runner.invoke(
        args=["recording", "export-pending", str(first), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert first.read_bytes().startswith(b"\xef\xbb\xbfNO,NIK,NO_KK,")
    again = tmp_path / "baru.csv"
    result = runner.invoke(
        args=["recording", "export-pending", str(again), "--only-new"]
    )
    assert result.exit_code == 0, result.output
    assert again.read_bytes().count(b"\r\n") == 1  # the header only
    assert (
        json.loads((tmp_path / "baru.csv.manifest.json").read_text())["batch_id"] == 2
    )


def test_export_errors_exit_1_or_2(runner, village, tmp_path):
    result = runner.invoke(
        args=["recording", "export-pending", str(tmp_path / "tidak-ada" / "x.csv")]
    )
    assert result.exit_code == 1 and "tidak ada" in result.output
    result = runner.invoke(
        args=["recording", "export-pending", str(tmp_path / "x"), "--format", "pdf"]
    )
    assert result.exit_code == 2


def test_import_results_exit_codes(runner, village, tmp_path):
    ok = tmp_path / "hasil.csv"
    ok.write_text(f"NIK,STAT_RKM\n{village['ani'].nik},SUDAH REKAM\n", encoding="utf-8")
    result = runner.invoke(args=["recording", "import-results", str(ok)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "matched 1, unchanged 0, unmatched 0"
    result = runner.invoke(args=["recording", "import-results", str(ok)])
    assert result.stdout.strip() == "matched 0, unchanged 1, unmatched 0"

    some_unknown = tmp_path / "sebagian.csv"
    some_unknown.write_text(
        f"NIK,STAT_RKM\n{village['budi'].nik},3\n6101125505990001,3\n", encoding="utf-8"
    )
    result = runner.invoke(args=["recording", "import-results", str(some_unknown)])
    assert result.exit_code == 3
    assert result.stdout.strip() == "matched 1, unchanged 0, unmatched 1"
    assert "6101********0001" in result.stderr
    assert "6101125505990001" not in result.output

    bad = tmp_path / "rusak.csv"
    bad.write_text(f"NIK,STAT_RKM\n{village['cici'].nik},REKAM\n", encoding="utf-8")
    result = runner.invoke(args=["recording", "import-results", str(bad)])
    assert result.exit_code == 1
    assert "baris 2" in result.stderr and "Traceback" not in result.output
    result = runner.invoke(
        args=["recording", "import-results", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 1 and "tidak ditemukan" in result.stderr
