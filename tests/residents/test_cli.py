"""`desa resident import` / `export`: summary line, exit codes, rejects file."""

import csv
import datetime as dt

from conftest import nik_for
from sqlalchemy import func, select

from desa.residents.models import Resident, ResidentChange

HEADER = ["NIK", "NAMA_LGKP", "JENIS_KLMIN", "TGL_LHR", "NO_RT", "NO_RW", "DUSUN"]
GOOD = [
    [nik_for(dt.date(1990, 5, 17), "L", 1), "BUDI", "L", "17-05-1990", "1", "1", "A"],
    [nik_for(dt.date(1991, 6, 18), "P", 2), "SITI", "P", "18-06-1991", "1", "1", "A"],
]
BAD = [nik_for(dt.date(1992, 7, 19), "L", 3), "ANDI", "L", "32-07-1992", "1", "1", "A"]


def write_csv(path, rows, header=HEADER):
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def residents(app):
    from desa.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count(Resident.id)))


def test_clean_file_prints_the_summary_and_exits_0(app, runner, tmp_path):
    path = write_csv(tmp_path / "warga.csv", GOOD)
    result = runner.invoke(args=["resident", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported 2, updated 0, rejected 0\n"
    assert not (tmp_path / "warga.csv.rejects.csv").exists()
    assert residents(app) == 2


def test_rejected_rows_exit_3_with_the_rejects_file_beside_the_input(
    app, runner, tmp_path
):
    path = write_csv(tmp_path / "warga.csv", [*GOOD, BAD])
    result = runner.invoke(args=["resident", "import", str(path)])
    assert result.exit_code == 3
    assert result.stdout == "imported 2, updated 0, rejected 1\n"
    rejects = tmp_path / "warga.csv.rejects.csv"
    assert str(rejects) in result.stderr
    rows = list(csv.reader(rejects.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == [*HEADER, "error"]
    assert rows[1][:7] == BAD and rows[1][7].startswith("TGL_LHR: Tanggal lahir")
    assert residents(app) == 2


def test_reimport_reports_unchanged_rows_and_writes_no_history(app, runner, tmp_path):
    path = write_csv(tmp_path / "warga.csv", GOOD)
    assert runner.invoke(args=["resident", "import", str(path)]).exit_code == 0
    result = runner.invoke(args=["resident", "import", str(path)])
    assert result.exit_code == 0
    assert result.stdout == "imported 0, updated 0, rejected 0\n"
    assert "2 baris tidak berubah" in result.stderr
    from desa.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count(ResidentChange.id))) == 0


def test_strict_commits_nothing(app, runner, tmp_path):
    path = write_csv(tmp_path / "warga.csv", [*GOOD, BAD])
    result = runner.invoke(args=["resident", "import", str(path), "--strict"])
    assert result.exit_code == 3
    assert result.stdout == "imported 0, updated 0, rejected 1\n"
    assert "Mode ketat" in result.stderr
    assert (tmp_path / "warga.csv.rejects.csv").exists()
    assert residents(app) == 0


def test_dry_run_commits_nothing(app, runner, tmp_path):
    path = write_csv(tmp_path / "warga.csv", GOOD)
    result = runner.invoke(args=["resident", "import", str(path), "--dry-run"])
    assert result.exit_code == 0
    assert result.stdout == "imported 2, updated 0, rejected 0\n"
    assert "Uji coba" in result.stderr
    assert residents(app) == 0


def test_a_file_that_cannot_be_read_is_one_sentence_and_exit_1(app, runner, tmp_path):
    result = runner.invoke(args=["resident", "import", str(tmp_path / "tidak-ada.csv")])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "tidak ditemukan" in result.stderr

    missing = write_csv(tmp_path / "kolom.csv", [["1", "BUDI"]], header=["NIK", "X"])
    result = runner.invoke(args=["resident", "import", str(missing)])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "Kolom wajib" in result.stderr


def test_export_then_import_round_trip_through_the_cli(app, runner, tmp_path):
    from desa.extensions import db

    assert (
        runner.invoke(
            args=["resident", "import", str(write_csv(tmp_path / "a.csv", GOOD))]
        ).exit_code
        == 0
    )
    for name in ("semua.csv", "semua.xlsx"):
        out = tmp_path / name
        result = runner.invoke(args=["resident", "export", str(out)])
        assert result.exit_code == 0, result.output
        assert "2 penduduk" in result.stdout and out.exists()
    head = (tmp_path / "semua.csv").read_bytes()[:40]
    assert head.startswith(b"\xef\xbb\xbfnik,kk,name,sex,birth_place")
    with app.app_context():
        db.session.execute(Resident.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["resident", "import", str(tmp_path / "semua.xlsx")])
    assert result.stdout == "imported 2, updated 0, rejected 0\n"
    assert residents(app) == 2


def test_export_refuses_an_unknown_extension(app, runner, tmp_path):
    result = runner.invoke(args=["resident", "export", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1 and ".csv atau .xlsx" in result.stderr


def test_a_large_import_refreshes_the_statistics_once_committed(
    app, runner, tmp_path, monkeypatch
):
    from desa.residents import services

    calls = []
    monkeypatch.setattr(services, "BULK_ROWS", 2)
    monkeypatch.setattr(services, "refresh_statistics", lambda *t: calls.append(t))
    path = write_csv(tmp_path / "warga.csv", GOOD)
    dry = runner.invoke(args=["resident", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0 and calls == []  # nothing committed
    assert runner.invoke(args=["resident", "import", str(path)]).exit_code == 0
    assert calls == [("residents", "resident_tallies")]
    assert runner.invoke(args=["resident", "import", str(path)]).exit_code == 0
    # Nothing written the second time: no second refresh.
    assert calls == [("residents", "resident_tallies")]
