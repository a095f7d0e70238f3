"""Very large import files, at a small patched limit: a full sheet is refused at
once with nothing kept, a file that hides its size is stopped at the row limit with
nothing kept, a huge shared-strings table is refused before it is loaded, and
duplicate NIKs are found across chunks (they are kept on disk, not in memory).

The real million-row sheet, with its time and peak memory, is bench/million.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import nik_for

from bench._bigxlsx import write_xlsx
from desa.residents.importer import ImportFileError, checking, reading, running
from desa.residents.models import Resident

from .test_importer import count, do_import, read_rejects, write_csv

HEADER = ["nik", "name", "sex", "birth_date", "rt", "rw"]


def _rows(count: int):
    base = dt.date(1970, 1, 1)
    for i in range(count):
        birth = base + dt.timedelta(days=i % 12_000)
        yield [
            nik_for(birth, "L", 1 + i % 9000),
            f"WARGA {chr(65 + i % 26)}",
            "L",
            birth.strftime("%d-%m-%Y"),
            str(1 + i % 9),
            "1",
        ]


def test_a_full_sheet_is_refused_by_the_command_at_once_with_nothing_kept(
    app, runner, tmp_path, monkeypatch
):
    """bench/million.py's full sheet, at a limit of 5 rows: one sentence, exit 1."""

    def no_row(*_args):
        raise AssertionError("a row was checked")

    monkeypatch.setattr(reading, "MAX_IMPORT_ROWS", 5)
    # Refused from the sheet's dimension, before any row is read and checked.
    monkeypatch.setattr(checking._Checker, "check", no_row)
    path = write_xlsx(tmp_path / "penuh.xlsx", HEADER, _rows(6), row_count=6)
    result = runner.invoke(args=["resident", "import", str(path)])
    assert result.exit_code == 1 and type(result.exception) is SystemExit
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert "lebih dari 5 baris data" in result.stderr
    assert not (tmp_path / "penuh.xlsx.rejects.csv").exists()
    with app.app_context():
        from desa.extensions import db

        assert count(db, Resident) == 0


def test_a_file_hiding_its_size_is_stopped_at_the_limit_with_nothing_kept(
    db, tmp_path, monkeypatch
):
    monkeypatch.setattr(running, "MAX_IMPORT_ROWS", 40)
    monkeypatch.setattr(reading, "MAX_IMPORT_ROWS", 40)
    rows = list(_rows(41))
    # No <dimension>: the size shows only while reading; small chunks were already
    # written by then, and must go with the rest.
    path = write_xlsx(tmp_path / "besar.xlsx", HEADER, rows, dimension=False)
    with pytest.raises(ImportFileError, match="lebih dari 40 baris data"):
        do_import(path, chunk_size=10)
    assert count(db, Resident) == 0
    assert not (tmp_path / "besar.xlsx.rejects.csv").exists()

    # The same rows within the limit import whole.
    path = write_xlsx(tmp_path / "pas.xlsx", HEADER, rows[:40], dimension=False)
    assert do_import(path, chunk_size=10).imported == 40


def test_an_honest_dimension_refuses_before_any_row_is_read(db, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_IMPORT_ROWS", 5)
    path = write_xlsx(tmp_path / "enam.xlsx", HEADER, _rows(6), row_count=6)
    with pytest.raises(ImportFileError, match="lebih dari 5 baris data"):
        do_import(path)
    assert count(db, Resident) == 0


def test_a_huge_shared_strings_table_is_refused_before_it_is_loaded(
    db, tmp_path, monkeypatch
):
    monkeypatch.setattr(reading, "MAX_XLSX_SHARED_STRINGS", 4096)
    path = write_xlsx(
        tmp_path / "teks.xlsx", HEADER, _rows(200), row_count=200, shared_strings=True
    )
    with pytest.raises(ImportFileError, match="terlalu banyak teks"):
        do_import(path)
    monkeypatch.setattr(reading, "MAX_XLSX_SHARED_STRINGS", 10 * 1024 * 1024)
    assert do_import(path).imported == 200


def test_duplicate_niks_are_found_across_chunks_and_rejected_in_order(db, tmp_path):
    rows = list(_rows(12))
    first_a, first_b = rows[1], rows[6]
    rows += [
        [first_b[0], "WARGA GANDA", *first_b[2:]],
        [first_a[0], "WARGA GANDA", *first_a[2:]],
    ]
    rows.insert(9, [first_a[0], "WARGA LAIN", *first_a[2:]])  # a duplicate in chunk 3
    path = write_csv(tmp_path / "ganda.csv", HEADER, rows)
    result = do_import(path, chunk_size=4)
    assert (result.imported, result.rejected) == (12, 3)
    rejects = read_rejects(tmp_path / "ganda.csv.rejects.csv")
    # File lines: header = 1, so rows[1] is line 3 and rows[6] line 8.
    assert [(r[1], r[-1]) for r in rejects[1:]] == [
        ("WARGA LAIN", "NIK ganda di berkas, baris 3."),
        ("WARGA GANDA", "NIK ganda di berkas, baris 8."),
        ("WARGA GANDA", "NIK ganda di berkas, baris 3."),
    ]
    assert [line for line, _ in result.first_errors] == [11, 15, 16]
